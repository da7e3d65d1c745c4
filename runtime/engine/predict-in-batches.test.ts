import { describe, expect, it } from 'vitest';
import { concatRows, predictInBatches } from './predict-in-batches.ts';
import type { TensorData } from './types.ts';

/** A "model" that sums each row of width 2 and records its batch sizes. */
function summing(batches: number[]) {
  return async (x: TensorData): Promise<TensorData> => {
    const rows = x.shape[0]!;
    batches.push(rows);
    return { data: Float32Array.from({ length: rows }, (_, r) => x.data[2 * r]! + x.data[2 * r + 1]!), shape: [rows, 1] };
  };
}

describe('predictInBatches', () => {
  it.each([
    [5, 2, [2, 2, 1]],
    [4, 4, [4]],
    [3, 256, [3]],
    [0, 8, []],
  ])('%i rows in batches of %i', async (rows, batchSize, expectedBatches) => {
    const input = { data: Float32Array.from({ length: rows * 2 }, (_, i) => i), shape: [rows, 2] };
    const batches: number[] = [];
    const progress: number[] = [];
    const out = await predictInBatches(summing(batches), input, { batchSize, onBatch: (_, p) => progress.push(p.done) });
    expect(batches).toEqual(expectedBatches);
    // With no rows, nothing ran: the output width is unknown.
    expect(out.shape).toEqual(rows > 0 ? [rows, 1] : [0]);
    expect([...out.data]).toEqual(Array.from({ length: rows }, (_, r) => 4 * r + 1));
    expect(progress.at(-1) ?? 0).toBe(rows);
  });

  it('refuses a bad batch size and a shape that does not match the data', async () => {
    const input = { data: new Float32Array(4), shape: [2, 2] };
    await expect(predictInBatches(summing([]), input, { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(predictInBatches(summing([]), { data: new Float32Array(3), shape: [2, 2] })).rejects.toThrow(/needs 4/);
  });

  it('concatRows stacks along the first dimension', () => {
    const out = concatRows([{ data: Float32Array.of(1, 2), shape: [1, 2] }, { data: Float32Array.of(3, 4, 5, 6), shape: [2, 2] }]);
    expect(out).toEqual({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] });
  });
});
