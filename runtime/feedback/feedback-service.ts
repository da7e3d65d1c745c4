/**
 * Labelled examples in the worker: `model.feedback(input, label, { share })` keeps the
 * model's input tensor and the label on the device; only an example the user chose to
 * share, and only when an endpoint is configured, is sent to `POST /v1/feedback`
 * (format/feedback-batch.ts), in batches per model version, retried with backoff while
 * the network or the endpoint is away. A refused example (a 4xx a retry cannot fix) stays
 * on the device with the endpoint's code; it is not sent again.
 */
import {
  encodeBase64,
  feedbackExampleId,
  FEEDBACK_LIMITS,
  type FeedbackBatch,
  type Manifest,
} from '../../format/index.ts';
import type { TensorData } from '../engine/types.ts';
import { backoffDelay } from '../telemetry/backoff.ts';
import { ExampleStore, type ExampleCounts, type StoredExample } from './example-store.ts';
import type { FeedbackSettings } from './feedback-settings.ts';

/** What `model.feedback` did. */
export interface FeedbackReceipt {
  /** The example's id (its content hash; the endpoint uses the same). */
  id: string;
  /** False when the same example (input and label) was already on the device. */
  added: boolean;
  /** The user chose to share it, so it is in the outbox (or was sent). */
  shared: boolean;
}

/** The outcome of a send. */
export interface FeedbackFlushResult {
  /** Examples the endpoint took now (new or already there). */
  sent: number;
  /** Examples the endpoint refused for good now. */
  refused: number;
  /** Shared examples still waiting. */
  pending: number;
  /** Why the last request failed (network, HTTP status and code), when it did. */
  error?: string;
}

/** Batches the endpoint takes: at most this many examples or this many body bytes. */
const BODY_BUDGET = FEEDBACK_LIMITS.maxBodyBytes - 64 * 1024;
/** How long after a shared example the outbox is sent (more examples given meanwhile go with it). */
const SEND_DELAY_MS = 250;
/** HTTP statuses after which the same request would be refused again. */
const PERMANENT = new Set([400, 404, 413, 415, 422]);

export interface FeedbackServiceDeps {
  fetch: typeof fetch;
  now: () => number;
  random: () => number;
}

/** The worker's feedback: the example store, and the sender when an endpoint is configured. */
export class FeedbackService {
  readonly #store: ExampleStore;
  readonly #settings: FeedbackSettings | null;
  readonly #deps: FeedbackServiceDeps;
  #flushing: Promise<FeedbackFlushResult> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #soonTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #disposed = false;
  readonly #online = () => void this.flush().catch(() => undefined);

