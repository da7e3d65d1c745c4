/** The `--check` input and comparison rules (the page runs the same code in Chromium). */
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../format/index.ts';
import { activate, checkInputs, checkShape, compareOutputs } from './check-inputs.ts';

const base = { format: 'edgeloop/1', name: 'm', version: '1.0.0', createdAt: '2026-01-01T00:00:00Z', artifacts: [], metrics: {} } as const;

describe('check inputs', () => {
  it('feeds an image classifier 0–255 pixels and the raw engine the same after the manifest preprocessing', () => {
    const manifest = {
      ...base,
      task: 'image-classification',
      input: { name: 'x', shape: [-1, 3, -1, -1], dtype: 'float32', layout: 'NCHW', preprocessing: { resize: { width: 5, height: 4 }, scale: 1 / 255, mean: [0.5, 0, 1], std: [0.5, 1, 2] } },
      output: { name: 'y', shape: [-1, 2], activation: 'softmax' },
    } as unknown as Manifest;
    const { edgeloop, raw } = checkInputs(manifest, 3);
    const single = edgeloop as { data: Float32Array; shape: number[] };
    expect(single.shape).toEqual([1, 3, 4, 5]);
    expect(single.data.every((v) => Number.isInteger(v) && v >= 0 && v < 256)).toBe(true);
    const prepared = raw.x!.data as Float32Array;
    // Element 20 is channel 1 (NCHW, 4×5 planes): (v/255 − 0) / 1.
    expect(prepared[0]).toBeCloseTo((single.data[0]! / 255 - 0.5) / 0.5, 6);
    expect(prepared[20]).toBeCloseTo(single.data[20]! / 255, 6);
    expect(prepared[45]).toBeCloseTo((single.data[45]! / 255 - 1) / 2, 6);
    expect(checkInputs(manifest, 3).raw.x!.data).toEqual(prepared);
  });

  it('feeds a tensor model by name: zeros for state, the values and shapes the user fixed, seeded ints', () => {
    const manifest = {
      ...base,
      task: 'tensor',
      input: { name: 'input', shape: [-1, -1], dtype: 'float32' },
      inputs: [
        { name: 'input', shape: [-1, -1], dtype: 'float32' },
        { name: 'state', shape: [2, 1, 4], dtype: 'float32', state: { from: 'stateN' } },
        { name: 'sr', shape: [], dtype: 'int64' },
        { name: 'ids', shape: [-1, -1], dtype: 'int32' },
      ],
      output: { name: 'y', shape: [-1, 1], activation: 'none' },
    } as unknown as Manifest;
    const { edgeloop, raw } = checkInputs(manifest, 1, { shapes: { input: [1, 512] }, values: { sr: 16000 }, dynamicSize: 7 });
    const named = edgeloop as Record<string, { data: ArrayLike<number | bigint>; shape: number[] }>;
    expect(Object.fromEntries(Object.entries(named).map(([k, v]) => [k, v.shape]))).toEqual({ input: [1, 512], state: [2, 1, 4], sr: [], ids: [1, 7] });
    expect(Array.from(named.state!.data)).toEqual(new Array(8).fill(0));
    expect(named.sr!.data).toEqual(BigInt64Array.of(16000n));
    expect(Array.from(named.ids!.data as Int32Array).every((v) => v >= 0 && v < 10)).toBe(true);
    expect(raw.input!.data).toBe(named.input!.data);
  });

  it('feeds a tensor input its manifest warm-up unless told otherwise', () => {
    const input = { name: 'input', shape: [-1, -1], dtype: 'float32', warmup: { shape: [1, 512] } };
    const sr = { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 8000 } };
    const manifest = { ...base, task: 'tensor', input, inputs: [input, sr], output: { name: 'y', shape: [-1, 1], activation: 'none' } } as unknown as Manifest;
    const named = checkInputs(manifest, 1).edgeloop as Record<string, { data: ArrayLike<number | bigint>; shape: number[] }>;
    expect([named.input!.shape, named.sr!.data]).toEqual([[1, 512], BigInt64Array.of(8000n)]);
    const told = checkInputs(manifest, 1, { values: { sr: 16000 } }).edgeloop as typeof named;
    expect(told.sr!.data).toEqual(BigInt64Array.of(16000n));
  });

  it('uses the declared image size, else the dynamic size', () => {
    expect(checkShape({ name: 'x', shape: [-1, -1, -1, 3], dtype: 'float32', layout: 'NHWC' }, 9)).toEqual([1, 9, 9, 3]);
    expect(checkShape({ name: 'x', shape: [-1, 8, 6, 1], dtype: 'float32', layout: 'NHWC' }, 9)).toEqual([1, 8, 6, 1]);
  });
});

describe('check comparison', () => {
  it('applies softmax per row and compares by name, naming the worst output', () => {
    const p = activate('softmax', Float64Array.of(0, Math.log(3), 5, 5), 2);
    [0.25, 0.75, 0.5, 0.5].forEach((expected, i) => expect(p[i]).toBeCloseTo(expected, 12));
    const a = { y: Float64Array.of(0.1, 0.9), s: Float64Array.of(1, 2) };
    const result = compareOutputs(a, { y: Float64Array.of(0.2, 0.8), s: Float64Array.of(1, 4) }, 2);
    expect(result).toMatchObject({ worstOutput: 's', top1Agree: true, perOutput: { y: expect.closeTo(0.1, 9), s: 2 } });
    expect(compareOutputs(a, { y: Float64Array.of(0.9, 0.1), s: Float64Array.of(1, 2) }, 2).top1Agree).toBe(false);
    expect(compareOutputs(a, { y: Float64Array.of(0.1) }, 2)).toMatchObject({ maxAbsDiff: Infinity, top1Agree: false });
  });
});
