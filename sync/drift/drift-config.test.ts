import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../format/index.ts';
import { resolveSyncConfig } from '../config.ts';
import { isSyncError } from '../errors.ts';
import { DEFAULT_DRIFT_CONFIG } from './drift-config.ts';

describe('drift and alert settings', () => {
  const resolve = async (vars: Record<string, string>) => {
    const { publicKey } = await generateSigningKeyPair();
    return resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey, ...vars });
  };
  const refusal = async (vars: Record<string, string>) => {
    try {
      await resolve(vars);
      return 'no error';
    } catch (error) {
      return isSyncError(error) ? `${error.code}: ${error.message}` : String(error);
    }
  };

  it('defaults to Evidently’s thresholds, three windows of hysteresis and no webhooks', async () => {
    const { drift } = await resolve({});
    expect(drift).toEqual(DEFAULT_DRIFT_CONFIG);
    expect(drift).toMatchObject({ jsDistance: 0.1, minSamples: 100, signalShare: 0.5, alertWindows: 3, recoveryWindows: 3, webhooks: [] });
  });

  it('reads every variable, and recovery follows the alert windows unless set', async () => {
    const { drift } = await resolve({
      SYNC_DRIFT_JS_THRESHOLD: '0.2',
      SYNC_DRIFT_MIN_SAMPLES: '50',
      SYNC_DRIFT_SIGNAL_SHARE: '0.25',
      SYNC_ALERT_WINDOWS: '5',
      SYNC_ALERT_WEBHOOKS: 'https://hooks.example.com/a, http://10.0.0.2:9000/b',
      SYNC_ALERT_WEBHOOK_SECRET: 'a-long-enough-secret',
    });
    expect(drift).toMatchObject({ jsDistance: 0.2, minSamples: 50, signalShare: 0.25, alertWindows: 5, recoveryWindows: 5, webhooks: ['https://hooks.example.com/a', 'http://10.0.0.2:9000/b'] });
    expect((await resolve({ SYNC_ALERT_WINDOWS: '5', SYNC_ALERT_RECOVERY_WINDOWS: '2' })).drift.recoveryWindows).toBe(2);
  });

  it('refuses unsigned webhooks, bad URLs and out-of-range numbers, naming the variable', async () => {
    expect(await refusal({ SYNC_ALERT_WEBHOOKS: 'https://hooks.example.com/a' })).toMatch(/^CONFIG_INVALID: .*SYNC_ALERT_WEBHOOK_SECRET is not/);
    expect(await refusal({ SYNC_ALERT_WEBHOOKS: 'not a url', SYNC_ALERT_WEBHOOK_SECRET: 'a-long-enough-secret' })).toMatch(/not a URL/);
    expect(await refusal({ SYNC_ALERT_WEBHOOKS: 'ftp://x.example.com/', SYNC_ALERT_WEBHOOK_SECRET: 'a-long-enough-secret' })).toMatch(/http\(s\)/);
    expect(await refusal({ SYNC_ALERT_WEBHOOKS: 'https://u:p@x.example.com/', SYNC_ALERT_WEBHOOK_SECRET: 'a-long-enough-secret' })).toMatch(/credentials/);
    expect(await refusal({ SYNC_ALERT_WEBHOOK_SECRET: 'short' })).toMatch(/at least 16/);
    expect(await refusal({ SYNC_DRIFT_JS_THRESHOLD: '2' })).toMatch(/SYNC_DRIFT_JS_THRESHOLD must be a number from/);
    expect(await refusal({ SYNC_ALERT_WINDOWS: '0' })).toMatch(/SYNC_ALERT_WINDOWS must be an integer from 1/);
  });
});
