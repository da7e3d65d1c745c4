/**
 * The job queue on PostgreSQL: workers on several machines share it. A claim takes the
 * oldest due row with `FOR UPDATE SKIP LOCKED` (claims never wait for each other) and
 * every lease time is the database's clock, so workers' clocks need not agree. Each
 * fenced write is one statement conditioned on the lease's token, so it either runs
 * before a competing claim takes the row or changes nothing after it.
 *
 * pg-boss, DESIGN.md's choice, is not used: its last line that runs on Node 20 (10.x)
 * has no job heartbeats (a job runs under a fixed `expireIn`, swept by maintenance) and
 * completes any active job by id, so a worker that lost its job could still complete
 * the run another worker took over. pg-boss 12 adds heartbeats but needs Node ≥ 22.12.
 */
import type pg from 'pg';
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
import type { PostgresEvents } from '../events/postgres-events.ts';

/** `$1` is the job id, `$2` the lease token. */
const FENCE = "id = $1 AND state = 'running' AND lease_token = $2";
const ms = (n: number) => `($${n}::float8 * interval '1 millisecond')`;

const INSERT_SQL = `INSERT INTO jobs (kind, model, payload, state, max_attempts, run_after, created_at) VALUES ($1, $2, $3, 'queued', $4, now(), now())
  ON CONFLICT (kind, model) WHERE state IN ('queued', 'running') DO NOTHING RETURNING *`;

const REAP_SQL = `UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
    finished_at = CASE WHEN attempts >= max_attempts THEN now() END, failures = failures + 1, lease_until = NULL, run_after = now(),
    error_code = 'LEASE_EXPIRED',
    error_message = 'worker ' || worker_id || ' stopped renewing its lease (it ended ' || to_char(lease_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '); attempt ' || attempts || ' is counted as failed'
  WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < now() AND kind = ANY($1::text[]) FOR UPDATE SKIP LOCKED)
  RETURNING *`;

