/**
 * What the store keeps of drift: judged windows, alert streams (one per model version ×
 * device class, with the hysteresis state), alerts and their webhook deliveries. The
 * shapes here are the store's; `sync/drift/` builds and reads them.
 */

import type { AlertRetrain } from '../jobs/job-records.ts';

/** A window's verdict, as `sync/drift/statistics.ts` gives it. */
export type WindowStatus = 'drift' | 'ok' | 'insufficient-data';

/** A judged window, ready to store with its batch. */
export interface NewDriftWindow {
  model: string;
  version: string;
  /** `''` when the device sent no class. */
  deviceClass: string;
  windowStart: string;
  windowEnd: string;
  receivedAt: string;
  sampleSize: number;
  status: WindowStatus;
  drifted: number;
  evaluated: number;
  epsilon: number | null;
  /** JSON: `{ counts: Record<signal, number[]>, drifted: signal[] }` (sync/drift/window-report.ts; older rows: `{ signals: SignalDrift[], counts }`). */
  report: string;
}

/** A stored window. */
export interface DriftWindowRecord extends NewDriftWindow {
  id: number;
}

export interface DriftWindowFilter {
  model: string;
  version: string;
  deviceClass?: string;
  /** ISO time, inclusive (window start). */
  from: string;
  /** ISO time, exclusive (window start). */
  to: string;
  /** At most this many rows, newest first. */
  limit: number;
}

/** The alert state of one model version × device class. */
export interface AlertStream {
  model: string;
  version: string;
  deviceClass: string;
  /** `drift` once `alertWindows` consecutive windows drifted; `ok` again after `recoveryWindows` without. */
  state: 'ok' | 'drift';
  /** Consecutive judged windows that disagree with `state` (the hysteresis counter). */
  run: number;
  /** ISO time the state last changed (`null` while never alerted). */
  since: string | null;
  lastStatus: WindowStatus;
  lastWindowId: number;
  lastWindowEnd: string;
  lastDrifted: number;
  lastEvaluated: number;
  windowsDrift: number;
  windowsOk: number;
  windowsInsufficient: number;
}

/** One state change of a stream. */
export interface NewAlert {
  model: string;
  version: string;
  deviceClass: string;
  state: 'ok' | 'drift';
  previous: 'ok' | 'drift';
  at: string;
  windowId: number;
  /** JSON: `{ windows, driftedSignals, window: { start, end } }`. */
  detail: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  id: number;
  alertId: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export interface AlertRecord extends NewAlert {
  id: number;
  deliveries: DeliveryRecord[];
}

export interface AlertFilter {
  model?: string;
  version?: string;
  deviceClass?: string;
  /** Only alerts with a larger id (for polling). */
  after?: number;
  limit: number;
}

/** What one pass of the alert machine decides, given the windows and their streams. */
export interface AlertStep {
  streams: AlertStream[];
  alerts: NewAlert[];
}

/** A delivery claimed for sending, with the alert it carries. */
export interface ClaimedDelivery extends DeliveryRecord {
  alert: AlertRecord;
}

export type DeliveryOutcome =
  | { delivered: true; at: string }
  | { delivered: false; error: string; /** `null`: give up (status `failed`). */ nextAttemptAt: string | null };

/** The stream key of a window or stream. */
export const streamKey = (s: { model: string; version: string; deviceClass: string }): string => `${s.model}\u0000${s.version}\u0000${s.deviceClass}`;

/** The drift half of the store. */
export interface DriftStore {
  driftWindows(filter: DriftWindowFilter): Promise<DriftWindowRecord[]>;
  /**
   * In one transaction (serialised across replicas): takes up to `limit` windows not yet
   * seen by the alert machine, oldest first, with their streams; stores what `step`
   * decides (streams, alerts, one pending delivery per alert and `webhooks` URL), and
   * marks the windows seen. With `retrain`, each new `drift` alert also enqueues a retrain
   * job of its model (parent: the alert's version) in that transaction, unless one is
   * already queued or running. Resolves to the number of windows and the new alerts.
   */
  advanceAlerts(
    limit: number,
    webhooks: readonly string[],
    at: string,
    step: (windows: DriftWindowRecord[], streams: ReadonlyMap<string, AlertStream>) => AlertStep,
    retrain?: AlertRetrain | null,
  ): Promise<{ windows: number; alerts: AlertRecord[] }>;
  alertStreams(filter?: { model?: string; version?: string }): Promise<AlertStream[]>;
  listAlerts(filter: AlertFilter): Promise<AlertRecord[]>;
  /** Claims due pending deliveries (`next_attempt_at ≤ now`), pushing their next attempt to `leaseUntil` so no other sender takes them meanwhile. */
  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]>;
  finishDelivery(id: number, outcome: DeliveryOutcome): Promise<void>;
}
