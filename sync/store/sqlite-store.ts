/**
 * The embedded store: one SQLite file (`DATA_DIR/sync.db`) through better-sqlite3, in
 * WAL mode. better-sqlite3 is synchronous, so every statement runs to completion on
 * the event loop: telemetry batches that arrive together are committed together in
 * one transaction (group commit). Each batch still commits atomically with its
 * aggregates, and no request is answered before its commit is on disk: at
 * `synchronous=full` the WAL is fsynced off the event loop after the commit
 * (sync/store/sqlite-wal-sync.ts), and checkpoints run in a thread of their own
 * (sync/store/sqlite-checkpointer.ts), so the disk's latency does not stop the
 * endpoint from reading and checking the next requests.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { aliasMovedEvent, type EventStore } from '../events/event-records.ts';
import { SqliteEvents } from '../events/sqlite-events.ts';
import { SqliteJobQueue } from '../jobs/sqlite-job-queue.ts';
import { SqliteRetention } from '../retention/sqlite-retention.ts';
import { loadMigrations } from './migrations.ts';
import { SqliteDrift } from './sqlite-drift.ts';
import { SqliteFeedback } from './sqlite-feedback.ts';
import { mergeIncrements, takeGroup } from './telemetry-groups.ts';
import { SAFETY_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './sqlite-checkpointer.ts';
import { WalSync } from './sqlite-wal-sync.ts';
import { aliasIs, aliasOf, AliasMoved, BlobsMissing, blobDigestsOf, historyEntryOf, summarySql, versionOf, VersionExists, type AliasHistoryRow, type AliasRow, type VersionRow } from './store-rows.ts';
import { TABLES, type AggregateIncrement, type AggregateRow, type DriftStore, type FeedbackStore, type AliasHistoryEntry, type AliasRecord, type Canary, type ModelRecord, type NewVersion, type Store, type StoredFile, type SummaryFilter, type TelemetryBatch, type VersionBlobs, type VersionRecord } from './store.ts';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** @defaultValue `'full'` */
  synchronous?: 'full' | 'normal';
}

interface Pending {
  batch: TelemetryBatch;
  resolve: (result: { duplicate: boolean }) => void;
  reject: (error: unknown) => void;
}

