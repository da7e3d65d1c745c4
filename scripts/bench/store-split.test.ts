import { describe, expect, it } from 'vitest';
import type { StoreTiming } from '../../pwa/bench-store.ts';
import { medianSplit, storeEntry, storeTables } from './store-split.ts';

const timing = (from: StoreTiming['from'], ms: number, parts: Partial<StoreTiming> = {}): StoreTiming => ({
  from,
  ms,
  bytesMs: 0,
  engineMs: 0,
  firstRunMs: 0,
  otherMs: 0,
  bytes: 100,
  artifact: 'tfjs-fp32',
  ...parts,
});

describe('store benchmark arithmetic', () => {
  it('splits each part by its own median', () => {
    const split = medianSplit([timing('store', 100, { bytesMs: 10, engineMs: 50 }), timing('store', 300, { bytesMs: 30, engineMs: 40 }), timing('store', 200, { bytesMs: 20, engineMs: 60 })]);
    expect(split).toEqual({ total_ms: 200, bytes_ms: 20, engine_ms: 50, first_run_ms: 0, other_ms: 0 });
  });

  it('warm_vs_floor divides the medians; the paired figure takes each round on its own', () => {
    // Round 2 ran on a slow machine for both sides: the paired ratio is not moved by it.
    const cache = [timing('store', 110), timing('store', 330), timing('store', 120)];
    const floor = [timing('memory', 100), timing('memory', 300), timing('memory', 100)];
    const network = [timing('network', 400)];
    const fast4g = [timing('network', 1000)];
    const entry = storeEntry('m', 'tfjs-fp32', 100, { network, cache, floor, fast4g, offline: cache });
    expect(entry.warm_vs_floor).toBe(1.2);
    expect(entry.warm_vs_floor_paired).toBe(1.1);
    expect(entry.cache_vs_fast4g).toBe(0.12);
    expect(entry.cache_vs_network).toBe(0.3);
    expect(storeTables([entry])).toContain('| m | 100 | 120 | 100 | 400 | 1000 | 120 | 1.200 | 1.100 | yes | 0.120 | yes | 0.300 |');
  });

  it('an empty side is an error, not a zero', () => {
    expect(() => medianSplit([])).toThrow(RangeError);
  });
});
