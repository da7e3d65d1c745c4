/**
 * The page side of telemetry (`runtime.telemetry`): a thin face over the worker, which
 * owns the windows, the queue and the sender. The worker cannot see the page's
 * lifecycle, so this client forwards it: `online` → flush, `visibilitychange` to hidden
 * and `pagehide` → flush with `keepalive`. It owns those three listeners and removes
 * them on dispose.
 */
import type { Remote } from 'comlink';
import type { FlushResult, TelemetryStatus, WorkerTelemetryApi } from '../worker/api.ts';

/** `runtime.telemetry`: opt-in drift telemetry (see docs/TELEMETRY.md). */
export interface RuntimeTelemetry {
  /** Sends the queued events now; resolves with the outcome (also when telemetry is off or not configured: `ok: false`). */
  flush(): Promise<FlushResult>;
  /** Stops counting and sending; open windows are discarded, queued events stay queued. */
  disable(): Promise<void>;
  /** Counts and sends again. @throws {TypeError} when telemetry was not configured. */
  enable(): Promise<void>;
  /** Enabled, queued and dropped events, the last flush, the install id; `null` when not configured. */
  status(): Promise<TelemetryStatus | null>;
  /** Replaces the random install id (`deviceId`) for events sealed from now on. @throws {TypeError} when not configured. */
  resetInstallId(): Promise<string>;
}

/** The page-side telemetry client of one runtime. */
export class TelemetryClient implements RuntimeTelemetry {
  readonly #api: Remote<WorkerTelemetryApi>;
  readonly #assertAlive: () => void;
  #removeListeners: () => void = () => undefined;

  constructor(api: Remote<WorkerTelemetryApi>, assertAlive: () => void, forwardPageEvents: boolean) {
    this.#api = api;
    this.#assertAlive = assertAlive;
    if (forwardPageEvents && typeof window !== 'undefined' && typeof document !== 'undefined') this.#listen();
  }

  flush(): Promise<FlushResult> {
    this.#assertAlive();
    return this.#api.flush({});
  }

  disable(): Promise<void> {
    this.#assertAlive();
    return this.#api.disable();
  }

  enable(): Promise<void> {
    this.#assertAlive();
    return this.#api.enable();
  }

  status(): Promise<TelemetryStatus | null> {
    this.#assertAlive();
    return this.#api.status();
  }

  resetInstallId(): Promise<string> {
    this.#assertAlive();
    return this.#api.resetInstallId();
  }

  /** Removes the page listeners (the runtime is being disposed). */
  dispose(): void {
    this.#removeListeners();
    this.#removeListeners = () => undefined;
  }

  #listen(): void {
    // The outcome lands in status().lastFlush; a failed flush is retried by the worker.
    const flush = (keepalive: boolean) => void this.#api.flush({ keepalive }).catch(() => undefined);
    const onOnline = () => flush(false);
    // Hidden is the last moment a page reliably runs code (a mobile page may be killed
    // without pagehide): https://developer.chrome.com/docs/web-platform/page-lifecycle-api#advice-hidden
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush(true);
    };
    const onPageHide = () => flush(true);
    window.addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    this.#removeListeners = () => {
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
    };
  }
}