const CLAIM_SQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = lease_token + 1, worker_id = $2,
    lease_until = now() + ${ms(3)}, started_at = now()
  WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND kind = ANY($1::text[]) AND run_after <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING *`;

type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

export class PostgresJobQueue implements JobQueue {
  readonly kind = 'postgres' as const;

  /** `events`: the audit log a job's end is recorded in, in the transaction that ends it. */
  constructor(
    readonly pool: pg.Pool,
    readonly transaction: Transaction,
    readonly events: PostgresEvents,
  ) {}

  /** Records the `retrain-finished` event of a job row that has just ended, on the transaction's client. */
  async #recordEnd(client: pg.PoolClient, row: JobRow): Promise<void> {
    const job = jobOf(row);
    if (job.kind === 'retrain' && (job.state === 'succeeded' || job.state === 'failed')) await this.events.insertWith(client, retrainFinishedEvent(job));
  }

  /** The enqueue itself, on a client already inside a transaction (the alert machine's). */
  async enqueueWith(client: pg.PoolClient | pg.Pool, job: NewJob): Promise<EnqueueResult> {
    // A conflicting job may finish between the insert and the read: then insert again.
    for (;;) {
      const inserted = await client.query<JobRow>(INSERT_SQL, [job.kind, job.model, JSON.stringify(job.payload), job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS]);
      if (inserted.rows[0]) return { job: jobOf(inserted.rows[0]), created: true };
      const open = await client.query<JobRow>("SELECT * FROM jobs WHERE kind = $1 AND model = $2 AND state IN ('queued', 'running')", [job.kind, job.model]);
      if (open.rows[0]) return { job: jobOf(open.rows[0]), created: false };
    }
  }

  enqueue(job: NewJob): Promise<EnqueueResult> {
    return this.enqueueWith(this.pool, job);
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] && jobOf(rows[0]);
  }

  async list(filter: JobFilter): Promise<JobRecord[]> {
    const { sql, params } = jobWhere(filter, (n) => `$${n}`);
    const { rows } = await this.pool.query<JobRow>(`SELECT * FROM jobs ${sql} ORDER BY id DESC LIMIT $${params.length + 1}`, [...params, filter.limit]);
    return rows.map(jobOf);
  }

  async log(id: number, limit: number): Promise<{ lines: JobLogLine[]; total: number }> {
    const { rows } = await this.pool.query<JobLogRow>('SELECT at, attempt, line FROM (SELECT * FROM job_log WHERE job_id = $1 ORDER BY id DESC LIMIT $2) AS last ORDER BY id', [id, limit]);
    const total = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM job_log WHERE job_id = $1', [id]);
    return { lines: rows.map(logLineOf), total: total.rows[0]!.n };
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob | undefined> {
    const kinds = [...request.kinds];
    await this.transaction(async (client) => {
      const reaped = await client.query<JobRow>(REAP_SQL, [kinds]);
      for (const row of reaped.rows) await this.#recordEnd(client, row);
    });
    const { rows } = await this.pool.query<JobRow>(CLAIM_SQL, [kinds, request.workerId, request.leaseMs]);
    const row = rows[0];
    return row && { job: jobOf(row), lease: { jobId: Number(row.id), token: row.lease_token, workerId: request.workerId } };
  }

  async heartbeat(lease: JobLease, leaseMs: number): Promise<boolean> {
    return ((await this.pool.query(`UPDATE jobs SET lease_until = now() + ${ms(3)} WHERE ${FENCE}`, [lease.jobId, lease.token, leaseMs])).rowCount ?? 0) > 0;
  }

  async progress(lease: JobLease, fraction: number, message: string | null): Promise<boolean> {
    const sql = `UPDATE jobs SET progress = $3, message = $4 WHERE ${FENCE}`;
    return ((await this.pool.query(sql, [lease.jobId, lease.token, fraction, message === null ? null : clip(message)])).rowCount ?? 0) > 0;
  }

  async appendLog(lease: JobLease, line: string): Promise<boolean> {
    // The job row's lock serialises one job's appends, so the cap is exact.
    return this.transaction(async (client) => {
      const held = await client.query(`SELECT 1 FROM jobs WHERE ${FENCE} FOR UPDATE`, [lease.jobId, lease.token]);
      if (held.rowCount === 0) return false;
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM job_log WHERE job_id = $1', [lease.jobId]);
      const n = rows[0]!.n;
      if (n > MAX_LOG_LINES) return true;
      const text = n === MAX_LOG_LINES ? `(log full: lines after ${MAX_LOG_LINES} are dropped)` : clip(line);
      await client.query('INSERT INTO job_log (job_id, attempt, at, line) SELECT id, attempts, clock_timestamp(), $2 FROM jobs WHERE id = $1', [lease.jobId, text]);
      return true;
    });
  }

  async complete(lease: JobLease, result: JsonValue): Promise<boolean> {
    const sql = `UPDATE jobs SET state = 'succeeded', progress = 1, result = $3, finished_at = now(), lease_until = NULL WHERE ${FENCE} RETURNING *`;
    return this.transaction(async (client) => {
      const { rows } = await client.query<JobRow>(sql, [lease.jobId, lease.token, JSON.stringify(result)]);
      if (rows[0] === undefined) return false;
      await this.#recordEnd(client, rows[0]);
      return true;
    });
  }

  async fail(lease: JobLease, error: JobError, retryDelayMs: number): Promise<FailOutcome> {
    return this.transaction(async (client): Promise<FailOutcome> => {
      const { rows } = await client.query<JobRow>(
        `UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN attempts >= max_attempts THEN now() END, failures = failures + 1, lease_until = NULL,
           run_after = now() + ${ms(3)}, error_code = $4, error_message = $5
         WHERE ${FENCE} RETURNING *`,
        [lease.jobId, lease.token, retryDelayMs, error.code, clip(error.message)],
      );
      if (rows[0] === undefined) return 'lost';
      if (rows[0].state === 'queued') return 'retry';
      await this.#recordEnd(client, rows[0]);
      return 'failed';
    });
  }

  async release(lease: JobLease): Promise<boolean> {
    const sql = `UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_until = NULL, run_after = now() WHERE ${FENCE}`;
    return ((await this.pool.query(sql, [lease.jobId, lease.token])).rowCount ?? 0) > 0;
  }

  async counts(): Promise<JobCounts[]> {
    const { rows } = await this.pool.query<JobCountRow>(
      'SELECT kind, state, count(*)::int AS jobs, sum(lease_token)::bigint AS attempts, sum(failures)::bigint AS failures FROM jobs GROUP BY kind, state ORDER BY kind, state',
    );
    return rows.map(countsOf);
  }
}
