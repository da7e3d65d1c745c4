/**
 * Telemetry events → aggregate cells (per model, version and hour) and back: a batch
 * is summed in memory into one increment per cell before it reaches the store, and
 * the summary API folds the stored cells into one bucket per model version and hour.
 */
import { SyncError } from './errors.ts';
import type { AggregateIncrement, AggregateRow } from './store/store.ts';

/** A drift event as the telemetry schema admits it. */
export interface DriftEvent {
  type: 'drift';
  model: string;
  version: string;
  deviceClass?: string;
  windowStart: string;
  windowEnd: string;
  signals?: Record<string, number[]>;
  predictions?: Record<string, number>;
  latencyMs?: { edges: number[]; counts: number[] };
  errors?: Record<string, number>;
}

/** The telemetry body as the schema admits it. */
export interface TelemetryBody {
  schema: 1;
  batchId: string;
  deviceId: string;
  sentAt: string;
  events: DriftEvent[];
}

/** One bucket of the summary API. */
export interface SummaryBucket {
  model: string;
  version: string;
  /** ISO time of the hour the events' windows start in. */
  hour: string;
  events: number;
  deviceClasses: Record<string, number>;
  predictions: Record<string, number>;
  /** Signal name → bin counts summed bin by bin. */
  signals: Record<string, number[]>;
  /** One summed histogram per distinct set of bin edges (normally one). */
  latencyMs: { edges: number[]; counts: number[] }[];
  errors: Record<string, number>;
}

const HOUR_MS = 3_600_000;

/** The ISO hour `time` falls in. */
export function hourOf(time: string, field: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new SyncError('BAD_REQUEST', `${field} is not a valid date-time`, { details: { field } });
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();
}

/** The running sums of one model version and hour, while a batch is aggregated. */
interface Group {
  model: string;
  version: string;
  hour: string;
  events: number;
  /** kind → key → per-bin sums. */
  cells: Map<string, Map<string, number[]>>;
}

function addTo(group: Group, kind: string, key: string, bin: number, count: number): void {
  let byKey = group.cells.get(kind);
  if (byKey === undefined) group.cells.set(kind, (byKey = new Map()));
  let bins = byKey.get(key);
  if (bins === undefined) byKey.set(key, (bins = []));
  while (bins.length <= bin) bins.push(0);
  bins[bin] += count;
}

/**
 * Sums a batch into one increment per cell. Checks what the schema cannot express.
 * Runs on every ingested batch, so it avoids per-cell string keys: events are grouped
 * by model, version and hour first, then summed per kind and key into bin arrays.
 * @throws SyncError `BAD_REQUEST` naming the event field.
 */
export function aggregateEvents(events: readonly DriftEvent[]): AggregateIncrement[] {
  const groups = new Map<string, Group>();
  const hours = new Map<string, string>();
  events.forEach((e, i) => {
    const at = `events[${i}]`;
    let hour = hours.get(e.windowStart);
    if (hour === undefined) hours.set(e.windowStart, (hour = hourOf(e.windowStart, `${at}.windowStart`)));
    if (e.windowEnd !== e.windowStart && Date.parse(e.windowEnd) < Date.parse(e.windowStart)) {
      throw new SyncError('BAD_REQUEST', `${at}.windowEnd is before ${at}.windowStart`, { details: { field: `${at}.windowEnd` } });
    }
    const id = `${e.model}\u0000${e.version}\u0000${hour}`;
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { model: e.model, version: e.version, hour, events: 0, cells: new Map() }));
    g.events++;
    if (e.deviceClass !== undefined) addTo(g, 'device_class', e.deviceClass, 0, 1);
    if (e.predictions) for (const label in e.predictions) addTo(g, 'prediction', label, 0, e.predictions[label]);
    if (e.signals) for (const signal in e.signals) e.signals[signal].forEach((n, bin) => addTo(g, 'signal', signal, bin, n));
    if (e.errors) for (const code in e.errors) addTo(g, 'error', code, 0, e.errors[code]);
    if (e.latencyMs !== undefined) {
      const { edges, counts } = e.latencyMs;
      if (counts.length !== edges.length - 1) {
        throw new SyncError('BAD_REQUEST', `${at}.latencyMs.counts must have one entry fewer than edges (${edges.length - 1}; got ${counts.length})`, {
          details: { field: `${at}.latencyMs.counts` },
        });
      }
      if (edges.some((edge, j) => j > 0 && edge <= edges[j - 1])) {
        throw new SyncError('BAD_REQUEST', `${at}.latencyMs.edges must be strictly increasing`, { details: { field: `${at}.latencyMs.edges` } });
      }
      const key = edges.join(',');
      counts.forEach((n, bin) => addTo(g, 'latency', key, bin, n));
    }
  });
  const out: AggregateIncrement[] = [];
  for (const g of groups.values()) {
    out.push({ model: g.model, version: g.version, hour: g.hour, kind: 'events', key: '', bin: 0, count: g.events });
    for (const [kind, byKey] of g.cells) {
      for (const [key, bins] of byKey) bins.forEach((count, bin) => out.push({ model: g.model, version: g.version, hour: g.hour, kind, key, bin, count }));
    }
  }
  return out;
}

/** Folds stored cells (sorted by model, version, hour) into summary buckets. */
export function summarize(rows: readonly AggregateRow[]): SummaryBucket[] {
  const buckets = new Map<string, SummaryBucket>();
  const latency = new Map<SummaryBucket, Map<string, number[]>>();
  for (const r of rows) {
    const id = `${r.model}\u0000${r.version}\u0000${r.hour}`;
    let b = buckets.get(id);
    if (!b) {
      b = { model: r.model, version: r.version, hour: r.hour, events: 0, deviceClasses: {}, predictions: {}, signals: {}, latencyMs: [], errors: {} };
      buckets.set(id, b);
      latency.set(b, new Map());
    }
    switch (r.kind) {
      case 'events':
        b.events += r.count;
        break;
      case 'device_class':
        b.deviceClasses[r.key] = (b.deviceClasses[r.key] ?? 0) + r.count;
        break;
      case 'prediction':
        b.predictions[r.key] = (b.predictions[r.key] ?? 0) + r.count;
        break;
      case 'error':
        b.errors[r.key] = (b.errors[r.key] ?? 0) + r.count;
        break;
      case 'signal':
        b.signals[r.key] = setBin(b.signals[r.key] ?? [], r.bin, r.count);
        break;
      case 'latency': {
        const histograms = latency.get(b)!;
        histograms.set(r.key, setBin(histograms.get(r.key) ?? [], r.bin, r.count));
        break;
      }
    }
  }
  for (const [b, histograms] of latency) {
    b.latencyMs = [...histograms].map(([key, counts]) => {
      const edges = key.split(',').map(Number);
      return { edges, counts: Array.from({ length: edges.length - 1 }, (_, i) => counts[i] ?? 0) };
    });
  }
  return [...buckets.values()];
}

function setBin(counts: number[], bin: number, count: number): number[] {
  while (counts.length <= bin) counts.push(0);
  counts[bin] += count;
  return counts;
}
