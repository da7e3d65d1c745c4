/**
 * Sends sealed batches to the endpoint, one at a time, oldest first: the batch id is in
 * IndexedDB before the request leaves (see telemetry-queue.ts), so a retry after a
 * failure or a reload repeats the same id, events and `dropped` count. 2xx settles the
 * batch (its `dropped` is then reported); 413 splits it; a 4xx that a retry cannot fix
 * (400, 404, 409, 413 of one event, 422) drops it (counted as dropped); anything else
 * (network, 401/403, 408, 429, 5xx) leaves it pending for a backed-off retry.
 */
import type { TelemetryBatch } from '../../format/index.ts';
import type { DriftEvent } from './drift-event.ts';
import type { SealedBatch, TelemetryQueue } from './telemetry-queue.ts';
import type { TelemetrySettings } from './telemetry-settings.ts';

/**
 * The endpoint's default per-batch limits (docs/SYNC-API.md "Telemetry"): ≤ 500 events,
 * windows starting in ≤ 24 distinct hours, ≤ 20,000 aggregate cells (model version ×
 * hour × signal bin, class, error code, device class or latency bin). A 413 from an
 * endpoint configured tighter splits the batch in two.
 */
const MAX_BATCH_EVENTS = 500;
const MAX_BATCH_HOURS = 24;
const MAX_BATCH_CELLS = 20_000;

/** Whether `events` stays within the endpoint's per-batch limits. */
export function fitsOneBatch(events: readonly DriftEvent[]): boolean {
  if (events.length > MAX_BATCH_EVENTS) return false;
  const hours = new Set<string>();
  const cells = new Set<string>();
  for (const e of events) {
    const hour = e.windowStart.slice(0, 13);
    hours.add(hour);
    const group = `${e.model}@${e.version}@${hour}`;
    for (const [name, counts] of Object.entries(e.signals)) for (let b = 0; b < counts.length; b++) cells.add(`${group}|s|${name}|${b}`);
    for (const key of Object.keys(e.predictions)) cells.add(`${group}|p|${key}`);
    for (const key of Object.keys(e.errors)) cells.add(`${group}|e|${key}`);
    for (let b = 0; b < e.latencyMs.counts.length; b++) cells.add(`${group}|l|${b}`);
    cells.add(`${group}|d|${e.deviceClass ?? ''}`);
  }
  return hours.size <= MAX_BATCH_HOURS && cells.size <= MAX_BATCH_CELLS;
}
/**
 * The request body of a sealed batch: everything in it comes from the batch as sealed
 * (only `sentAt` is this attempt's), so a retry repeats the same id, events and `dropped`.
 */
export function batchBody(batch: SealedBatch, sentAt: number): TelemetryBatch {
  const body: TelemetryBatch = { schema: 1, batchId: batch.batchId, deviceId: batch.deviceId, sentAt: new Date(sentAt).toISOString(), events: batch.events };
  if (batch.dropped !== undefined && batch.dropped > 0) body.dropped = batch.dropped;
  return body;
}

/** Browsers cap keepalive request bodies at 64 KiB in flight; bigger batches go without it. */
const KEEPALIVE_MAX_BYTES = 60 * 1024;
const PERMANENT = new Set([400, 404, 409, 413, 422]);
const TOO_LARGE = 413;

/** The outcome of the last send. */
export interface FlushResult {
  /** When it finished (ms since the epoch). */
  at: number;
  ok: boolean;
  /** Batches acknowledged by this flush. */
  sentBatches: number;
  /** Events the endpoint accepted in them. */
  acceptedEvents: number;
  /** HTTP status of the last request, when one came back. */
  status?: number;
  /** The endpoint's error code, or the network error's name. */
  error?: string;
}

/** What the sender needs from its surroundings (injected in tests). */
export interface SenderDeps {
  fetch: typeof fetch;
  now: () => number;
  newBatchId: () => string;
}

/** Sends the queue's batches. */
export class TelemetrySender {
  constructor(
    private readonly settings: TelemetrySettings,
    private readonly queue: TelemetryQueue,
    private readonly deps: SenderDeps,
  ) {}

  /** Sends every waiting batch until the queue is empty or a request fails. */
  async flush(installId: string, options: { keepalive?: boolean } = {}): Promise<FlushResult> {
    let sentBatches = 0;
    let acceptedEvents = 0;
    let refused: { status: number; error: string } | undefined;
    for (;;) {
      const batch = await this.queue.sealedBatch(installId, fitsOneBatch, this.deps.newBatchId, this.deps.now());
      if (!batch) return { at: this.deps.now(), ok: refused === undefined, sentBatches, acceptedEvents, ...refused };
      const body = JSON.stringify(batchBody(batch, this.deps.now()));
      let response: Response;
      try {
        response = await this.deps.fetch(this.settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.settings.token}` },
          body,
          keepalive: options.keepalive === true && body.length <= KEEPALIVE_MAX_BYTES,
          credentials: 'omit',
        });
      } catch (error) {
        return { at: this.deps.now(), ok: false, sentBatches, acceptedEvents, error: error instanceof Error ? error.name : 'NetworkError' };
      }
      const reply = (await response.json().catch(() => ({}))) as { accepted?: number; error?: { code?: string } };
      if (response.ok) {
        await this.queue.settle(batch.batchId);
        sentBatches++;
        acceptedEvents += typeof reply.accepted === 'number' ? reply.accepted : 0;
        continue;
      }
      const error = typeof reply.error?.code === 'string' ? reply.error.code : `HTTP_${response.status}`;
      // Too large and nothing stored: send it in halves, under new ids.
      if (response.status === TOO_LARGE && (await this.queue.split(batch.batchId, this.deps.newBatchId))) continue;
      if (PERMANENT.has(response.status)) {
        await this.queue.settle(batch.batchId, true);
        // The rest of the queue may be fine: carry on with the next batch.
        refused = { status: response.status, error };
        continue;
      }
      return { at: this.deps.now(), ok: false, sentBatches, acceptedEvents, status: response.status, error };
    }
  }
}
