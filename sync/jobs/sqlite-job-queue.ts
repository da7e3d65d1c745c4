/**
 * The job queue on SQLite: the embedded default, where the worker runs in the
 * endpoint's process. better-sqlite3 is synchronous, so each method is one IMMEDIATE
 * transaction run to its end without yielding: a claim cannot interleave with another
 * claim, a heartbeat or a write fenced by the same token (also from another process on
 * the same file: the write lock is SQLite's).
 */
import type Database from 'better-sqlite3';
import {
  clip,
  DEFAULT_MAX_ATTEMPTS,
  MAX_LOG_LINES,
  type ClaimedJob,
  type ClaimRequest,
  type EnqueueResult,
  type FailOutcome,
  type JobCounts,
  type JobError,
  type JobFilter,
  type JobLease,
  type JobLogLine,
  type JobQueue,
  type JobRecord,
  type JsonValue,
  type NewJob,
} from './job-records.ts';
import { countsOf, jobOf, jobWhere, logLineOf, type JobCountRow, type JobLogRow, type JobRow } from './job-rows.ts';
import { retrainFinishedEvent } from '../events/event-records.ts';
import type { SqliteEvents } from '../events/sqlite-events.ts';

const FENCE = "id = @id AND state = 'running' AND lease_token = @token";

export class SqliteJobQueue implements JobQueue {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #events: SqliteEvents;
  readonly #s;