/** The SQLite implementation of {@link Store}. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly jobs: SqliteJobQueue;
  readonly retention: SqliteRetention;
  readonly #db: Database.Database;
  readonly #s;
  readonly #drift: SqliteDrift;
  readonly #feedback: SqliteFeedback;
  readonly #events: SqliteEvents;
  #queue: Pending[] = [];
  #flushScheduled = false;
  #closed = false;
  /** Syncs telemetry commits off the event loop; `null` at `synchronous=normal` (nothing to sync). */
  readonly #walSync: WalSync | null;
  readonly #checkpointer: Checkpointer;

  private constructor(db: Database.Database, walSync: WalSync | null, checkpointer: Checkpointer) {
    this.#db = db;
    this.#walSync = walSync;
    this.#checkpointer = checkpointer;
    this.#events = new SqliteEvents(db);
    this.jobs = new SqliteJobQueue(db, this.#events);
    this.retention = new SqliteRetention(db);
    this.#drift = new SqliteDrift(db, this.jobs, (work) => this.#commit(work));
    this.#feedback = new SqliteFeedback(db);
    this.#s = {
      ping: db.prepare('SELECT 1'),
      getVersion: db.prepare<[string, string], VersionRow>('SELECT * FROM versions WHERE name = ? AND version = ?'),
      upsertModel: db.prepare('INSERT INTO models (name, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at'),
      touchModel: db.prepare('UPDATE models SET updated_at = ? WHERE name = ?'),
      insertVersion: db.prepare(
        'INSERT INTO versions (name, version, published_at, bytes, manifest_sha256, signature_sha256, metrics) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      insertFile: db.prepare('INSERT INTO files (name, version, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)'),
      getFile: db.prepare<[string, string, string], StoredFile>('SELECT path, sha256, bytes FROM files WHERE name = ? AND version = ? AND path = ?'),
      blobReferenced: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM files WHERE sha256 = ? LIMIT 1'),
      models: db.prepare<[], { name: string; updated_at: string }>('SELECT name, updated_at FROM models ORDER BY name'),
      model: db.prepare<[string], { name: string; updated_at: string }>('SELECT name, updated_at FROM models WHERE name = ?'),
      versionsOf: db.prepare<[string], VersionRow>('SELECT * FROM versions WHERE name = ?'),
      aliasesOf: db.prepare<[string], AliasRow>('SELECT * FROM aliases WHERE name = ? ORDER BY alias'),
      getAlias: db.prepare<[string, string], AliasRow>('SELECT * FROM aliases WHERE name = ? AND alias = ?'),
      upsertAlias: db.prepare(
        `INSERT INTO aliases (name, alias, version, canary_version, canary_percent, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, canary_version = excluded.canary_version,
           canary_percent = excluded.canary_percent, updated_at = excluded.updated_at`,
      ),
      insertHistory: db.prepare('INSERT INTO alias_history (name, alias, version, canary_version, canary_percent, at, by) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      history: db.prepare<[string, string], AliasHistoryRow>(
        'SELECT version, canary_version, canary_percent, at, by FROM alias_history WHERE name = ? AND alias = ? ORDER BY id DESC',
      ),
      insertBatch: db.prepare(
        'INSERT INTO telemetry_batches (batch_id, device_id, sender, sent_at, received_at, event_count, dropped) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      addAggregate: db.prepare(
        `INSERT INTO telemetry_aggregates (model, version, hour, kind, key, bin, count) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, version, hour, kind, key, bin) DO UPDATE SET count = count + excluded.count`,
      ),
    };
  }

  /** Opens (creating if needed) `dataDir/sync.db` and applies pending migrations. */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'sync.db'));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    db.pragma(`wal_autocheckpoint = ${SAFETY_CHECKPOINT_PAGES}`);
    const checkpointer = startCheckpointer(join(dataDir, 'sync.db'), { log: (message) => console.error(`sync: ${message}`) });
    return new SqliteStore(db, options.synchronous === 'normal' ? null : WalSync.open(db, dataDir), checkpointer);
  }

  async ping(): Promise<void> {
    this.#s.ping.get();
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const row = this.#s.getVersion.get(name, version);
    return row && versionOf(row);
  }

  async insertVersion(v: NewVersion, blobsPresent: VersionBlobs): Promise<'created' | 'exists' | 'blobs-missing'> {
    if (typeof blobsPresent !== 'function') throw new TypeError('the SQLite store keeps no blobs; write them to the file blob store first and pass a check');
    // The blob lock is SQLite's write lock: an IMMEDIATE transaction, run to its end
    // without yielding, so no removeUnreferencedBlobs can run between the check and the commit.
    try {
      this.#db.transaction(() => {
        this.#s.upsertModel.run(v.name, v.publishedAt, v.publishedAt);
        const inserted = this.#s.insertVersion.run(v.name, v.version, v.publishedAt, v.bytes, v.manifestSha256, v.signatureSha256, JSON.stringify(v.metrics));
        if (inserted.changes === 0) throw new VersionExists();
        for (const f of v.files) this.#s.insertFile.run(v.name, v.version, f.path, f.sha256, f.bytes);
        if (!blobsPresent()) throw new BlobsMissing();
      }).immediate();
      return 'created';
    } catch (error) {
      if (error instanceof VersionExists) return 'exists';
      if (error instanceof BlobsMissing) return 'blobs-missing';
      throw error;
    }
  }

  async removeUnreferencedBlobs(sha256s: readonly string[], remove: (sha256: string) => void): Promise<string[]> {
    return this.#db.transaction(() => {
      const removed: string[] = [];
      for (const sha256 of blobDigestsOf(sha256s)) {
        if (this.#s.blobReferenced.get(sha256) !== undefined) continue;
        remove(sha256);
        removed.push(sha256);
      }
      return removed;
    }).immediate();
  }

  async getFile(name: string, version: string, path: string): Promise<StoredFile | undefined> {
    return this.#s.getFile.get(name, version, path);
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.#s.models.all().map((m) => this.#model(m.name, m.updated_at));
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const m = this.#s.model.get(name);
    return m && this.#model(m.name, m.updated_at);
  }

  #model(name: string, updatedAt: string): ModelRecord {
    return {
      name,
      updatedAt,
      versions: this.#s.versionsOf.all(name).map(versionOf),
      aliases: this.#s.aliasesOf.all(name).map(aliasOf),
    };
  }

  async setAlias(name: string, alias: string, version: string, canary: Canary | null, by: string, at: string, expected?: { version: string; canary: Canary | null }): Promise<AliasRecord> {
    this.#db.transaction(() => {
      if (expected) {
        const row = this.#s.getAlias.get(name, alias);
        const current = row && aliasOf(row);
        if (!aliasIs(current, expected)) throw new AliasMoved(current);
      }
      this.#s.upsertAlias.run(name, alias, version, canary?.version ?? null, canary?.percent ?? null, at);
      this.#s.insertHistory.run(name, alias, version, canary?.version ?? null, canary?.percent ?? null, at, by);
      this.#s.touchModel.run(at, name);
      this.#events.insertNow(aliasMovedEvent({ name, alias, version, canary, by, at }));
    }).immediate();
    return { alias, version, canary, updatedAt: at };
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    const row = this.#s.getAlias.get(name, alias);
    return row && aliasOf(row);
  }

  async aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]> {
    return this.#s.history.all(name, alias).map(historyEntryOf);
  }

  ingestTelemetry(batch: TelemetryBatch): Promise<{ duplicate: boolean }> {
    if (this.#closed) return Promise.reject(new Error('the SQLite store is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // setImmediate runs after the I/O callbacks of this loop turn, so batches whose
        // bodies arrived together share one commit.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const group = takeGroup(this.#queue);
    if (group.length === 0) return;
    if (this.#queue.length > 0) {
      // The rest in a commit of its own, after this loop turn's I/O.
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    const work = () => {
      const stored: AggregateIncrement[][] = [];
      const duplicates = group.map(({ batch: b }) => {
        const inserted = this.#s.insertBatch.run(b.batchId, b.deviceId, b.sender, b.sentAt, b.receivedAt, b.eventCount, b.dropped);
        if (inserted.changes === 0) return true;
        stored.push(b.aggregates);
        this.#drift.insertWindows(b.driftWindows);
        return false;
      });
      // The group's batches share most cells: each is upserted once, with their sum.
      for (const a of mergeIncrements(stored)) this.#s.addAggregate.run(a.model, a.version, a.hour, a.kind, a.key, a.bin, a.count);
      return duplicates;
    };
    // A duplicate is answered after the sync too: its first copy may be in this group.
    const committed = this.#commit(work);
    committed.then(
      (results) => group.forEach((p, i) => p.resolve({ duplicate: results[i]! })),
      (error: unknown) => group.forEach((p) => p.reject(error)),
    );
  }

  /** `work` in one IMMEDIATE transaction, resolved once durable: through the WAL sync (off the event loop) where there is one. */
  #commit<T>(work: () => T): Promise<T> {
    return this.#walSync ? this.#walSync.commit(work) : new Promise<T>((resolve) => resolve(this.#db.transaction(work).immediate()));
  }

  async summary(filter: SummaryFilter): Promise<AggregateRow[]> {
    const { sql, params } = summarySql(filter, () => '?');
    return this.#db.prepare<string[], AggregateRow>(sql).all(...params);
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
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = (this.#db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return counts;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#queue.length > 0) this.#flush();
    await this.#checkpointer.stop();
    await this.#walSync?.close();
    this.#db.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version));
  for (const m of loadMigrations('sqlite')) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}
