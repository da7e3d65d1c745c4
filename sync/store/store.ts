/**
 * The one storage interface of the sync endpoint. `SqliteStore` (embedded, the
 * default) and `PostgresStore` (`DATABASE_URL`) implement it; the routes only see
 * this. Artifact bytes live in a blob store (sync/blob-store.ts): files under
 * `DATA_DIR/blobs`, or, on PostgreSQL, the database's own `blobs` table, written in the
 * transaction of the version that references them. Feedback examples are rows (each
 * at most 256 KiB of input), so every replica over one PostgreSQL database reads the
 * same datasets. The models' audit log (`model_events`) is written in the transactions
 * of the changes it records.
 */
import type { DriftStore, NewDriftWindow } from './drift-records.ts';
import type { FeedbackStore } from './feedback-records.ts';
import type { JobQueue } from '../jobs/job-records.ts';
import type { EventStore } from '../events/event-records.ts';
import type { RetentionStore } from '../retention/retention-records.ts';

export type * from './drift-records.ts';
export type * from './feedback-records.ts';
export { streamKey } from './drift-records.ts';

/** One file of a published version (artifact files, `manifest.json`, `manifest.sig`). */
export interface StoredFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** A version as the registry lists it. */
export interface VersionRecord {
  name: string;
  version: string;
  /** ISO time. */
  publishedAt: string;
  /** Sum of the artifact files' sizes. */
  bytes: number;
  manifestSha256: string;
  signatureSha256: string;
  metrics: Record<string, number>;
}

/** What a publish writes, in one transaction. */
export interface NewVersion extends VersionRecord {
  /** Every file, `manifest.json` and `manifest.sig` included. */
  files: StoredFile[];
}

/**
 * How {@link Store.insertVersion} makes sure a version's blobs are stored when its rows
 * commit: a check, called inside the transaction while it holds the blob lock of every
 * file's digest, for blobs written beforehand (the file store); or the blobs themselves
 * (`rows`, by digest), written in that transaction by a store that keeps them in its
 * own database (PostgreSQL's `blobs` table), so a version that is not created writes none.
 */
export type VersionBlobs = (() => boolean) | { readonly rows: ReadonlyMap<string, Uint8Array> };

/** A canary split: `percent` of devices get `version` instead of the alias's version. */
export interface Canary {
  version: string;
  percent: number;
}

export interface AliasRecord {
  alias: string;
  version: string;
  canary: Canary | null;
  /** ISO time of the last move. */
  updatedAt: string;
}

export interface AliasHistoryEntry {
  version: string;
  canary: Canary | null;
  /** ISO time. */
  at: string;
  /** Who moved it: `admin:<key id>` (a hash prefix of the token, never the token). */
  by: string;
}

/** One model, everything its registry pages need. */
export interface ModelRecord {
  name: string;
  versions: VersionRecord[];
  aliases: AliasRecord[];
  /** ISO time of the last publish or alias move (the index revision). */
  updatedAt: string;
}

/** One aggregate counter increment: `count` added to the cell. */
export interface AggregateIncrement {
  model: string;
  version: string;
  /** ISO time of the hour (`2026-11-23T16:00:00.000Z`). */
  hour: string;
  /** `events`, `prediction`, `signal`, `latency`, `error`, `device_class`. */
  kind: string;
  key: string;
  bin: number;
  count: number;
}

/** A telemetry batch ready to store: the batch row and its aggregate increments. */
export interface TelemetryBatch {
  batchId: string;
  deviceId: string;
  /** Which token sent it (`app:<key id>`). */
  sender: string;
  sentAt: string;
  receivedAt: string;
  eventCount: number;
  /** Pre-aggregated: one entry per cell, summed over the batch. */
  aggregates: AggregateIncrement[];
  /** Events the device dropped from its full queue before this batch. */
  dropped: number;
  /** The batch's events that carried signal counts, judged against their version's baseline. */
  driftWindows: NewDriftWindow[];
}

export interface SummaryFilter {
  model?: string;
  version?: string;
  /** ISO hour, inclusive. */
  from?: string;
  /** ISO time, exclusive. */
  to?: string;
}

/** One aggregate cell as stored: the same fields as an increment, `count` the running total. */
export type AggregateRow = AggregateIncrement;

/** The storage the endpoint runs on. */
export interface Store extends DriftStore, FeedbackStore, EventStore {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** The job queue of the retraining loop, on the same database. */
  readonly jobs: JobQueue;
  /** Deletes old finished jobs and model events (sync/retention/), on the same database. */
  readonly retention: RetentionStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;

  getVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /**
   * Inserts the version and its files, in one transaction: `exists` (nothing written)
   * when `name@version` is already there; `blobs-missing` (nothing written) when
   * `blobs` is a check that, called inside the transaction while it holds the blob lock
   * of every file's digest (see {@link removeUnreferencedBlobs}), answers false. With
   * `{ rows }` (PostgreSQL only; SQLite throws a TypeError), the blobs are written in the
   * transaction too. See {@link VersionBlobs}.
   */
  insertVersion(version: NewVersion, blobs: VersionBlobs): Promise<'created' | 'exists' | 'blobs-missing'>;
  /**
   * Calls `remove` (synchronously) for each digest of `sha256s` that no `files` row
   * references, while holding the lock `insertVersion` takes on that digest, so a
   * concurrent publish that references the blob either commits first (and the blob
   * stays) or finds it gone and writes it again. Resolves to the removed digests.
   */
  removeUnreferencedBlobs(sha256s: readonly string[], remove: (sha256: string) => void): Promise<string[]>;
  getFile(name: string, version: string, path: string): Promise<StoredFile | undefined>;
  listModels(): Promise<ModelRecord[]>;
  getModel(name: string): Promise<ModelRecord | undefined>;
  /**
   * Moves an alias, appends to its history and records its `alias-moved` event, in one
   * transaction. With `expected`, only when the alias is still that (version and canary):
   * otherwise nothing is written and it rejects with `AliasMoved` (its `current`), so two
   * workers judging one canary cannot both act.
   */
  setAlias(name: string, alias: string, version: string, canary: Canary | null, by: string, at: string, expected?: { version: string; canary: Canary | null }): Promise<AliasRecord>;
  getAlias(name: string, alias: string): Promise<AliasRecord | undefined>;
  /** Newest first. */
  aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]>;

  /**
   * Stores a batch exactly once: the batch row, its aggregate increments and its drift windows commit in
   * one transaction, and the promise resolves only after that commit. A batch is
   * identified by `sender`, `deviceId` and `batchId` together: one seen before writes
   * nothing and answers `{ duplicate: true }`; the same `batchId` from another device or
   * token is another batch.
   */
  ingestTelemetry(batch: TelemetryBatch): Promise<{ duplicate: boolean }>;
  summary(filter: SummaryFilter): Promise<AggregateRow[]>;

  /** Row counts per table, for tests ("nothing was stored") and operators. */
  countRows(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Every table a store keeps, in the order `countRows()` reports them. */
export const TABLES = ['models', 'versions', 'files', 'aliases', 'alias_history', 'telemetry_batches', 'telemetry_aggregates', 'drift_windows', 'alert_streams', 'alerts', 'alert_deliveries', 'feedback_examples', 'jobs', 'job_log', 'model_events', 'retention_tallies'] as const;