  constructor(databaseName: string, settings: FeedbackSettings | null, deps: Partial<FeedbackServiceDeps> = {}) {
    this.#store = new ExampleStore(databaseName);
    this.#settings = settings;
    this.#deps = { fetch: deps.fetch ?? ((input, init) => fetch(input, init)), now: deps.now ?? Date.now, random: deps.random ?? Math.random };
    if (settings) {
      globalThis.addEventListener?.('online', this.#online);
      // Examples shared in an earlier session and not sent yet.
      queueMicrotask(this.#online);
    }
  }

  /** Keeps an example (the model's input tensor) with its label; queues it for sending when `share`. */
  async add(manifest: Manifest, tensor: TensorData, label: string, options: { share: boolean; predicted?: string }): Promise<FeedbackReceipt> {
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).slice();
    if (options.share && bytes.byteLength > FEEDBACK_LIMITS.maxInputBytes) {
      throw new RangeError(`this input is ${bytes.byteLength} bytes as the model takes it; the endpoint takes at most ${FEEDBACK_LIMITS.maxInputBytes} per example, so it can be kept on this device but not shared`);
    }
    const input = { dtype: 'float32' as const, shape: [...tensor.shape] };
    const id = await feedbackExampleId(manifest.name, label, input, bytes);
    const example: StoredExample = {
      id,
      model: manifest.name,
      version: manifest.version,
      label,
      ...(options.predicted !== undefined ? { predicted: options.predicted } : {}),
      createdAt: new Date(this.#deps.now()).toISOString(),
      ...input,
      data: bytes.buffer,
      shared: options.share,
      ...(options.share ? { outbox: 1 as const } : {}),
    };
    const { record, added } = await this.#store.add(example);
    if (record.outbox && this.#settings) this.#flushSoon();
    return { id, added, shared: record.shared };
  }

  counts(model?: string): Promise<ExampleCounts> {
    return this.#store.counts(model);
  }

  clear(model?: string): Promise<number> {
    return this.#store.clear(model);
  }

  /** Sends the outbox now (one send at a time; a call during a send waits for it, then sends again). */
  flush(): Promise<FeedbackFlushResult> {
    if (!this.#settings || this.#disposed) return this.#store.counts().then((c) => ({ sent: 0, refused: 0, pending: c.pending }));
    const previous = this.#flushing ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.#flushOnce(this.#settings!));
    this.#flushing = next;
    void next.finally(() => {
      if (this.#flushing === next) this.#flushing = undefined;
    }).catch(() => undefined);
    return next;
  }

  /** Sends shortly: examples given one after another go out in one batch, not one request each. */
  #flushSoon(): void {
    if (this.#soonTimer !== undefined || this.#disposed) return;
    this.#soonTimer = setTimeout(() => {
      this.#soonTimer = undefined;
      void this.flush().catch(() => undefined);
    }, SEND_DELAY_MS);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#soonTimer);
    clearTimeout(this.#retryTimer);
    globalThis.removeEventListener?.('online', this.#online);
    this.#store.close();
  }

  async #flushOnce(settings: FeedbackSettings): Promise<FeedbackFlushResult> {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const result: FeedbackFlushResult = { sent: 0, refused: 0, pending: 0 };
    for (;;) {
      const waiting = await this.#store.outbox(FEEDBACK_LIMITS.maxExamplesPerBatch * 4);
      if (waiting.length === 0 || this.#disposed) break;
      const batch = firstBatch(waiting);
      const outcome = await this.#send(settings, batch);
      if (outcome.ok) {
        await this.#store.settle(batch.examples.map((e) => e.id), { sentAt: new Date(this.#deps.now()).toISOString() });
        result.sent += batch.examples.length;
        this.#attempt = 0;
      } else if (outcome.permanent) {
        await this.#store.settle(batch.examples.map((e) => e.id), { refused: outcome.code });
        result.refused += batch.examples.length;
      } else {
        result.error = outcome.error;
        this.#scheduleRetry(settings);
        break;
      }
    }
    result.pending = (await this.#store.counts()).pending;
    return result;
  }

  async #send(settings: FeedbackSettings, batch: { model: string; version: string; examples: StoredExample[] }): Promise<{ ok: true } | { ok: false; permanent: boolean; code: string; error: string }> {
    const body: FeedbackBatch = {
      schema: 1,
      model: batch.model,
      version: batch.version,
      examples: batch.examples.map((e) => ({
        label: e.label,
        input: { shape: e.shape, dtype: e.dtype, data: encodeBase64(new Uint8Array(e.data)) },
        ...(e.predicted !== undefined ? { predicted: e.predicted } : {}),
        createdAt: e.createdAt,
      })),
    };
    let response: Response;
    try {
      response = await this.#deps.fetch(settings.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${settings.token}` },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, permanent: false, code: 'NETWORK', error: `could not reach ${settings.url}: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true };
    }
    const code = await response
      .json()
      .then((json: { error?: { code?: unknown } }) => (typeof json?.error?.code === 'string' ? json.error.code : `HTTP_${response.status}`))
      .catch(() => `HTTP_${response.status}`);
    return { ok: false, permanent: PERMANENT.has(response.status), code, error: `${settings.url} answered ${response.status} ${code}` };
  }

  #scheduleRetry(settings: FeedbackSettings): void {
    if (this.#disposed) return;
    const delay = backoffDelay(this.#attempt++, this.#deps.random, { maxMs: settings.maxRetryMs });
    this.#retryTimer = setTimeout(() => void this.flush().catch(() => undefined), delay);
  }
}

/** The oldest examples of the first (model, version) in the outbox, within the endpoint's limits. */
function firstBatch(waiting: readonly StoredExample[]): { model: string; version: string; examples: StoredExample[] } {
  const { model, version } = waiting[0]!;
  const examples: StoredExample[] = [];
  let bytes = 0;
  for (const e of waiting) {
    if (e.model !== model || e.version !== version) continue;
    // base64 grows bytes by 4/3; the rest of an example's JSON is small.
    const size = Math.ceil(e.data.byteLength / 3) * 4 + 512;
    if (examples.length > 0 && (examples.length >= FEEDBACK_LIMITS.maxExamplesPerBatch || bytes + size > BODY_BUDGET)) break;
    examples.push(e);
    bytes += size;
  }
  return { model, version, examples };
}
