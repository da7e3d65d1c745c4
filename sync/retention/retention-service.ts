/**
 * Prunes the retrain loop's tables on a timer (docs/SYNC-API.md, "Retention"): once at
 * start and every `intervalMs`, finished jobs that ended more than `jobDays` ago with
 * their log lines, then model events older than `eventDays` beyond each model's newest
 * `eventsKeptPerModel`. It deletes in batches, one transaction each, and yields between
 * them, so requests and other writers get their turn. Every replica runs its own; the
 * stores make concurrent passes safe and count each deleted row once.
 */
import type { RetentionConfig } from './retention-config.ts';
import type { RetentionStore } from './retention-records.ts';

const DAY_MS = 86_400_000;
/** Jobs per transaction (each may hold up to 10,000 log lines). */
export const JOB_BATCH = 50;
/** Events per transaction. */
export const EVENT_BATCH = 1000;

/** What one pass deleted. */
export interface RetentionPass {
  jobs: number;
  logLines: number;
  events: number;
}

/** Options of {@link RetentionService}. */
export interface RetentionServiceOptions {
  /** Where a failed pass is reported. @defaultValue nowhere */
  log?: (message: string, error?: unknown) => void;
  /** The clock the cutoffs are computed from. @defaultValue `Date.now` */
  now?: () => number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RetentionService {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RetentionPass> | null = null;
  #closed = false;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #now: () => number;

  constructor(
    readonly store: RetentionStore,
    readonly config: RetentionConfig,
    options: RetentionServiceOptions = {},
  ) {
    this.#log = options.log ?? (() => undefined);
    this.#now = options.now ?? Date.now;
  }

  /** Starts the timer and a first pass; call once the server is up. Nothing runs when both retentions are off. */
  start(): void {
    if (this.#closed || this.#timer !== undefined || (this.config.jobDays === 0 && this.config.eventDays === 0)) return;
    this.#timer = setInterval(() => void this.run(), this.config.intervalMs);
    this.#timer.unref();
    void this.run();
  }

  /** Runs a pass now, or joins the one in flight; resolves to what it deleted. A failed pass is logged and retried at the next interval. */
  run(): Promise<RetentionPass> {
    if (this.#closed) return Promise.resolve({ jobs: 0, logLines: 0, events: 0 });
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #pass(): Promise<RetentionPass> {
    const pass: RetentionPass = { jobs: 0, logLines: 0, events: 0 };
    const { jobDays, eventDays, eventsKeptPerModel } = this.config;
    try {
      if (jobDays > 0) {
        const before = new Date(this.#now() - jobDays * DAY_MS).toISOString();
        for (;;) {
          const pruned = await this.store.pruneJobs(before, JOB_BATCH);
          pass.jobs += pruned.jobs;
          pass.logLines += pruned.logLines;
          if (pruned.jobs < JOB_BATCH || this.#closed) break;
          await nextTurn();
        }
      }
      if (eventDays > 0) {
        const before = new Date(this.#now() - eventDays * DAY_MS).toISOString();
        for (;;) {
          const events = await this.store.pruneEvents(before, eventsKeptPerModel, EVENT_BATCH);
          pass.events += events;
          if (events < EVENT_BATCH || this.#closed) break;
          await nextTurn();
        }
      }
    } catch (error) {
      this.#log('retention failed; it runs again at the next interval', error);
    }
    return pass;
  }

  /** Stops the timer and waits for a pass in flight (which stops after its current batch). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}
