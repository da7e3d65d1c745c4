/**
 * `startJobWorker()`: claims jobs from a {@link JobQueue} and runs their kind's handler.
 * While a handler runs, the worker renews the job's lease every third of `leaseMs`;
 * should a renewal find the lease gone (the worker stalled past it and another worker
 * claimed the job), the handler's `signal` aborts and nothing it does is recorded any
 * more. A handler that resolves completes the job with its result; one that throws
 * fails the attempt, retried after a doubling delay until the job's attempts are spent.
 * The handler owns the idempotence of its side effects: a job whose worker died is run
 * again by another worker, never by two at once.
 */
import { SyncError } from '../errors.ts';
import type { ClaimedJob, JobKind, JobLease, JobQueue, JobRecord, JsonValue } from './job-records.ts';
import { jobErrorOf } from './job-rows.ts';

/** What a handler is given besides its job. */
export interface JobContext {
  /**
   * Records progress (0..1) and a message, visible at once through `GET /v1/jobs/:id`.
   * @throws SyncError `LEASE_LOST` when this worker no longer holds the job.
   */
  progress(fraction: number, message?: string): Promise<void>;
  /**
   * Appends a line to the job's log (with the time and attempt).
   * @throws SyncError `LEASE_LOST` when this worker no longer holds the job.
   */
  log(line: string): Promise<void>;
  /** Aborted when the worker stops or loses the job: stop work, and publish nothing after it. */
  readonly signal: AbortSignal;
}

/** Runs one job; its result (JSON) is stored with the job. Throw to fail the attempt. */
export type JobHandler = (job: JobRecord, ctx: JobContext) => Promise<JsonValue | undefined | void>;

/** Options of {@link startJobWorker}. */
export interface JobWorkerOptions {
  /** Names this worker in the job rows and logs (`host:pid`, say); unique among the workers of one queue. */
  workerId: string;
  /** One handler per job kind this worker runs; it claims only those kinds. */
  handlers: Partial<Record<JobKind, JobHandler>>;
  /** How long a claim holds without a heartbeat; heartbeats come every third of it. @defaultValue 30000 */
  leaseMs?: number;
  /** How often an idle worker looks for jobs. @defaultValue 1000 */
  pollMs?: number;
  /** Jobs run at once. @defaultValue 1 */
  concurrency?: number;
  /** Delay before the first retry of a failed attempt; each next one doubles, up to 10 minutes. @defaultValue 10000 */
  retryDelayMs?: number;
  /** How long `stop()` waits for an aborted handler before releasing its job anyway. @defaultValue 10000 */
  stopTimeoutMs?: number;
  /** Told about failures of the worker itself (the database did not answer, a lease was lost). @defaultValue `console.error` */
  onError?: (message: string, error?: unknown) => void;
}

/** A running worker. */
export interface JobWorker {
  readonly workerId: string;
  /** Looks for jobs now rather than at the next poll (after an enqueue in this process). */
  kick(): void;
  /** Stops claiming, aborts running handlers, waits for them (at most `stopTimeoutMs`) and puts their jobs back in the queue. */
  stop(): Promise<void>;
}

const MAX_RETRY_MS = 600_000;

interface Running {
  lease: JobLease;
  controller: AbortController;
  /** Settles when the attempt is recorded (or given up). */
  done: Promise<void>;
  lost: boolean;
  /** The handler has settled: heartbeats in flight no longer count. */
  settled: boolean;
}

/**
 * Starts a worker on `queue`.
 * @throws TypeError for a missing worker id or no handlers; RangeError for a non-positive lease, poll or concurrency.
 */