  /** `events`: the audit log a job's end is recorded in, in the transaction that ends it. */
  constructor(db: Database.Database, events: SqliteEvents) {
    this.#db = db;
    this.#events = events;
    this.#s = {
      insert: db.prepare(
        `INSERT INTO jobs (kind, model, payload, state, max_attempts, run_after, created_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)
         ON CONFLICT (kind, model) WHERE state IN ('queued', 'running') DO NOTHING`,
      ),
      open: db.prepare<[string, string], JobRow>("SELECT * FROM jobs WHERE kind = ? AND model = ? AND state IN ('queued', 'running')"),
      get: db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      expired: db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE state = 'running' AND lease_until < ?"),
      reap: db.prepare(
        `UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN attempts >= max_attempts THEN @now END, failures = failures + 1, lease_until = NULL, run_after = @now,
           error_code = 'LEASE_EXPIRED', error_message = @message
         WHERE id = @id AND state = 'running' AND lease_until < @now`,
      ),
      next: db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE state = 'queued' AND run_after <= ? ORDER BY id"),
      claim: db.prepare(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = lease_token + 1, worker_id = @worker,
           lease_until = @until, started_at = @now WHERE id = @id AND state = 'queued'`,
      ),
      heartbeat: db.prepare(`UPDATE jobs SET lease_until = @until WHERE ${FENCE}`),
      progress: db.prepare(`UPDATE jobs SET progress = @progress, message = @message WHERE ${FENCE}`),
      logCount: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM job_log WHERE job_id = ?'),
      appendLog: db.prepare(`INSERT INTO job_log (job_id, attempt, at, line) SELECT id, attempts, @at, @line FROM jobs WHERE ${FENCE}`),
      complete: db.prepare(
        `UPDATE jobs SET state = 'succeeded', progress = 1, result = @result, finished_at = @now, lease_until = NULL WHERE ${FENCE}`,
      ),
      fail: db.prepare(
        `UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN attempts >= max_attempts THEN @now END, failures = failures + 1, lease_until = NULL,
           run_after = @retryAt, error_code = @code, error_message = @message
         WHERE ${FENCE} RETURNING state`,
      ),
      release: db.prepare(`UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_until = NULL, run_after = @now WHERE ${FENCE}`),
      log: db.prepare<[number, number], JobLogRow>('SELECT at, attempt, line FROM (SELECT * FROM job_log WHERE job_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      counts: db.prepare<[], JobCountRow>('SELECT kind, state, count(*) AS jobs, sum(lease_token) AS attempts, sum(failures) AS failures FROM jobs GROUP BY kind, state ORDER BY kind, state'),
    };
  }

  /**
   * The enqueue itself, synchronous, for a caller already inside a transaction on this
   * database (the alert machine enqueues in the transaction that records the alert).
   */
  enqueueNow(job: NewJob, at: string): EnqueueResult {
    const inserted = this.#s.insert.run(job.kind, job.model, JSON.stringify(job.payload), job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, at, at);
    if (inserted.changes > 0) return { job: jobOf(this.#s.get.get(Number(inserted.lastInsertRowid))!), created: true };
    return { job: jobOf(this.#s.open.get(job.kind, job.model)!), created: false };
  }

  async enqueue(job: NewJob): Promise<EnqueueResult> {
    return this.#db.transaction(() => this.enqueueNow(job, new Date().toISOString())).immediate();
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const row = this.#s.get.get(id);
    return row && jobOf(row);
  }

  async list(filter: JobFilter): Promise<JobRecord[]> {
    const { sql, params } = jobWhere(filter, () => '?');
    return this.#db.prepare<unknown[], JobRow>(`SELECT * FROM jobs ${sql} ORDER BY id DESC LIMIT ?`).all(...params, filter.limit).map(jobOf);
  }

  async log(id: number, limit: number): Promise<{ lines: JobLogLine[]; total: number }> {
    return { lines: this.#s.log.all(id, limit).map(logLineOf), total: this.#s.logCount.get(id)!.n };
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob | undefined> {
    return this.#db.transaction(() => {
      const now = new Date().toISOString();
      for (const row of this.#s.expired.all(now)) {
        this.#s.reap.run({ id: row.id, now, message: `worker ${row.worker_id} stopped renewing its lease (it ended ${row.lease_until}); attempt ${row.attempts} is counted as failed` });
        this.#recordEnd(Number(row.id));
      }
      const row = this.#s.next.all(now).find((r) => request.kinds.includes(r.kind as never));
      if (row === undefined) return undefined;
      this.#s.claim.run({ id: row.id, worker: request.workerId, until: new Date(Date.now() + request.leaseMs).toISOString(), now });
      const job = jobOf(this.#s.get.get(Number(row.id))!);
      return { job, lease: { jobId: job.id, token: row.lease_token + 1, workerId: request.workerId } };
    }).immediate();
  }

  async heartbeat(lease: JobLease, leaseMs: number): Promise<boolean> {
    return this.#s.heartbeat.run({ ...fence(lease), until: new Date(Date.now() + leaseMs).toISOString() }).changes > 0;
  }

  async progress(lease: JobLease, fraction: number, message: string | null): Promise<boolean> {
    return this.#s.progress.run({ ...fence(lease), progress: fraction, message: message === null ? null : clip(message) }).changes > 0;
  }

  async appendLog(lease: JobLease, line: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const n = this.#s.logCount.get(lease.jobId)!.n;
      // Past the cap (and the one line that says so), lines are dropped; the answer still tells whether the lease holds.
      if (n > MAX_LOG_LINES) return this.#holds(lease);
      const text = n === MAX_LOG_LINES ? `(log full: lines after ${MAX_LOG_LINES} are dropped)` : clip(line);
      return this.#s.appendLog.run({ ...fence(lease), at: new Date().toISOString(), line: text }).changes > 0;
    }).immediate();
  }

  #holds(lease: JobLease): boolean {
    const row = this.#s.get.get(lease.jobId);
    return row !== undefined && row.state === 'running' && row.lease_token === lease.token;
  }

  /** Records the `retrain-finished` event of a job that has just ended (inside the caller's transaction). */
  #recordEnd(id: number): void {
    const job = jobOf(this.#s.get.get(id)!);
    if (job.kind === 'retrain' && (job.state === 'succeeded' || job.state === 'failed')) this.#events.insertNow(retrainFinishedEvent(job));
  }

  async complete(lease: JobLease, result: JsonValue): Promise<boolean> {
    return this.#db.transaction(() => {
      const done = this.#s.complete.run({ ...fence(lease), result: JSON.stringify(result), now: new Date().toISOString() }).changes > 0;
      if (done) this.#recordEnd(lease.jobId);
      return done;
    }).immediate();
  }

  async fail(lease: JobLease, error: JobError, retryDelayMs: number): Promise<FailOutcome> {
    return this.#db.transaction((): FailOutcome => {
      const now = Date.now();
      const row = this.#s.fail.get({
        ...fence(lease),
        now: new Date(now).toISOString(),
        retryAt: new Date(now + retryDelayMs).toISOString(),
        code: error.code,
        message: clip(error.message),
      }) as { state: string } | undefined;
      if (row === undefined) return 'lost';
      if (row.state === 'queued') return 'retry';
      this.#recordEnd(lease.jobId);
      return 'failed';
    }).immediate();
  }

  async release(lease: JobLease): Promise<boolean> {
    return this.#s.release.run({ ...fence(lease), now: new Date().toISOString() }).changes > 0;
  }

  async counts(): Promise<JobCounts[]> {
    return this.#s.counts.all().map(countsOf);
  }
}

const fence = (lease: JobLease) => ({ id: lease.jobId, token: lease.token });
