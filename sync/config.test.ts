import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../format/index.ts';
import { resolveSyncConfig } from './config.ts';
import { isSyncError } from './errors.ts';

describe('resolveSyncConfig', () => {
  it('names what is missing or malformed, and returns a frozen config', async () => {
    const { publicKey } = await generateSigningKeyPair();
    const codeOf = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (error) {
        return isSyncError(error) ? `${error.code}: ${error.message}` : String(error);
      }
    };
    expect(codeOf(() => resolveSyncConfig({}, {}))).toMatch(/^CONFIG_INVALID: SYNC_ADMIN_TOKENS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a' }))).toMatch(/^CONFIG_INVALID: SYNC_APP_TOKENS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b' }))).toMatch(/^CONFIG_INVALID: SYNC_PUBLISHER_KEYS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: 'abc' }))).toMatch(/32 bytes|base64url/);
    const env = { SYNC_ADMIN_TOKENS: 'a,c', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey };
    expect(codeOf(() => resolveSyncConfig({}, { ...env, SYNC_CORS_ORIGINS: '*' }))).toMatch(/"\*" is not allowed/);
    const config = resolveSyncConfig({}, { ...env, DATABASE_URL: 'postgres://u@localhost/db', SYNC_RATE_LIMIT_PER_MINUTE: '50' });
    expect(config).toMatchObject({ adminTokens: ['a', 'c'], store: { databaseUrl: 'postgres://u@localhost/db' }, rateLimitPerMinute: 50, port: 8787 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults to timeouts and telemetry limits fit for real clients, and refuses inconsistent ones', async () => {
    const { publicKey } = await generateSigningKeyPair();
    const env = { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey };
    const config = resolveSyncConfig({}, env);
    expect(config.timeouts).toEqual({ headersMs: 10_000, requestMs: 60_000, idleMs: 30_000, keepAliveMs: 5_000 });
    expect(config.telemetryLimits).toEqual({ maxHoursPerBatch: 24, maxBinsPerEvent: 4096, maxCellsPerBatch: 20_000 });
    expect(resolveSyncConfig({}, { ...env, SYNC_REQUEST_TIMEOUT_MS: '120000', SYNC_TELEMETRY_MAX_HOURS_PER_BATCH: '48' })).toMatchObject({
      timeouts: { requestMs: 120_000 },
      telemetryLimits: { maxHoursPerBatch: 48 },
    });
    expect(() => resolveSyncConfig({}, { ...env, SYNC_HEADERS_TIMEOUT_MS: '90000' })).toThrow(/must not exceed SYNC_REQUEST_TIMEOUT_MS/);
    expect(() => resolveSyncConfig({}, { ...env, SYNC_TELEMETRY_MAX_CELLS_PER_BATCH: '0' })).toThrow(/SYNC_TELEMETRY_MAX_CELLS_PER_BATCH/);
  });

  it('enqueues retraining on drift alerts unless SYNC_RETRAIN_ON_ALERT is false, with 3 attempts per job by default', async () => {
    const { publicKey } = await generateSigningKeyPair();
    const env = { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey };
    expect(resolveSyncConfig({}, env).retrain).toEqual({ onAlert: true, maxAttempts: 3 });
    expect(resolveSyncConfig({}, { ...env, SYNC_RETRAIN_ON_ALERT: 'false', SYNC_JOB_MAX_ATTEMPTS: '5' }).retrain).toEqual({ onAlert: false, maxAttempts: 5 });
    expect(resolveSyncConfig({ retrain: { onAlert: true } }, { ...env, SYNC_RETRAIN_ON_ALERT: '0' }).retrain.onAlert).toBe(true);
    expect(() => resolveSyncConfig({}, { ...env, SYNC_RETRAIN_ON_ALERT: 'maybe' })).toThrow(/SYNC_RETRAIN_ON_ALERT must be "true" or "false"/);
    expect(() => resolveSyncConfig({}, { ...env, SYNC_JOB_MAX_ATTEMPTS: '0' })).toThrow(/SYNC_JOB_MAX_ATTEMPTS/);
  });

  it('keeps blobs in PostgreSQL when the store is PostgreSQL, as files on SQLite, and refuses blobs in SQLite', async () => {
    const { publicKey } = await generateSigningKeyPair();
    const env = { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey };
    const pg = { ...env, DATABASE_URL: 'postgres://u@localhost/db' };
    expect(resolveSyncConfig({}, env).blobStore).toBe('files');
    expect(resolveSyncConfig({}, pg).blobStore).toBe('database');
    expect(resolveSyncConfig({}, { ...pg, SYNC_BLOB_STORE: 'files' }).blobStore).toBe('files');
    expect(resolveSyncConfig({ blobStore: 'files' }, pg).blobStore).toBe('files');
    expect(() => resolveSyncConfig({}, { ...env, SYNC_BLOB_STORE: 'database' })).toThrow(/SYNC_BLOB_STORE "database" needs PostgreSQL/);
    expect(() => resolveSyncConfig({}, { ...pg, SYNC_BLOB_STORE: 's3' })).toThrow(/SYNC_BLOB_STORE must be "files" or "database"/);
  });
});
