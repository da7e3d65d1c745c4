/**
 * The sync endpoint: the model registry (publish, aliases with canary splits, the
 * static layout the runtime installs from) and drift telemetry ingest, over SQLite
 * or PostgreSQL. See docs/SYNC-API.md.
 */

// ### Server
export { createSyncServer, type SyncServer, type SyncServerOptions } from './server.ts';

// ### Configuration
export {
  resolveSyncConfig,
  DEFAULT_TELEMETRY_LIMITS,
  DEFAULT_TIMEOUTS,
  type IndexKey,
  type ServerTimeouts,
  type StoreOption,
  type SyncConfig,
  type SyncOptions,
  type TelemetryLimits,
} from './config.ts';

// ### Errors
export { SyncError, isSyncError, STATUS_OF, type SyncErrorCode, type SyncErrorOptions } from './errors.ts';

// ### Storage
export { TABLES, type Store } from './store/store.ts';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.ts';
export { BlobStore } from './blob-store.ts';

// ### Registry rules
export { canaryBucket, latestVersion } from './registry-model.ts';

// ### Telemetry
export type { DriftEvent, SummaryBucket, TelemetryBody } from './telemetry-aggregate.ts';
