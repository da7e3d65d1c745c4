import { describe, expect, it } from 'vitest';
import { mergeIncrements, takeGroup } from './telemetry-groups.ts';

/** A queued batch with `cells` aggregate cells and `windows` drift windows (only their counts matter here). */
const queued = (cells: number, windows: number) => ({ batch: { aggregates: new Array(cells).fill({}), driftWindows: new Array(windows).fill({}) } });

describe('telemetry group commits', () => {
  it("take up to 64 batches of the bench's size at once", () => {
    const queue = Array.from({ length: 100 }, () => queued(27, 50));
    expect(takeGroup(queue)).toHaveLength(64);
    expect(takeGroup(queue)).toHaveLength(36);
    expect(queue).toHaveLength(0);
  });

  it('stop before a statement would carry more than 20,000 rows, but always take one batch', () => {
    const queue = [queued(20_000, 500), queued(100, 50), queued(9_000, 0), queued(9_000, 0), queued(5_000, 0)];
    expect(takeGroup(queue)).toHaveLength(1);
    expect(takeGroup(queue)).toHaveLength(3);
    expect(takeGroup(queue)).toHaveLength(1);
    expect(takeGroup(queue)).toHaveLength(0);
  });

  it('merge the batches\u2019 increments into one per cell, summed, in primary-key order', () => {
    const cell = (key: string, bin: number, count: number, hour = '2026-11-23T16:00:00.000Z') => ({ model: 'm', version: '1.0.0', hour, kind: 'signal', key, bin, count });
    const merged = mergeIncrements([
      [cell('b', 0, 1), cell('a', 1, 2)],
      [cell('a', 1, 3), cell('a', 0, 4), cell('a', 0, 5, '2026-11-23T15:00:00.000Z')],
    ]);
    expect(merged.map((c) => [c.hour.slice(11, 13), c.key, c.bin, c.count])).toEqual([
      ['15', 'a', 0, 5],
      ['16', 'a', 0, 4],
      ['16', 'a', 1, 5],
      ['16', 'b', 0, 1],
    ]);
  });
});
