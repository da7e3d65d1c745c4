/**
 * Job rows as both databases return them, and their records: SQLite gives ISO text and
 * numbers; PostgreSQL gives `Date`s for `timestamptz` and strings for `bigint`.
 */
import type { JobCounts, JobKind, JobLogLine, JobRecord, JobState, JsonValue, RetrainPayload } from './job-records.ts';

type Time = string | Date | null;

export interface JobRow {
  id: number | string;
  kind: string;
  model: string;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_until: Time;
  run_after: Time;
  progress: number;
  message: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Time;
  started_at: Time;
  finished_at: Time;
  lease_token: number;
}

export interface JobLogRow {
  at: Time;
  attempt: number;
  line: string;
}

export interface JobCountRow {
  kind: string;
  state: string;
  jobs: number | string;
  attempts: number | string | null;
  failures: number | string | null;
}

const iso = (t: Time): string | null => (t === null ? null : t instanceof Date ? t.toISOString() : t);

export function jobOf(r: JobRow): JobRecord {
  return {
    id: Number(r.id),
    kind: r.kind as JobKind,
    model: r.model,
    payload: JSON.parse(r.payload) as RetrainPayload,
    state: r.state as JobState,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    progress: Number(r.progress),
    message: r.message,
    result: r.result === null ? null : (JSON.parse(r.result) as JsonValue),
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    workerId: r.worker_id,
    leaseUntil: iso(r.lease_until),
    runAfter: iso(r.run_after)!,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

export const logLineOf = (r: JobLogRow): JobLogLine => ({ at: iso(r.at)!, attempt: r.attempt, line: r.line });

export const countsOf = (r: JobCountRow): JobCounts => ({
  kind: r.kind,
  state: r.state as JobState,
  jobs: Number(r.jobs),
  attempts: Number(r.attempts ?? 0),
  failures: Number(r.failures ?? 0),
});

/** The WHERE clause and parameters of a job listing (`ph(n)` writes the n-th placeholder). */
export function jobWhere(filter: { model?: string; state?: string; kind?: string; before?: number }, ph: (n: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(`${column} ${op} ${ph(params.length)}`);
  };
  add('model', '=', filter.model);
  add('state', '=', filter.state);
  add('kind', '=', filter.kind);
  add('id', '<', filter.before);
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** A thrown value as a job error: its `code` when it carries a string one (a `CodedError`), else `HANDLER_FAILED`. */
export function jobErrorOf(thrown: unknown): { code: string; message: string } {
  const e = thrown as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(e.code) ? e.code : 'HANDLER_FAILED';
  const message = typeof e?.message === 'string' ? e.message : String(thrown);
  return { code, message };
}
