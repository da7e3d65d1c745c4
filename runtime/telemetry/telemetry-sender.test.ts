import { describe, expect, it } from 'vitest';
import type { DriftEvent } from './drift-event.ts';
import { fitsOneBatch } from './telemetry-sender.ts';

const event = (hour: number, bins = 10, signals = 1): DriftEvent => ({
  type: 'drift',
  model: 'm',
  version: '1.0.0',
  windowStart: new Date(Date.UTC(2026, 11, 1, hour)).toISOString(),
  windowEnd: new Date(Date.UTC(2026, 11, 1, hour, 30)).toISOString(),
  signals: Object.fromEntries(Array.from({ length: signals }, (_, s) => [`s${s}`, new Array<number>(bins).fill(1)])),
  predictions: { 0: 1, 1: 2 },
  latencyMs: { edges: [0, 1, 2], counts: [1, 1] },
  errors: {},
});

describe("fitsOneBatch (the endpoint's per-batch limits)", () => {
  it('takes windows from at most 24 distinct hours', () => {
    expect(fitsOneBatch(Array.from({ length: 24 }, (_, h) => event(h)))).toBe(true);
    expect(fitsOneBatch(Array.from({ length: 25 }, (_, h) => event(h)))).toBe(false);
    // Many windows of one hour share their cells.
    expect(fitsOneBatch(Array.from({ length: 500 }, () => event(3)))).toBe(true);
    expect(fitsOneBatch(Array.from({ length: 501 }, () => event(3)))).toBe(false);
  });

  it('keeps the aggregate cells (hour × signal bin, class, latency bin…) at most 20,000', () => {
    // 64 signals × 100 bins = 6,400 cells an hour: three hours fit, four do not.
    expect(fitsOneBatch([0, 1, 2].map((h) => event(h, 100, 64)))).toBe(true);
    expect(fitsOneBatch([0, 1, 2, 3].map((h) => event(h, 100, 64)))).toBe(false);
  });
});
