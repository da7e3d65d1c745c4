/**
 * The worker side of telemetry: one window per loaded model, the IndexedDB queue, the
 * sender, and the two timers (the flush tick, the backed-off retry) — all owned here and
 * cleared by {@link TelemetryService.dispose}. The page forwards `online`,
 * `visibilitychange` → hidden and `pagehide` as {@link TelemetryService.flush} calls.
 */
import type { Manifest } from '../../format/index.ts';
import { backoffDelay } from './backoff.ts';
import type { DriftEvent } from './drift-event.ts';
import { cryptoRandom, type Random } from './laplace-noise.ts';
import type { SketchSample } from './model-sketch.ts';
import { TelemetryQueue } from './telemetry-queue.ts';
import { TelemetrySender, type FlushResult } from './telemetry-sender.ts';
import type { TelemetrySettings } from './telemetry-settings.ts';
import { TelemetryWindow } from './telemetry-window.ts';

export type { FlushResult };

/** Where telemetry stands (`runtime.telemetry.status()`). */
export interface TelemetryStatus {
  enabled: boolean;
  /** Events waiting to be sent (queued plus the pending batch's). */
  queuedEvents: number;
  /**
   * Events dropped so far: over the queue bound, or refused by the endpoint. The next
   * sealed batch reports those not yet reported as its `dropped` (docs/TELEMETRY.md).
   */
  droppedEvents: number;
  /** The id of the batch sealed and not yet acknowledged, if any. */
  pendingBatchId: string | null;
  lastFlush: FlushResult | null;
  /** When the next backed-off retry runs (ms since the epoch), if one is scheduled. */
  nextRetryAt: number | null;
  /** The random install id sent as `deviceId`. */
  installId: string;
  /** One entry per loaded model: its open window and which baseline signals it counts. */
  models: Array<{ model: string; version: string; windowPredictions: number; monitored: string[]; skipped: string[] }>;
}

/** Where a prediction ran, for the default device class. */
export type ComputeDevice = 'webgpu' | 'wasm' | 'cpu';

/** What the service needs from its surroundings; tests inject a clock, fetch and randomness. */
export interface TelemetryDeps {
  now: () => number;
  fetch: typeof fetch;
  random: Random;
  newBatchId: () => string;
}

function defaultDeps(): TelemetryDeps {
  return { now: () => Date.now(), fetch: (input, init) => globalThis.fetch(input, init), random: cryptoRandom(), newBatchId: () => crypto.randomUUID() };
}

function formFactor(): 'mobile' | 'desktop' {
  const nav = globalThis.navigator as (Navigator & { userAgentData?: { mobile?: boolean } }) | undefined;
  if (typeof nav?.userAgentData?.mobile === 'boolean') return nav.userAgentData.mobile ? 'mobile' : 'desktop';
  return /Mobi|Android/.test(nav?.userAgent ?? '') ? 'mobile' : 'desktop';
}

/** Telemetry of one runtime worker. */
export class TelemetryService {
  readonly #settings: TelemetrySettings;
  readonly #deps: TelemetryDeps;
  readonly #queue: TelemetryQueue;
  readonly #sender: TelemetrySender;
  readonly #windows = new Map<string, { window: TelemetryWindow; device: ComputeDevice }>();
  readonly #form = formFactor();
  #enabled = true;
  #installId: Promise<string>;
  #writes: Promise<void> = Promise.resolve();
  #flushing?: Promise<FlushResult>;
  #queuedFlush?: Promise<FlushResult>;
  #lastFlush: FlushResult | null = null;
  #attempt = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #retryAt: number | null = null;
  readonly #tick: ReturnType<typeof setInterval>;
  #disposed = false;

  constructor(settings: TelemetrySettings, deps: Partial<TelemetryDeps> = {}) {
    this.#settings = settings;
    this.#deps = { ...defaultDeps(), ...deps };
    this.#queue = new TelemetryQueue(settings.databaseName, settings.maxQueuedEvents);
    this.#sender = new TelemetrySender(settings, this.#queue, this.#deps);
    this.#installId = this.#queue.installId();
    this.#tick = setInterval(() => void this.#onTick(), settings.flushIntervalMs);
    // A batch left pending by an earlier page goes out as soon as the worker starts.
    void this.flush();
  }

  /** Starts a window for a loaded model. */
  attach(modelId: string, manifest: Manifest, device: ComputeDevice): void {
    this.#windows.set(modelId, { window: new TelemetryWindow(manifest, this.#settings, this.#deps.random), device });
  }

