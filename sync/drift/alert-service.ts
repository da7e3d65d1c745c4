/**
 * Runs the alert machine and delivers alerts. After each stored batch (and every
 * `pollMs`, for windows other replicas stored) new windows go through
 * {@link stepAlerts} in one store transaction; each alert gets one pending delivery per
 * webhook URL, which is POSTed, signed, and retried with exponential backoff and jitter
 * until a 2xx answer or `webhookAttempts` tries. A receiver is told each state change
 * once per URL; should the endpoint die between a receiver's 2xx and recording it, the
 * delivery is sent again with the same `X-Edgeloop-Delivery` id, for the receiver to drop.
 */
import { createHmac } from 'node:crypto';
import type { AlertRetrain } from '../jobs/job-records.ts';
import type { AlertRecord, ClaimedDelivery, Store } from '../store/store.ts';
import { stepAlerts } from './alert-machine.ts';
import type { DriftConfig } from './drift-config.ts';

/** The JSON an alert is answered and delivered as (docs/SYNC-API.md, "Alerts"). */
export interface AlertBody {
  id: number;
  model: string;
  version: string;
  deviceClass: string | null;
  state: 'drift' | 'ok';
  previous: 'drift' | 'ok';
  at: string;
  window: { start: string; end: string };
  windows: number;
  driftedSignals: string[];
  deliveries: { url: string; status: string; attempts: number; deliveredAt: string | null; lastError: string | null }[];
}

export function alertBody(a: AlertRecord): AlertBody {
  const detail = JSON.parse(a.detail) as { windows: number; window: { start: string; end: string }; driftedSignals: string[] };
  return {
    id: a.id,
    model: a.model,
    version: a.version,
    deviceClass: a.deviceClass === '' ? null : a.deviceClass,
    state: a.state,
    previous: a.previous,
    at: a.at,
    window: detail.window,
    windows: detail.windows,
    driftedSignals: detail.driftedSignals,
    deliveries: a.deliveries.map((d) => ({ url: d.url, status: d.status, attempts: d.attempts, deliveredAt: d.deliveredAt, lastError: d.lastError })),
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what `X-Edgeloop-Signature` carries. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const MAX_RETRY_MS = 600_000;
const WINDOWS_PER_PASS = 1000;
/**
 * How long after a stored batch the alert machine runs. Each pass is a transaction with
 * its own fsync; run after every batch, it doubled the commits of ingest. A pass every
 * 100 ms under load judges the windows of many batches at once.
 */
const NUDGE_MS = 100;

export class AlertService {
  #advancing: Promise<void> | null = null;
  #again = false;
  #delivering: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #nudgeTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly store: Store,
    readonly config: DriftConfig,
    readonly log: (message: string, error?: unknown) => void = () => undefined,
    /** With it, each `drift` alert enqueues a retrain job in the transaction that records it. */
    readonly retrain: AlertRetrain | null = null,
  ) {}

  /** Starts the poll; call once the server is up. */
  start(): void {
    this.#timer = setInterval(() => this.kick(), this.config.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** New windows were stored: {@link kick} within {@link NUDGE_MS} (one pass for every batch stored meanwhile). */
  nudge(): void {
    if (this.#nudgeTimer !== undefined || this.#closed) return;
    this.#nudgeTimer = setTimeout(() => {
      this.#nudgeTimer = undefined;
      void this.kick();
    }, NUDGE_MS);
  }

  /** Judges windows not yet seen (coalescing calls), then delivers what is due. */
  kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#advancing) {
      this.#again = true;
      return this.#advancing;
    }
    this.#advancing = (async () => {
      try {
        do {
          this.#again = false;
          let n: number;
          do {
            ({ windows: n } = await this.store.advanceAlerts(
              WINDOWS_PER_PASS,
              this.config.webhooks,
              new Date().toISOString(),
              (windows, streams) => stepAlerts(windows, streams, this.config, new Date().toISOString()),
              this.retrain,
            ));
          } while (n === WINDOWS_PER_PASS && !this.#closed);
        } while (this.#again && !this.#closed);
      } catch (error) {
        this.log('the alert machine failed; it runs again at the next batch or poll', error);
      } finally {
        this.#advancing = null;
      }
      await this.deliver();
    })();
    return this.#advancing;
  }

  /** Sends every due delivery once (coalescing calls). */
  deliver(): Promise<void> {
    if (this.#closed || this.config.webhooks.length === 0) return Promise.resolve();
    this.#delivering ??= (async () => {
      try {
        for (;;) {
          const now = Date.now();
          const claimed = await this.store.claimDeliveries(new Date(now).toISOString(), new Date(now + this.config.webhookTimeoutMs * 2).toISOString(), 20);
          if (claimed.length === 0) break;
          await Promise.all(claimed.map((d) => this.#send(d)));
        }
      } catch (error) {
        this.log('webhook delivery failed; it is retried at the next poll', error);
      } finally {
        this.#delivering = null;
      }
    })();
    return this.#delivering;
  }

  async #send(d: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify({ type: 'drift.alert', alert: { ...alertBody(d.alert), deliveries: undefined } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let error: string;
    try {
      const response = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'edgeloop-sync',
          'x-edgeloop-event': 'drift.alert',
          'x-edgeloop-delivery': String(d.id),
          'x-edgeloop-timestamp': timestamp,
          'x-edgeloop-signature': signWebhook(this.config.webhookSecret!, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await this.store.finishDelivery(d.id, { delivered: true, at: new Date().toISOString() });
        return;
      }
      error = `HTTP ${response.status}`;
    } catch (cause) {
      error = (cause as Error).name === 'TimeoutError' ? `no answer within ${this.config.webhookTimeoutMs} ms` : `${(cause as Error).message}`;
    }
    const attempts = d.attempts + 1;
    if (attempts >= this.config.webhookAttempts) {
      await this.store.finishDelivery(d.id, { delivered: false, error, nextAttemptAt: null });
      return;
    }
    const delay = Math.min(MAX_RETRY_MS, this.config.webhookRetryMs * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    await this.store.finishDelivery(d.id, { delivered: false, error, nextAttemptAt: new Date(Date.now() + delay).toISOString() });
    this.#scheduleRetry(delay);
  }

  /** A retry due before the next poll gets its own timer. */
  #scheduleRetry(delay: number): void {
    if (delay >= this.config.pollMs || this.#retryTimer !== undefined || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.deliver();
    }, delay + 5);
    this.#retryTimer.unref();
  }

  /** Stops the timers and waits for the work in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#nudgeTimer);
    await Promise.all([this.#advancing, this.#delivering]);
  }
}
