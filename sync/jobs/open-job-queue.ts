/**
 * `openJobQueue()`: the job queue without the endpoint, for worker processes on other
 * machines (PostgreSQL) or beside the endpoint (SQLite, the same file). It applies the
 * schema migrations, as the endpoint does, so a worker may start first.
 */
import { resolve } from 'node:path';
import { SyncError } from '../errors.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import type { JobQueue } from './job-records.ts';

/** Options of {@link openJobQueue}; each falls back to the endpoint's environment variable. */
export interface OpenJobQueueOptions {
  /** `postgres://…` @defaultValue `DATABASE_URL`; without one, the SQLite file in `dataDir` */
  databaseUrl?: string;
  /** @defaultValue `DATA_DIR` or `'./data'` */
  dataDir?: string;
  /** @defaultValue `SYNC_PG_POOL_SIZE` or 4 */
  pgPoolSize?: number;
}

/** A queue opened on its own: close it when done. */
export interface OpenedJobQueue extends JobQueue {
  close(): Promise<void>;
}

/**
 * Opens the endpoint's job queue: PostgreSQL when a database URL is given (or
 * `DATABASE_URL` is set), else the SQLite file under the data folder.
 * @throws SyncError `CONFIG_INVALID` when the database cannot be opened.
 */
export async function openJobQueue(options: OpenJobQueueOptions = {}, env: Record<string, string | undefined> = process.env): Promise<OpenedJobQueue> {
  const databaseUrl = options.databaseUrl ?? (env.DATABASE_URL || undefined);
  let store: Store;
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new SyncError('CONFIG_INVALID', 'openJobQueue: the database URL must start with postgres://');
    const poolSize = options.pgPoolSize ?? (env.SYNC_PG_POOL_SIZE ? Number(env.SYNC_PG_POOL_SIZE) : 4);
    try {
      store = await PostgresStore.open(databaseUrl, { poolSize });
    } catch (cause) {
      throw new SyncError('CONFIG_INVALID', `cannot open the job queue's PostgreSQL database: ${(cause as Error).message}`, { cause });
    }
  } else {
    store = SqliteStore.open(resolve(options.dataDir ?? env.DATA_DIR ?? './data'));
  }
  const q = store.jobs;
  return {
    kind: q.kind,
    enqueue: (job) => q.enqueue(job),
    get: (id) => q.get(id),
    list: (filter) => q.list(filter),
    log: (id, limit) => q.log(id, limit),
    claim: (request) => q.claim(request),
    heartbeat: (lease, leaseMs) => q.heartbeat(lease, leaseMs),
    progress: (lease, fraction, message) => q.progress(lease, fraction, message),
    appendLog: (lease, line) => q.appendLog(lease, line),
    complete: (lease, result) => q.complete(lease, result),
    fail: (lease, error, retryDelayMs) => q.fail(lease, error, retryDelayMs),
    release: (lease) => q.release(lease),
    counts: () => q.counts(),
    close: () => store.close(),
  };
}
