import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../format/index.ts';
import { resolveSyncConfig } from '../config.ts';
import { DEFAULT_RETENTION_CONFIG } from './retention-config.ts';

describe('retention settings', () => {
  const env = async () => ({ SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: (await generateSigningKeyPair()).publicKey });

  it('keeps finished jobs 30 days and events 180 days (each model always its last 100), pruning hourly', async () => {
    const { retention } = resolveSyncConfig({}, await env());
    expect(retention).toEqual({ jobDays: 30, eventDays: 180, eventsKeptPerModel: 100, intervalMs: 3_600_000 });
    expect(retention).toEqual(DEFAULT_RETENTION_CONFIG);
    expect(Object.isFrozen(retention)).toBe(true);
  });

  it('reads each setting from its variable, options first; 0 days keeps rows forever', async () => {
    const base = await env();
    const vars = { ...base, SYNC_JOB_RETENTION_DAYS: '7', SYNC_EVENT_RETENTION_DAYS: '0', SYNC_EVENT_RETENTION_KEEP: '5', SYNC_RETENTION_INTERVAL_MS: '60000' };
    expect(resolveSyncConfig({}, vars).retention).toEqual({ jobDays: 7, eventDays: 0, eventsKeptPerModel: 5, intervalMs: 60_000 });
    expect(resolveSyncConfig({ retention: { jobDays: 1 } }, vars).retention.jobDays).toBe(1);
  });

  it('refuses what is not a whole number in range, naming the setting', async () => {
    const base = await env();
    for (const [name, value] of [
      ['SYNC_JOB_RETENTION_DAYS', '-1'],
      ['SYNC_JOB_RETENTION_DAYS', '1.5'],
      ['SYNC_EVENT_RETENTION_DAYS', 'forever'],
      ['SYNC_EVENT_RETENTION_KEEP', '1e3'],
      ['SYNC_RETENTION_INTERVAL_MS', '10'],
    ]) {
      expect(() => resolveSyncConfig({}, { ...base, [name]: value }), `${name}=${value}`).toThrow(new RegExp(`^${name} must be an integer`));
    }
    expect(() => resolveSyncConfig({ retention: { eventsKeptPerModel: -1 } }, base)).toThrow(/^retention\.eventsKeptPerModel must be an integer/);
  });
});