  /** Queues the model's partial window and forgets it (the model was unloaded). */
  detach(modelId: string): void {
    const entry = this.#windows.get(modelId);
    if (!entry) return;
    this.#windows.delete(modelId);
    if (this.#enabled) this.#enqueue(entry.window.close(this.#deps.now(), this.#deviceClass(entry.device)));
  }

  /** Counts one prediction of `modelId` (no-op when disabled or the model is unknown). */
  record(modelId: string, sample: SketchSample, device: ComputeDevice): void {
    const entry = this.#windows.get(modelId);
    if (!this.#enabled || !entry) return;
    entry.device = device;
    this.#enqueue(entry.window.record(sample, this.#deps.now(), this.#deviceClass(device)));
  }

  /** Counts one failed prediction of `modelId` under its error code. */
  recordError(modelId: string, code: string): void {
    const entry = this.#windows.get(modelId);
    if (!this.#enabled || !entry) return;
    this.#enqueue(entry.window.recordError(code, this.#deps.now(), this.#deviceClass(entry.device)));
  }

  /**
   * Sends what is queued now. One flush runs at a time; a call during one runs once it
   * ends (so it sees events queued meanwhile), and calls made while one already waits
   * join that one.
   */
  flush(options: { keepalive?: boolean } = {}): Promise<FlushResult> {
    if (!this.#enabled || this.#disposed) return Promise.resolve({ at: this.#deps.now(), ok: false, sentBatches: 0, acceptedEvents: 0, error: this.#disposed ? 'RUNTIME_DISPOSED' : 'TELEMETRY_DISABLED' });
    if (!this.#flushing) {
      this.#flushing = this.#flushOnce(options).finally(() => (this.#flushing = undefined));
      return this.#flushing;
    }
    this.#queuedFlush ??= this.#flushing
      .catch(() => undefined)
      .then(() => {
        this.#queuedFlush = undefined;
        return this.flush(options);
      });
    return this.#queuedFlush;
  }

  /** Stops counting and sending; open windows are discarded, queued events kept. */
  disable(): void {
    this.#enabled = false;
    for (const { window } of this.#windows.values()) window.discard();
    this.#clearRetry();
  }

  /** Counts and sends again. */
  enable(): void {
    this.#enabled = true;
  }

  /** A fresh random install id for the events sealed from now on. */
  async resetInstallId(): Promise<string> {
    this.#installId = this.#queue.installId(true);
    return this.#installId;
  }

  async status(): Promise<TelemetryStatus> {
    await this.#writes;
    const counts = await this.#queue.counts();
    return {
      enabled: this.#enabled,
      queuedEvents: counts.queued,
      droppedEvents: counts.dropped,
      pendingBatchId: counts.pendingBatchId,
      lastFlush: this.#lastFlush,
      nextRetryAt: this.#retryAt,
      installId: await this.#installId,
      models: [...this.#windows.values()].map(({ window }) => ({
        model: window.sketch.model,
        version: window.sketch.version,
        windowPredictions: window.sketch.predictionCount,
        monitored: [...window.sketch.monitored],
        skipped: [...window.sketch.skipped],
      })),
    };
  }

  /** Queues every partial window, clears both timers and closes the database. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    for (const id of [...this.#windows.keys()]) this.detach(id);
    this.#disposed = true;
    clearInterval(this.#tick);
    this.#clearRetry();
    await this.#writes;
    await this.#flushing?.catch(() => undefined);
    await this.#queue.close();
  }

  #deviceClass(device: ComputeDevice): string {
    return this.#settings.deviceClass ?? `${this.#form}-${device}`;
  }

  #enqueue(event: DriftEvent | undefined): void {
    if (!event) return;
    this.#writes = this.#writes.then(
      () => this.#queue.push(event),
    ).catch((error: unknown) => {
      // The window is lost, but say so where the app can see it.
      this.#lastFlush = { at: this.#deps.now(), ok: false, sentBatches: 0, acceptedEvents: 0, error: `QUEUE_WRITE_FAILED:${error instanceof Error ? error.name : 'Error'}` };
    });
  }

  async #onTick(): Promise<void> {
    if (!this.#enabled || this.#disposed) return;
    const now = this.#deps.now();
    for (const { window, device } of this.#windows.values()) this.#enqueue(window.closeIfExpired(now, this.#deviceClass(device)));
    if (this.#retryTimer === undefined) await this.flush();
  }

  async #flushOnce(options: { keepalive?: boolean }): Promise<FlushResult> {
    await this.#writes;
    let result: FlushResult;
    try {
      result = await this.#sender.flush(await this.#installId, options);
    } catch (error) {
      result = { at: this.#deps.now(), ok: false, sentBatches: 0, acceptedEvents: 0, error: error instanceof Error ? error.name : 'Error' };
    }
    this.#lastFlush = result;
    this.#clearRetry();
    const pending = (await this.#queue.counts().catch(() => ({ pendingBatchId: null }))).pendingBatchId;
    if (result.ok || pending === null) {
      this.#attempt = 0;
    } else if (!this.#disposed && this.#enabled) {
      const delay = backoffDelay(this.#attempt++, this.#deps.random);
      this.#retryAt = this.#deps.now() + delay;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#retryAt = null;
        void this.flush();
      }, delay);
    }
    return result;
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retryAt = null;
  }
}
