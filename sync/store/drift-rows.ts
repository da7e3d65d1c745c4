/** Row ↔ record mapping of the drift tables, shared by both stores. */
import type { AlertRecord, AlertStream, DeliveryRecord, DeliveryStatus, DriftWindowRecord, WindowStatus } from './drift-records.ts';

export interface DriftWindowRow {
  id: number | string;
  model: string;
  version: string;
  device_class: string;
  window_start: string;
  window_end: string;
  received_at: string | Date;
  sample_size: number | string;
  status: string;
  drifted: number;
  evaluated: number;
  epsilon: number | null;
  report: string;
}

export const windowOf = (r: DriftWindowRow): DriftWindowRecord => ({
  id: Number(r.id),
  model: r.model,
  version: r.version,
  deviceClass: r.device_class,
  windowStart: r.window_start,
  windowEnd: r.window_end,
  receivedAt: r.received_at instanceof Date ? r.received_at.toISOString() : r.received_at,
  sampleSize: Number(r.sample_size),
  status: r.status as WindowStatus,
  drifted: r.drifted,
  evaluated: r.evaluated,
  epsilon: r.epsilon,
  report: r.report,
});

export interface AlertStreamRow {
  model: string;
  version: string;
  device_class: string;
  state: string;
  run: number;
  since: string | null;
  last_status: string;
  last_window_id: number | string;
  last_window_end: string;
  last_drifted: number;
  last_evaluated: number;
  windows_drift: number | string;
  windows_ok: number | string;
  windows_insufficient: number | string;
}

export const streamOf = (r: AlertStreamRow): AlertStream => ({
  model: r.model,
  version: r.version,
  deviceClass: r.device_class,
  state: r.state as AlertStream['state'],
  run: r.run,
  since: r.since,
  lastStatus: r.last_status as WindowStatus,
  lastWindowId: Number(r.last_window_id),
  lastWindowEnd: r.last_window_end,
  lastDrifted: r.last_drifted,
  lastEvaluated: r.last_evaluated,
  windowsDrift: Number(r.windows_drift),
  windowsOk: Number(r.windows_ok),
  windowsInsufficient: Number(r.windows_insufficient),
});

/** A stream's columns in the order the upserts bind them. */
export const streamParams = (s: AlertStream): unknown[] => [
  s.model, s.version, s.deviceClass, s.state, s.run, s.since, s.lastStatus, s.lastWindowId, s.lastWindowEnd,
  s.lastDrifted, s.lastEvaluated, s.windowsDrift, s.windowsOk, s.windowsInsufficient,
];

export const STREAM_COLUMNS = 'model, version, device_class, state, run, since, last_status, last_window_id, last_window_end, last_drifted, last_evaluated, windows_drift, windows_ok, windows_insufficient';
export const STREAM_UPDATE = `state = excluded.state, run = excluded.run, since = excluded.since, last_status = excluded.last_status,
  last_window_id = excluded.last_window_id, last_window_end = excluded.last_window_end, last_drifted = excluded.last_drifted,
  last_evaluated = excluded.last_evaluated, windows_drift = excluded.windows_drift, windows_ok = excluded.windows_ok,
  windows_insufficient = excluded.windows_insufficient`;

export interface AlertRow {
  id: number | string;
  model: string;
  version: string;
  device_class: string;
  state: string;
  previous: string;
  at: string;
  window_id: number | string;
  detail: string;
}

export interface DeliveryRow {
  id: number | string;
  alert_id: number | string;
  url: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

export const deliveryOf = (r: DeliveryRow): DeliveryRecord => ({
  id: Number(r.id),
  alertId: Number(r.alert_id),
  url: r.url,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  lastError: r.last_error,
});

/** Alerts with their deliveries attached (deliveries of other alerts are ignored). */
export function alertsOf(rows: readonly AlertRow[], deliveries: readonly DeliveryRow[]): AlertRecord[] {
  const byAlert = new Map<number, DeliveryRecord[]>();
  for (const d of deliveries) {
    const record = deliveryOf(d);
    const list = byAlert.get(record.alertId);
    if (list) list.push(record);
    else byAlert.set(record.alertId, [record]);
  }
  return rows.map((r) => ({
    id: Number(r.id),
    model: r.model,
    version: r.version,
    deviceClass: r.device_class,
    state: r.state as AlertRecord['state'],
    previous: r.previous as AlertRecord['previous'],
    at: r.at,
    windowId: Number(r.window_id),
    detail: r.detail,
    deliveries: byAlert.get(Number(r.id)) ?? [],
  }));
}

/** The WHERE clause of an alert listing, with `$n` or `?` placeholders. */
export function alertWhere(filter: { model?: string; version?: string; deviceClass?: string; after?: number }, placeholder: (n: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    params.push(value);
    clauses.push(`${column} ${op} ${placeholder(params.length)}`);
  };
  if (filter.model !== undefined) add('model', '=', filter.model);
  if (filter.version !== undefined) add('version', '=', filter.version);
  if (filter.deviceClass !== undefined) add('device_class', '=', filter.deviceClass);
  if (filter.after !== undefined) add('id', '>', filter.after);
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
