/**
 * The job queue of the retraining loop: what a job is, and the {@link JobQueue} both
 * stores implement (`SqliteJobQueue`, `PostgresJobQueue`). A job is `queued` →
 * `running` → `succeeded` | `failed`. A running job is held by one worker under a
 * lease: the worker renews it with heartbeats, and every claim bumps the job's fencing
 * token, so a worker whose lease expired (and whose job another worker claimed) can no
 * longer write progress, log lines, a result or a failure.
 */

/** What a job does; the worker runs the handler of its kind. */
export type JobKind = 'retrain';

/** Where a job is. `succeeded` also covers a handler that decided to publish nothing (its result says so). */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export const JOB_STATES: readonly JobState[] = Object.freeze(['queued', 'running', 'succeeded', 'failed']);
export const JOB_KINDS: readonly JobKind[] = Object.freeze(['retrain']);

/** A JSON value (what payloads and results are made of). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a retrain job is asked to do. */
export interface RetrainPayload {
  /** `manual`: an admin asked (`POST /v1/models/:name/retrain`); `alert`: a drift alert raised it. */
  reason: 'manual' | 'alert';
  /** The drift alert that raised it (`reason: 'alert'`), else `null`. */
  alertId: number | null;
  /** The version to start from (fine-tune) or whose lineage to repeat (retrain). */
  parentVersion: string | null;
  /** `fine-tune` from the parent's weights, or `retrain` from scratch. */
  mode: 'fine-tune' | 'retrain';
  /** Anything else the handler is told (epochs, targets, canary share…). */
  options: { [key: string]: JsonValue };
}

/** The error of a job's last failed attempt. */
export interface JobError {
  code: string;
  message: string;
}

/** A job as stored. Times are ISO strings. */
export interface JobRecord {
  id: number;
  kind: JobKind;
  model: string;
  payload: RetrainPayload;
  state: JobState;
  /** Attempts started (a stopped worker's released attempt is given back). */
  attempts: number;
  maxAttempts: number;
  /** 0..1, with the handler's message. */
  progress: number;
  message: string | null;
  /** The handler's result once `succeeded`. */
  result: JsonValue | null;
  /** The last failed attempt's error (kept after a later success, for the record). */
  error: JobError | null;
  /** The worker holding the job (`running`), or the last one that did. */
  workerId: string | null;
  /** When the running attempt's lease ends unless renewed. */
  leaseUntil: string | null;
  /** A queued job is not claimed before this (retry backoff). */
  runAfter: string;
  createdAt: string;
  /** Start of the latest attempt. */
  startedAt: string | null;
  finishedAt: string | null;
}

/** One log line of a job. */
export interface JobLogLine {
  at: string;
  /** The attempt that wrote it. */
  attempt: number;
  line: string;
}

/** What `enqueue` stores. */
export interface NewJob {
  kind: JobKind;
  model: string;
  payload: RetrainPayload;
  /** @defaultValue 3 */
  maxAttempts?: number;
}

/** The answer of `enqueue`: the new job, or the one already queued or running for the model. */
export interface EnqueueResult {
  job: JobRecord;
  created: boolean;
}

export interface JobFilter {
  model?: string;
  state?: JobState;
  kind?: JobKind;
  /** Only jobs with a smaller id (the next page, newest first). */
  before?: number;
  limit: number;
}

/** A claimed job and the lease its worker holds it under. */
export interface ClaimedJob {
  job: JobRecord;
  lease: JobLease;
}

/** The proof of holding a running job: its id and the fencing token of the claim. */
export interface JobLease {
  readonly jobId: number;
  readonly token: number;
  readonly workerId: string;
}

export interface ClaimRequest {
  kinds: readonly JobKind[];
  workerId: string;
  leaseMs: number;
}

/** What became of a failed attempt. */
export type FailOutcome = 'retry' | 'failed' | 'lost';

/** Jobs per kind and state, and the attempt counters, for `/metrics`. */
export interface JobCounts {
  kind: string;
  state: JobState;
  jobs: number;
  /** Attempts started (claims), over those jobs. */
  attempts: number;
  /** Attempts that failed (handler threw, or the lease expired). */
  failures: number;
}

/** The most lines one job keeps in its log; later lines are dropped (one line says so). */
export const MAX_LOG_LINES = 10_000;
/** Longer log lines and messages are cut to this many characters. */
export const MAX_LINE_LENGTH = 2_000;

/** The default of {@link NewJob.maxAttempts}. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * The job queue. Every method that takes a {@link JobLease} changes nothing and
 * answers `false` (or `'lost'`) when the lease is no longer the job's current one.
 */
export interface JobQueue {
  readonly kind: 'sqlite' | 'postgres';
  /** Stores a queued job, unless one of the same kind is queued or running for the model: then answers that one. */
  enqueue(job: NewJob): Promise<EnqueueResult>;
  get(id: number): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** The last `limit` lines of a job's log, oldest first, and how many it holds. */
  log(id: number, limit: number): Promise<{ lines: JobLogLine[]; total: number }>;
  /**
   * Claims the oldest due queued job of `kinds` for `workerId`, for `leaseMs`. First,
   * running jobs whose lease expired go back to the queue (or to `failed`, at their
   * last attempt) with the error `LEASE_EXPIRED`.
   */
  claim(request: ClaimRequest): Promise<ClaimedJob | undefined>;
  /** Renews the lease for `leaseMs` from now. */
  heartbeat(lease: JobLease, leaseMs: number): Promise<boolean>;
  progress(lease: JobLease, fraction: number, message: string | null): Promise<boolean>;
  appendLog(lease: JobLease, line: string): Promise<boolean>;
  /** `succeeded` with the result. */
  complete(lease: JobLease, result: JsonValue): Promise<boolean>;
  /** Records the error; queued again after `retryDelayMs` while attempts remain, else `failed`. */
  fail(lease: JobLease, error: JobError, retryDelayMs: number): Promise<FailOutcome>;
  /** Back to the queue at once, the attempt given back (a worker that stops). */
  release(lease: JobLease): Promise<boolean>;
  counts(): Promise<JobCounts[]>;
}

/** Cuts a line or message to {@link MAX_LINE_LENGTH}. */
export const clip = (text: string): string => (text.length > MAX_LINE_LENGTH ? `${text.slice(0, MAX_LINE_LENGTH - 1)}…` : text);

/** How the alert machine enqueues retraining (`null`: it does not). */
export interface AlertRetrain {
  maxAttempts: number;
}

/** The retrain job a `drift` alert of `model@version` raises: fine-tune from that version. */
export function alertRetrainJob(alert: { id: number; model: string; version: string }, options: AlertRetrain): NewJob {
  return {
    kind: 'retrain',
    model: alert.model,
    payload: { reason: 'alert', alertId: alert.id, parentVersion: alert.version, mode: 'fine-tune', options: {} },
    maxAttempts: options.maxAttempts,
  };
}
