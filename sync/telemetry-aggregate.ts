/**
 * Telemetry events → aggregate cells (per model, version and hour) and back: a batch
 * is summed in memory into one increment per cell before it reaches the store, and
 * the summary API folds the stored cells into one bucket per model version and hour.
 */
import type { DriftEvent } from '../format/index.ts';
import type { TelemetryLimits } from './config.ts';

export type { DriftEvent };
import { dateTimeMs, hourStartOf } from './date-time.ts';
import { SyncError } from './errors.ts';
import type { AggregateIncrement, AggregateRow } from './store/store.ts';


/** The telemetry body as the schema admits it. */
export interface TelemetryBody {
  schema: 1;
  batchId: string;
  deviceId: string;
  sentAt: string;
  dropped?: number;
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

/** A count map as the summary answers it: no prototype, so any key (`constructor`, `__proto__`) is only a key. */
function countMap(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
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

/** The cell budget of one batch: every new cell counts, and the batch is refused past the limit. */
class CellBudget {
  #cells = 0;
  constructor(readonly limit: number) {}

  take(): void {
    if (++this.#cells > this.limit) {
      throw new SyncError('PAYLOAD_TOO_LARGE', `the batch sums into more than ${this.limit} aggregate cells (model version × hour × signal bin, class, error…); send fewer hours, signals or bins per batch`, {
        details: { limit: 'maxCellsPerBatch', max: this.limit },
      });
    }
  }
}

function addTo(group: Group, budget: CellBudget, kind: string, key: string, bin: number, count: number): void {
  let byKey = group.cells.get(kind);
  if (byKey === undefined) group.cells.set(kind, (byKey = new Map()));
  let bins = byKey.get(key);
  if (bins === undefined) byKey.set(key, (bins = []));
  while (bins.length <= bin) {
    budget.take();
    bins.push(0);
  }
  bins[bin] += count;
}

/** Checks one event's bounds that the schema cannot express, before any of it is summed. */
function checkEvent(e: DriftEvent, at: string, limits: TelemetryLimits): { start: number } {
  const start = dateTimeMs(e.windowStart, `${at}.windowStart`);
  if (dateTimeMs(e.windowEnd, `${at}.windowEnd`) < start) {
    throw new SyncError('BAD_REQUEST', `${at}.windowEnd is before ${at}.windowStart`, { details: { field: `${at}.windowEnd` } });
  }
  let bins = 0;
  if (e.signals) for (const counts of Object.values(e.signals)) bins += counts.length;
  if (bins > limits.maxBinsPerEvent) {
    throw new SyncError('BAD_REQUEST', `${at}.signals hold ${bins} bins in all; an event may hold at most ${limits.maxBinsPerEvent} (signals × bins)`, {
      details: { field: `${at}.signals`, limit: 'maxBinsPerEvent', max: limits.maxBinsPerEvent },
    });
  }
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
  }
  return { start };
}

/**
 * Sums a batch into one increment per cell, after checking what the schema cannot
 * express: window order, the per-event bin limit, the distinct hours and the cells the
 * batch may create (`limits`). Every check runs before the store sees anything, so a
 * refused batch writes nothing. Events are grouped by model, version and hour first,
 * then summed per kind and key into bin arrays (no per-cell string keys).
 * @throws SyncError `BAD_REQUEST` naming the event field; `PAYLOAD_TOO_LARGE` past a batch limit.
 */
export function aggregateEvents(events: readonly DriftEvent[], limits: TelemetryLimits): AggregateIncrement[] {
  const starts = events.map((e, i) => checkEvent(e, `events[${i}]`, limits).start);
  const hours = new Map<number, string>();
  for (const start of starts) {
    const hourMs = Math.floor(start / HOUR_MS) * HOUR_MS;
    if (!hours.has(hourMs)) hours.set(hourMs, hourStartOf(hourMs));
  }
  if (hours.size > limits.maxHoursPerBatch) {
    throw new SyncError('PAYLOAD_TOO_LARGE', `the batch's events start in ${hours.size} distinct hours; a batch may span at most ${limits.maxHoursPerBatch}; send the older hours in their own batches`, {
      details: { field: 'events', limit: 'maxHoursPerBatch', max: limits.maxHoursPerBatch },
    });
  }
  const budget = new CellBudget(limits.maxCellsPerBatch);
  const groups = new Map<string, Group>();
  events.forEach((e, i) => {
    const hour = hours.get(Math.floor(starts[i] / HOUR_MS) * HOUR_MS)!;
    const id = `${e.model}\u0000${e.version}\u0000${hour}`;
    let g = groups.get(id);
    if (g === undefined) {
      budget.take();
      groups.set(id, (g = { model: e.model, version: e.version, hour, events: 0, cells: new Map() }));
    }
    g.events++;
    if (e.deviceClass !== undefined) addTo(g, budget, 'device_class', e.deviceClass, 0, 1);
    if (e.predictions) for (const [label, n] of Object.entries(e.predictions)) addTo(g, budget, 'prediction', label, 0, n);
    if (e.signals) for (const [signal, counts] of Object.entries(e.signals)) counts.forEach((n, bin) => addTo(g, budget, 'signal', signal, bin, n));
    if (e.errors) for (const [code, n] of Object.entries(e.errors)) addTo(g, budget, 'error', code, 0, n);
    if (e.latencyMs !== undefined) {
      const key = e.latencyMs.edges.join(',');
      e.latencyMs.counts.forEach((n, bin) => addTo(g, budget, 'latency', key, bin, n));
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

/**
 * Folds stored cells (sorted by model, version, hour) into summary buckets. Keys are
 * data: they are summed in `Map`s and answered in prototype-less objects, so a key
 * named like an `Object` member (a row stored before the key rule, too) is only a key.
 */
export function summarize(rows: readonly AggregateRow[]): SummaryBucket[] {
  const buckets = new Map<string, SummaryBucket>();
  const signals = new Map<SummaryBucket, Map<string, number[]>>();
  const latency = new Map<SummaryBucket, Map<string, number[]>>();
  for (const r of rows) {
    const id = `${r.model}\u0000${r.version}\u0000${r.hour}`;
    let b = buckets.get(id);
    if (!b) {
      b = { model: r.model, version: r.version, hour: r.hour, events: 0, deviceClasses: countMap(), predictions: countMap(), signals: {}, latencyMs: [], errors: countMap() };
      buckets.set(id, b);
      signals.set(b, new Map());
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
        addBin(signals.get(b)!, r.key, r.bin, r.count);
        break;
      case 'latency':
        addBin(latency.get(b)!, r.key, r.bin, r.count);
        break;
    }
  }
  for (const b of buckets.values()) {
    b.signals = Object.create(null) as Record<string, number[]>;
    for (const [key, counts] of signals.get(b)!) b.signals[key] = counts;
    b.latencyMs = [...latency.get(b)!].map(([key, counts]) => {
      const edges = key.split(',').map(Number);
      return { edges, counts: Array.from({ length: edges.length - 1 }, (_, i) => counts[i] ?? 0) };
    });
  }
  return [...buckets.values()];
}

function addBin(sums: Map<string, number[]>, key: string, bin: number, count: number): void {
  let counts = sums.get(key);
  if (counts === undefined) sums.set(key, (counts = []));
  while (counts.length <= bin) counts.push(0);
  counts[bin] += count;
}
