/**
 * The sync endpoint: the model registry (publish, aliases with canary splits, the
 * static layout the runtime installs from), drift telemetry ingest and feedback
 * datasets, over SQLite or PostgreSQL. See docs/SYNC-API.md.
 */

// ### Server
export { createSyncServer, type SyncJobsOptions, type SyncServer, type SyncServerOptions } from './server.ts';

// ### Configuration
export {
  resolveSyncConfig,
  DEFAULT_FEEDBACK_MAX_EXAMPLES_PER_MODEL,
  DEFAULT_TELEMETRY_LIMITS,
  DEFAULT_TIMEOUTS,
  type IndexKey,
  type ServerTimeouts,
  type StoreOption,
  type BlobStoreOption,
  type SyncConfig,
  type SyncOptions,
  type TelemetryLimits,
} from './config.ts';

// ### Errors
export { SyncError, isSyncError, STATUS_OF, type SyncErrorCode, type SyncErrorOptions } from './errors.ts';

// ### Storage
export { TABLES, type Store, type VersionBlobs } from './store/store.ts';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.ts';
export type { BlobSource, BlobStore } from './blob-store.ts';
export { FileBlobStore } from './file-blob-store.ts';
export { PostgresBlobStore } from './store/postgres-blob-store.ts';

// ### Registry rules
export { canaryBucket, latestVersion } from './registry-model.ts';

// ### Telemetry
export type { DriftEvent, SummaryBucket, TelemetryBody } from './telemetry-aggregate.ts';

// ### Feedback
export { FEEDBACK_PAGE_BYTES, FEEDBACK_PAGE_DEFAULT_LIMIT } from './routes/feedback-routes.ts';

// ### Drift and alerts
export {
  chiSquareQuantile,
  chiSquareSurvival,
  chiSquareTest,
  DEFAULT_DRIFT_THRESHOLDS,
  evaluateDrift,
  jensenShannonDistance,
  jsThreshold,
  populationStabilityIndex,
  signalDrift,
  signalKind,
  type DriftStatus,
  type DriftThresholds,
  type DriftVerdict,
  type SignalDrift,
  type SignalKind,
} from './drift/statistics.ts';
export { DEFAULT_DRIFT_CONFIG, type DriftConfig } from './drift/drift-config.ts';
export { signWebhook, type AlertBody } from './drift/alert-service.ts';
export type { DriftReport, SignalReport } from './drift/drift-report.ts';
export { stepAlerts, type Hysteresis } from './drift/alert-machine.ts';

// ### Retraining jobs
export {
  DEFAULT_MAX_ATTEMPTS,
  JOB_KINDS,
  JOB_STATES,
  MAX_LOG_LINES,
  type ClaimedJob,
  type EnqueueResult,
  type JobError,
  type JobFilter,
  type JobKind,
  type JobLease,
  type JobLogLine,
  type JobQueue,
  type JobRecord,
  type JobState,
  type JsonValue,
  type NewJob,
  type RetrainPayload,
} from './jobs/job-records.ts';
export { openJobQueue, type OpenedJobQueue, type OpenJobQueueOptions } from './jobs/open-job-queue.ts';
export { startJobWorker, type JobContext, type JobHandler, type JobWorker, type JobWorkerOptions } from './jobs/job-worker.ts';
export { DEFAULT_RETRAIN_CONFIG, type RetrainConfig } from './jobs/job-config.ts';

// ### Audit log
export {
  CANARY_ACTIONS,
  MODEL_EVENT_KINDS,
  POSTED_EVENT_KINDS,
  type CanaryAction,
  type EventCounts,
  type EventFilter,
  type EventStore,
  type ModelEvent,
  type ModelEventKind,
  type NewModelEvent,
} from './events/event-records.ts';
export { EVENTS_PAGE_DEFAULT_LIMIT } from './routes/event-routes.ts';
export { EVENT_BODY_LIMIT } from './events/event-schemas.ts';

// ### Retention
export { DEFAULT_RETENTION_CONFIG, type RetentionConfig } from './retention/retention-config.ts';
export { RetentionService, type RetentionPass } from './retention/retention-service.ts';
export type { RetentionStore, RetentionTallies } from './retention/retention-records.ts';
