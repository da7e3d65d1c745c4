/**
 * The PostgreSQL store (`DATABASE_URL`): the path for fleets that outgrow one machine,
 * with stateless endpoint replicas over one database (artifact blobs included:
 * {@link PostgresBlobStore}, written in the publish transaction). Telemetry batches are
 * group-committed, a group one statement ({@link PostgresIngest}): each batch's row, its
 * aggregate upserts and its windows commit atomically, and a retried `batchId` writes nothing.
 */
import pg from 'pg';
import { aliasMovedEvent, type EventStore } from '../events/event-records.ts';
import { PostgresEvents } from '../events/postgres-events.ts';
import { PostgresJobQueue } from '../jobs/postgres-job-queue.ts';
import { PostgresRetention } from '../retention/postgres-retention.ts';
import { loadMigrations } from './migrations.ts';
import { PostgresDrift } from './postgres-drift.ts';
import { PostgresFeedback } from './postgres-feedback.ts';
import { PostgresIngest } from './postgres-ingest.ts';
import { BLOB_LOCK_SQL, PostgresBlobStore } from './postgres-blob-store.ts';
import { aliasIs, aliasOf, AliasMoved, BlobsMissing, blobDigestsOf, historyEntryOf, summarySql, versionOf, VersionExists, type AliasHistoryRow, type AliasRow, type VersionRow } from './store-rows.ts';
import { TABLES, type AggregateRow, type DriftStore, type FeedbackStore, type AliasHistoryEntry, type AliasRecord, type Canary, type ModelRecord, type NewVersion, type Store, type StoredFile, type SummaryFilter, type TelemetryBatch, type VersionBlobs, type VersionRecord } from './store.ts';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** @defaultValue 10 */
  poolSize?: number;
}

/** Any lock id, constant: serialises migrations across replicas starting together. */
const MIGRATION_LOCK = 0x65646765;