export function startJobWorker(queue: JobQueue, options: JobWorkerOptions): JobWorker {
  const kinds = (Object.keys(options.handlers) as JobKind[]).filter((k) => typeof options.handlers[k] === 'function');
  if (typeof options.workerId !== 'string' || options.workerId.length === 0 || options.workerId.length > 200) throw new TypeError('startJobWorker: workerId must be a non-empty string of at most 200 characters');
  if (kinds.length === 0) throw new TypeError('startJobWorker: handlers must hold at least one job kind (e.g. { retrain })');
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1_000;
  const concurrency = options.concurrency ?? 1;
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  for (const [name, value] of Object.entries({ leaseMs, pollMs, concurrency, retryDelayMs, stopTimeoutMs })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`startJobWorker: ${name} must be a positive integer (got ${value})`);
  }
  const onError = options.onError ?? ((message, error) => console.error(`sync jobs (${options.workerId}): ${message}`, error ?? ''));
  const running = new Set<Running>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let filling: Promise<void> | null = null;
  let again = false;

  const schedule = (delay: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(kick, delay);
  };

  /** Claims jobs while there is room and work (coalescing calls). */
  function kick(): void {
    if (stopped) return;
    if (filling) {
      again = true;
      return;
    }
    filling = (async () => {
      try {
        do {
          again = false;
          while (!stopped && running.size < concurrency) {
            const claimed = await queue.claim({ kinds, workerId: options.workerId, leaseMs });
            if (claimed === undefined) break;
            if (stopped) {
              await queue.release(claimed.lease);
              break;
            }
            run(claimed);
          }
        } while (again && !stopped);
      } catch (error) {
        onError('claiming a job failed; trying again at the next poll', error);
      } finally {
        filling = null;
        // Full: the next finished job kicks. Otherwise poll.
        if (running.size < concurrency) schedule(pollMs);
      }
    })();
  }

  function run(claimed: ClaimedJob): void {
    const { job, lease } = claimed;
    const handler = options.handlers[job.kind]!;
    const controller = new AbortController();
    const entry: Running = { lease, controller, lost: false, settled: false, done: Promise.resolve() };
    const lose = () => {
      if (entry.lost) return;
      entry.lost = true;
      controller.abort(new SyncError('LEASE_LOST', `job ${job.id}: worker ${options.workerId} lost its lease; another worker runs it now`));
      onError(`job ${job.id}: the lease was lost (another worker took the job over); its outcome here is not recorded`);
    };
    const fenced = async (write: Promise<boolean>) => {
      if (!(await write)) {
        lose();
        throw controller.signal.reason as Error;
      }
    };
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (fraction, message) => {
        if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) return Promise.reject(new RangeError(`progress must be a number from 0 to 1 (got ${fraction})`));
        return fenced(queue.progress(lease, fraction, message ?? null));
      },
      log: (line) => fenced(queue.appendLog(lease, String(line))),
    };
    const heartbeat = setInterval(() => {
      queue.heartbeat(lease, leaseMs).then(
        (held) => held || entry.settled || lose(),
        (error) => onError(`job ${job.id}: renewing the lease failed; trying again`, error),
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));

    entry.done = (async () => {
      let outcome: { ok: true; result: JsonValue } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: toJson(await handler(job, ctx)) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      clearInterval(heartbeat);
      entry.settled = true;
      if (entry.lost) return;
      try {
        if (outcome.ok) {
          if (!(await queue.complete(lease, outcome.result))) lose();
        } else if (stopped && controller.signal.aborted) {
          await queue.release(lease);
        } else {
          const delay = Math.min(MAX_RETRY_MS, retryDelayMs * 2 ** (job.attempts - 1));
          if ((await queue.fail(lease, jobErrorOf(outcome.error), delay)) === 'lost') lose();
          else if (delay < pollMs) setTimeout(kick, delay + 5).unref();
        }
      } catch (error) {
        onError(`job ${job.id}: recording the outcome failed; the lease will expire and another worker will run it`, error);
      }
    })().finally(() => {
      running.delete(entry);
      kick();
    });
    running.add(entry);
  }

  kick();
  return {
    workerId: options.workerId,
    kick,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await filling;
      const entries = [...running];
      for (const entry of entries) entry.controller.abort(new SyncError('WORKER_STOPPED', `worker ${options.workerId} is stopping`));
      let overdue: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (overdue = setTimeout(() => resolve('timeout'), stopTimeoutMs)));
      const settled = await Promise.race([Promise.all(entries.map((e) => e.done)).then(() => 'settled' as const), timeout]);
      clearTimeout(overdue);
      if (settled === 'timeout') {
        // The handler ignores its signal: give the job back; whatever it writes later is fenced off.
        const stuck = entries.filter((e) => running.has(e) && !e.lost);
        for (const e of stuck) e.lost = true;
        await Promise.all(stuck.map((e) => queue.release(e.lease).catch((error) => onError(`job ${e.lease.jobId}: releasing it failed`, error))));
      }
    },
  };
}

/** A handler's result as stored: `undefined` is `null`; anything JSON cannot carry is refused. */
function toJson(value: JsonValue | undefined | void): JsonValue {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('the handler resolved to something JSON cannot carry');
  return JSON.parse(text) as JsonValue;
}
