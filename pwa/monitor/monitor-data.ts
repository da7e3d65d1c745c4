/**
 * The Monitor page's arithmetic, free of the DOM: the time ranges and their buckets,
 * a signal's statistic over the buckets, the latest bucket with data, and the
 * telemetry summary's latency histograms and error counts summed over a range.
 */
import type { DriftReport, LatencyHistogram, SignalReport, TelemetrySummary } from './sync-types.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The time ranges the page offers, each cut into buckets (one drift query each). */
export const TIME_RANGES = [
  { id: 'hour', label: 'Last hour', bucketMs: 5 * MINUTE, buckets: 12 },
  { id: 'day', label: 'Last day', bucketMs: HOUR, buckets: 24 },
  { id: 'week', label: 'Last week', bucketMs: 6 * HOUR, buckets: 28 },
  { id: 'month', label: 'Last 30 days', bucketMs: DAY, buckets: 30 },
] as const;

export type TimeRangeId = (typeof TIME_RANGES)[number]['id'];

export interface Bucket {
  from: Date;
  to: Date;
}

/** The range's buckets, oldest first, on boundaries of the bucket size (UTC); the last one holds `now`. */
export function bucketsOf(range: TimeRangeId, now: number): Bucket[] {
  const spec = TIME_RANGES.find((r) => r.id === range);
  if (!spec) throw new RangeError(`unknown time range ${JSON.stringify(range)}`);
  const end = Math.floor(now / spec.bucketMs) * spec.bucketMs + spec.bucketMs;
  return Array.from({ length: spec.buckets }, (_, i) => {
    const from = end - (spec.buckets - i) * spec.bucketMs;
    return { from: new Date(from), to: new Date(from + spec.bucketMs) };
  });
}

/** A bucket's report, or `null` where the bucket held no window. */
export type BucketReport = { bucket: Bucket; report: DriftReport | null };

/** Reports with no window become `null`, so charts show a gap there rather than a zero. */
export function withData(bucket: Bucket, report: DriftReport): BucketReport {
  return { bucket, report: report.windows.total > 0 ? report : null };
}

export interface SignalSeries {
  /** Bucket middles, in Unix seconds (uPlot's x). */
  x: number[];
  statistic: Array<number | null>;
  threshold: Array<number | null>;
  status: Array<SignalReport['status'] | null>;
  method: SignalReport['method'] | undefined;
  /** Buckets where the signal has a statistic. */
  points: number;
}

/** One signal's statistic and threshold per bucket (`null` where the bucket has no data or the signal too few counts). */
export function signalSeries(buckets: readonly BucketReport[], name: string): SignalSeries {
  const out: SignalSeries = { x: [], statistic: [], threshold: [], status: [], method: undefined, points: 0 };
  for (const { bucket, report } of buckets) {
    out.x.push((bucket.from.getTime() + bucket.to.getTime()) / 2000);
    const signal = report?.signals.find((s) => s.name === name);
    const judged = signal !== undefined && signal.status !== 'insufficient-data' && Number.isFinite(signal.statistic);
    out.statistic.push(judged ? signal.statistic : null);
    out.threshold.push(judged ? signal.threshold : null);
    out.status.push(signal?.status ?? null);
    if (judged) {
      out.points++;
      out.method ??= signal.method;
    }
  }
  return out;
}

/** The newest bucket that holds a window, or undefined when none does. */
export function latestWithData(buckets: readonly BucketReport[]): { bucket: Bucket; report: DriftReport } | undefined {
  for (let i = buckets.length - 1; i >= 0; i--) {
    const { bucket, report } = buckets[i]!;
    if (report) return { bucket, report };
  }
  return undefined;
}

/** The signals worth looking at first: drifting ones (largest statistic over threshold first), then the rest by name. */
export function rankSignals(signals: readonly SignalReport[]): SignalReport[] {
  const severity = (s: SignalReport) => (s.status === 'drift' ? 2 : s.status === 'ok' ? 1 : 0);
  const excess = (s: SignalReport) => (s.method === 'chi-square' ? -s.statistic : s.statistic / (s.threshold || 1));
  return [...signals].sort((a, b) => severity(b) - severity(a) || excess(b) - excess(a) || a.name.localeCompare(b.name));
}

export interface UsageTotals {
  /** Summed per distinct set of edges, the largest first. */
  latency: LatencyHistogram[];
  /** Error counts by code, the largest first. */
  errors: Array<{ code: string; count: number }>;
  events: number;
}

/** Sums the summary's hourly buckets: latency histograms (per set of edges) and errors. */
export function usageTotals(summary: TelemetrySummary): UsageTotals {
  const latency = new Map<string, LatencyHistogram>();
  const errors = new Map<string, number>();
  let events = 0;
  for (const hour of summary.buckets) {
    events += hour.events;
    for (const h of hour.latencyMs) {
      const key = h.edges.join(',');
      const sum = latency.get(key) ?? { edges: h.edges, counts: new Array<number>(h.counts.length).fill(0) };
      h.counts.forEach((n, i) => (sum.counts[i] = (sum.counts[i] ?? 0) + n));
      latency.set(key, sum);
    }
    for (const [code, n] of Object.entries(hour.errors)) errors.set(code, (errors.get(code) ?? 0) + n);
  }
  const total = (h: LatencyHistogram) => h.counts.reduce((a, b) => a + b, 0);
  return {
    latency: [...latency.values()].sort((a, b) => total(b) - total(a)),
    errors: [...errors].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    events,
  };
}

/** A number short enough for a bin label: 3 significant digits, no exponent for everyday sizes. */
export function shortNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** The bins' labels from their edges: `a–b` for each of `edges.length - 1` bins; whole-number class bins (−0.5…0.5) read as the class. */
export function binLabels(edges: readonly number[], unit = ''): string[] {
  const classes = edges.length > 1 && edges.every((e) => Math.abs(e - Math.round(e) - 0.5) < 1e-9 || Math.abs(e - Math.round(e) + 0.5) < 1e-9);
  return edges.slice(0, -1).map((lo, i) => (classes ? String(Math.round(lo + 0.5)) : `${shortNumber(lo)}–${shortNumber(edges[i + 1]!)}${unit}`));
}