/** The PostgreSQL implementation of {@link Store}. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly jobs: PostgresJobQueue;
  readonly retention: PostgresRetention;
  /** Artifact blobs in this database (the `blobs` table), written in the publish transaction. */
  readonly blobs: PostgresBlobStore;
  readonly #pool: pg.Pool;
  readonly #drift: PostgresDrift;
  readonly #feedback: PostgresFeedback;
  readonly #events: PostgresEvents;
  readonly #ingest: PostgresIngest;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.#events = new PostgresEvents(pool);
    this.#ingest = new PostgresIngest(pool);
    this.jobs = new PostgresJobQueue(pool, (work) => this.#transaction(work), this.#events);
    this.retention = new PostgresRetention(pool, (work) => this.#transaction(work));
    this.#drift = new PostgresDrift(pool, (work) => this.#transaction(work), this.jobs);
    this.#feedback = new PostgresFeedback(pool, (work, mode) => this.#transaction(work, mode));
    this.blobs = new PostgresBlobStore(pool, (work) => this.#transaction(work));
  }

  /** Connects, and applies pending migrations under an advisory lock. */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
    // An idle client's error (the server restarted) must not crash the process; the
    // next query gets a fresh connection.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool);
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const { rows } = await this.#pool.query<VersionRow>('SELECT * FROM versions WHERE name = $1 AND version = $2', [name, version]);
    return rows[0] && versionOf(rows[0]);
  }

  async insertVersion(v: NewVersion, blobs: VersionBlobs): Promise<'created' | 'exists' | 'blobs-missing'> {
    try {
      await this.#insertVersion(v, blobs);
      return 'created';
    } catch (error) {
      if (error instanceof VersionExists) return 'exists';
      if (error instanceof BlobsMissing) return 'blobs-missing';
      throw error;
    }
  }

  async removeUnreferencedBlobs(sha256s: readonly string[], remove: (sha256: string) => void): Promise<string[]> {
    const digests = blobDigestsOf(sha256s);
    if (digests.length === 0) return [];
    return this.#transaction(async (client) => {
      await client.query(BLOB_LOCK_SQL('pg_advisory_xact_lock'), [digests]);
      const { rows } = await client.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM files WHERE sha256 = ANY($1::text[])', [digests]);
      const referenced = new Set(rows.map((r) => r.sha256));
      const removed = digests.filter((d) => !referenced.has(d));
      // Before COMMIT releases the locks: a publish waiting on one then finds the blob gone.
      for (const sha256 of removed) remove(sha256);
      return removed;
    });
  }

  async #insertVersion(v: NewVersion, blobs: VersionBlobs): Promise<void> {
    await this.#transaction(async (client) => {
      // Shared blob locks: publishes do not wait for each other, only for a removal.
      await client.query(BLOB_LOCK_SQL('pg_advisory_xact_lock_shared'), [blobDigestsOf(v.files.map((f) => f.sha256))]);
      await client.query(
        'INSERT INTO models (name, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at',
        [v.name, v.publishedAt],
      );
      const inserted = await client.query(
        `INSERT INTO versions (name, version, published_at, bytes, manifest_sha256, signature_sha256, metrics)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [v.name, v.version, v.publishedAt, v.bytes, v.manifestSha256, v.signatureSha256, JSON.stringify(v.metrics)],
      );
      if (inserted.rowCount === 0) throw new VersionExists();
      await client.query(
        'INSERT INTO files (name, version, path, sha256, bytes) SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::bigint[])',
        [v.name, v.version, v.files.map((f) => f.path), v.files.map((f) => f.sha256), v.files.map((f) => f.bytes)],
      );
      if (typeof blobs === 'function') {
        if (!blobs()) throw new BlobsMissing();
      } else {
        // In this transaction: a version that is not created (exists, or fails) writes no blob.
        await this.blobs.insertWith(client, blobs.rows);
      }
    });
  }

  async getFile(name: string, version: string, path: string): Promise<StoredFile | undefined> {
    const { rows } = await this.#pool.query<{ path: string; sha256: string; bytes: string }>(
      'SELECT path, sha256, bytes FROM files WHERE name = $1 AND version = $2 AND path = $3',
      [name, version, path],
    );
    return rows[0] && { path: rows[0].path, sha256: rows[0].sha256, bytes: Number(rows[0].bytes) };
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.#models(null);
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    return (await this.#models(name))[0];
  }

  async #models(name: string | null): Promise<ModelRecord[]> {
    // One snapshot for the three reads, so a publish in between cannot tear the answer.
    return this.#transaction(async (client) => {
      const filter = name === null ? '' : 'WHERE name = $1';
      const params = name === null ? [] : [name];
      const models = await client.query<{ name: string; updated_at: Date }>(`SELECT name, updated_at FROM models ${filter} ORDER BY name`, params);
      const versions = await client.query<VersionRow>(`SELECT * FROM versions ${filter}`, params);
      const aliases = await client.query<AliasRow & { name: string }>(`SELECT * FROM aliases ${filter} ORDER BY alias`, params);
      return models.rows.map((m) => ({
        name: m.name,
        updatedAt: m.updated_at.toISOString(),
        versions: versions.rows.filter((v) => v.name === m.name).map(versionOf),
        aliases: aliases.rows.filter((a) => a.name === m.name).map(aliasOf),
      }));
    }, 'ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async setAlias(name: string, alias: string, version: string, canary: Canary | null, by: string, at: string, expected?: { version: string; canary: Canary | null }): Promise<AliasRecord> {
    await this.#transaction(async (client) => {
      if (expected) {
        // The row lock makes a second conditional move wait for this one, then see it.
        const { rows } = await client.query<AliasRow>('SELECT * FROM aliases WHERE name = $1 AND alias = $2 FOR UPDATE', [name, alias]);
        const current = rows[0] && aliasOf(rows[0]);
        if (!aliasIs(current, expected)) throw new AliasMoved(current);
      }
      const cv = canary?.version ?? null;
      const cp = canary?.percent ?? null;
      await client.query(
        `INSERT INTO aliases (name, alias, version, canary_version, canary_percent, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name, alias) DO UPDATE SET version = EXCLUDED.version, canary_version = EXCLUDED.canary_version,
           canary_percent = EXCLUDED.canary_percent, updated_at = EXCLUDED.updated_at`,
        [name, alias, version, cv, cp, at],
      );
      await client.query('INSERT INTO alias_history (name, alias, version, canary_version, canary_percent, at, by) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        name, alias, version, cv, cp, at, by,
      ]);
      await client.query('UPDATE models SET updated_at = $1 WHERE name = $2', [at, name]);
      await this.#events.insertWith(client, aliasMovedEvent({ name, alias, version, canary, by, at }));
    });
    return { alias, version, canary, updatedAt: at };
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    const { rows } = await this.#pool.query<AliasRow>('SELECT * FROM aliases WHERE name = $1 AND alias = $2', [name, alias]);
    return rows[0] && aliasOf(rows[0]);
  }

  async aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]> {
    const { rows } = await this.#pool.query<AliasHistoryRow>(
      'SELECT version, canary_version, canary_percent, at, by FROM alias_history WHERE name = $1 AND alias = $2 ORDER BY id DESC',
      [name, alias],
    );
    return rows.map(historyEntryOf);
  }

  ingestTelemetry(b: TelemetryBatch): Promise<{ duplicate: boolean }> {
    return this.#ingest.ingest(b);
  }

  async summary(filter: SummaryFilter): Promise<AggregateRow[]> {
    const { sql, params } = summarySql(filter, (n) => `$${n}`);
    const { rows } = await this.#pool.query<AggregateRow & { count: string }>(sql, params);
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  driftWindows: DriftStore['driftWindows'] = (filter) => this.#drift.driftWindows(filter);
  advanceAlerts: DriftStore['advanceAlerts'] = (...args) => this.#drift.advanceAlerts(...args);
  alertStreams: DriftStore['alertStreams'] = (filter) => this.#drift.alertStreams(filter);
  listAlerts: DriftStore['listAlerts'] = (filter) => this.#drift.listAlerts(filter);
  claimDeliveries: DriftStore['claimDeliveries'] = (...args) => this.#drift.claimDeliveries(...args);
  finishDelivery: DriftStore['finishDelivery'] = (...args) => this.#drift.finishDelivery(...args);

  insertFeedback: FeedbackStore['insertFeedback'] = (...args) => this.#feedback.insertFeedback(...args);
  feedbackPage: FeedbackStore['feedbackPage'] = (request) => this.#feedback.feedbackPage(request);
  deleteFeedback: FeedbackStore['deleteFeedback'] = (filter) => this.#feedback.deleteFeedback(filter);

  recordEvent: EventStore['recordEvent'] = (event) => this.#events.recordEvent(event);
  listEvents: EventStore['listEvents'] = (filter) => this.#events.listEvents(filter);
  eventCounts: EventStore['eventCounts'] = () => this.#events.eventCounts();

  async countRows(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<Record<string, number>>(`SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`);
    return { ...rows[0] };
  }

  async close(): Promise<void> {
    await this.#ingest.idle();
    await this.#pool.end();
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>, mode = ''): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query(`BEGIN ${mode}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    for (const m of loadMigrations('postgres')) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
