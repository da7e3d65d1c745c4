/**
 * The endpoint's Prometheus metrics, hand-written (text exposition format 0.0.4,
 * https://prometheus.io/docs/instrumenting/exposition_formats/): request and reject
 * counters, ingested events, feedback examples by result, and a histogram of store
 * call durations.
 */

/** What became of a feedback example (see {@link SyncMetrics.feedback}). */
export type FeedbackResult = 'stored' | 'duplicate' | 'refused';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Counters and histograms of one endpoint instance. */
export class SyncMetrics {
  readonly #requests = new Map<string, number>();
  readonly #rejects = new Map<string, number>();
  #events = 0;
  #dropped = 0;
  readonly #feedback: Record<FeedbackResult, number> = { stored: 0, duplicate: 0, refused: 0 };
  readonly #storeBuckets = new Array<number>(BUCKETS.length).fill(0);
  #storeCount = 0;
  #storeSum = 0;

  /** Counts one answered request by route pattern and status. */
  request(route: string, status: number): void {
    const key = `route="${escapeLabel(route)}",status="${status}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** Counts one rejection by error code. */
  reject(code: string): void {
    this.#rejects.set(code, (this.#rejects.get(code) ?? 0) + 1);
  }

  /** Counts newly stored telemetry events and the events devices said they dropped (duplicates are not counted). */
  events(n: number, dropped = 0): void {
    this.#events += n;
    this.#dropped += dropped;
  }

  /**
   * Counts feedback examples: `stored` (new to their model's dataset), `duplicate`
   * (already there: a retried batch, another device, a repeat within the batch) or
   * `refused` (in a batch refused once its body was read).
   */
  feedback(result: FeedbackResult, n: number): void {
    this.#feedback[result] += n;
  }

  /** Times a store call. */
  async timeStore<T>(work: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.#storeCount++;
      this.#storeSum += seconds;
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) this.#storeBuckets[i]++;
    }
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const lines = [
      '# HELP sync_http_requests_total HTTP requests answered, by route pattern and status.',
      '# TYPE sync_http_requests_total counter',
      ...[...this.#requests].map(([labels, n]) => `sync_http_requests_total{${labels}} ${n}`),
      '# HELP sync_telemetry_events_total Telemetry events stored (retried batches counted once).',
      '# TYPE sync_telemetry_events_total counter',
      `sync_telemetry_events_total ${this.#events}`,
      '# HELP sync_telemetry_dropped_events_total Events devices dropped from their full queues before sending (as they reported).',
      '# TYPE sync_telemetry_dropped_events_total counter',
      `sync_telemetry_dropped_events_total ${this.#dropped}`,
      '# HELP sync_feedback_examples_total Feedback examples received, by result: stored (new to the dataset), duplicate (already stored), refused (in a refused batch).',
      '# TYPE sync_feedback_examples_total counter',
      ...Object.entries(this.#feedback).map(([result, n]) => `sync_feedback_examples_total{result="${result}"} ${n}`),
      '# HELP sync_rejects_total Rejected requests, by error code.',
      '# TYPE sync_rejects_total counter',
      ...[...this.#rejects].map(([code, n]) => `sync_rejects_total{code="${escapeLabel(code)}"} ${n}`),
      '# HELP sync_store_seconds Duration of store calls.',
      '# TYPE sync_store_seconds histogram',
      ...BUCKETS.map((le, i) => `sync_store_seconds_bucket{le="${le}"} ${this.#storeBuckets[i]}`),
      `sync_store_seconds_bucket{le="+Inf"} ${this.#storeCount}`,
      `sync_store_seconds_sum ${this.#storeSum}`,
      `sync_store_seconds_count ${this.#storeCount}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
