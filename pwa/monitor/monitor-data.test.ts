import { describe, expect, it } from 'vitest';
import { binLabels, bucketsOf, latestWithData, rankSignals, signalSeries, usageTotals, withData } from './monitor-data.ts';
import type { DriftReport, SignalReport } from './sync-types.ts';

const signal = (name: string, status: SignalReport['status'], statistic: number, method: SignalReport['method'] = 'jensen-shannon'): SignalReport => ({
  name, kind: 'binned', method, statistic, threshold: method === 'chi-square' ? 0.05 : 0.1, jsDistance: statistic, psi: 0, pValue: null,
  sampleSize: status === 'insufficient-data' ? 10 : 500, baselineSize: 1000, status, edges: [0, 1, 2], field: [1, 2], baseline: [2, 1],
});

const report = (total: number, signals: SignalReport[]): DriftReport => ({
  model: 'm', version: '1.0.0', deviceClass: null, from: '', to: '', status: 'ok', sampleSize: 0, drifted: 0, evaluated: 0,
  windows: { total, drift: 0, ok: total, insufficientData: 0 }, signals, series: [], alerts: [],
});

describe('bucketsOf', () => {
  it.each([
    ['hour', 12, 300_000],
    ['day', 24, 3_600_000],
    ['week', 28, 21_600_000],
    ['month', 30, 86_400_000],
  ] as const)('%s: %i aligned, consecutive buckets ending after now', (range, n, size) => {
    const now = Date.parse('2026-11-23T17:42:10Z');
    const buckets = bucketsOf(range, now);
    expect(buckets).toHaveLength(n);
    for (const [i, b] of buckets.entries()) {
      expect(b.to.getTime() - b.from.getTime()).toBe(size);
      expect(b.from.getTime() % size).toBe(0);
      if (i > 0) expect(b.from.getTime()).toBe(buckets[i - 1]!.to.getTime());
    }
    expect(buckets.at(-1)!.from.getTime()).toBeLessThanOrEqual(now);
    expect(buckets.at(-1)!.to.getTime()).toBeGreaterThan(now);
  });
  it('refuses an unknown range', () => expect(() => bucketsOf('year' as never, 0)).toThrow(RangeError));
});

describe('signalSeries and latestWithData', () => {
  const buckets = bucketsOf('hour', Date.parse('2026-11-23T17:42:10Z'));
  const reports = buckets.map((b, i) =>
    withData(b, i === 3 ? report(1, [signal('a', 'ok', 0.05)]) : i === 7 ? report(2, [signal('a', 'drift', 0.3)]) : i === 9 ? report(1, [signal('a', 'insufficient-data', Number.NaN)]) : report(0, [])),
  );
  it('has a point only where the signal was judged, and gaps elsewhere', () => {
    const s = signalSeries(reports, 'a');
    expect(s.x).toHaveLength(12);
    expect(s.points).toBe(2);
    expect(s.statistic[3]).toBe(0.05);
    expect(s.statistic[7]).toBe(0.3);
    expect(s.statistic[9]).toBeNull();
    expect(s.status[9]).toBe('insufficient-data');
    expect(s.threshold.filter((t) => t !== null)).toEqual([0.1, 0.1]);
  });
  it('the latest bucket with a window', () => expect(latestWithData(reports)?.bucket).toBe(buckets[9]));
  it('none when no bucket has a window', () => expect(latestWithData(buckets.map((b) => withData(b, report(0, []))))).toBeUndefined());
});

describe('rankSignals', () => {
  it('puts drift first, the largest excess first, then ok, then too little data', () => {
    const ranked = rankSignals([signal('ok1', 'ok', 0.02), signal('few', 'insufficient-data', 0), signal('d1', 'drift', 0.2), signal('d2', 'drift', 0.5), signal('p', 'drift', 0.001, 'chi-square')]);
    expect(ranked.map((s) => s.name)).toEqual(['d2', 'd1', 'p', 'ok1', 'few']);
  });
});

describe('usageTotals', () => {
  it('sums latency per set of edges and errors per code over the hours', () => {
    const hour = (counts: number[], errors: Record<string, number>) => ({ model: 'm', version: '1', hour: '', events: 2, deviceClasses: {}, predictions: {}, latencyMs: [{ edges: [1, 2, 5], counts }], errors });
    const totals = usageTotals({ buckets: [hour([1, 2], { A: 1 }), hour([3, 4], { A: 2, B: 5 })] });
    expect(totals.latency).toEqual([{ edges: [1, 2, 5], counts: [4, 6] }]);
    expect(totals.errors).toEqual([{ code: 'B', count: 5 }, { code: 'A', count: 3 }]);
    expect(totals.events).toBe(4);
  });
});

describe('binLabels', () => {
  it('reads class bins as the class', () => expect(binLabels([-0.5, 0.5, 1.5, 2.5])).toEqual(['0', '1', '2']));
  it('reads other bins as ranges', () => expect(binLabels([1, 2, 5], ' ms')).toEqual(['1–2 ms', '2–5 ms']));
  it('keeps tiny edges short', () => expect(binLabels([0.0296466, 0.0788748])).toEqual(['0.0296–0.0789']));
});
