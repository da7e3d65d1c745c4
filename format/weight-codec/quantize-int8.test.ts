import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

/** A [rows, channels] Dense-style kernel whose channel `outlier` is 100× larger. */
function kernelWithOutlierChannel(rows: number, channels: number, outlier: number): Float32Array {
  const random = createSeededRandom(11);
  const values = new Float32Array(rows * channels);
  for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * (i % channels === outlier ? 100 : 1);
  return values;
}

function maxErrorOnChannels(values: Float32Array, back: Float32Array, channels: number, keep: (c: number) => boolean): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) if (keep(i % channels)) worst = Math.max(worst, Math.abs(values[i] - back[i]));
  return worst;
}

describe('int8 quantizers', () => {
  it('per-channel keeps the normal channels far more accurate than per-tensor next to an outlier channel', () => {
    const values = kernelWithOutlierChannel(64, 8, 3);
    const perChannel = dequantizeTensor(quantizeTensor(values, [64, 8], 'int8-per-channel'));
    const perTensor = dequantizeTensor(quantizeTensor(values, [64, 8], 'int8-per-tensor'));
    const normal = (c: number) => c !== 3;
    const channelError = maxErrorOnChannels(values, perChannel, 8, normal);
    const tensorError = maxErrorOnChannels(values, perTensor, 8, normal);
    expect(channelError).toBeLessThan(tensorError / 20);
    expect(channelError).toBeLessThanOrEqual(1 / 127 / 2 + 1e-7);
  });

  it('maps ±max|x| to ±127 and never produces −128', () => {
    const q = quantizeTensor(Float32Array.of(-2, -1, 0, 0.5, 2), [5], 'int8-per-tensor');
    expect(Array.from(new Int8Array(q.data.buffer))).toEqual([-127, -64, 0, 32, 127]);
    expect(q.scales[0]).toBe(Math.fround(2 / 127));
  });

  it('gives an all-zero channel scale 1 and decodes it to exact zeros', () => {
    const q = quantizeTensor(Float32Array.of(0, 1, 0, -3), [2, 2], 'int8-per-channel');
    expect(q.axis).toBe(1);
    expect(Array.from(q.scales)).toEqual([1, Math.fround(3 / 127)]);
    expect(Array.from(dequantizeTensor(q)).map((v) => v === 0)).toEqual([true, false, true, false]);
  });

  it.each([
    { label: 'straddling 0', values: [-1, 0, 1, 3], scale: 4 / 255, zeroPoint: 64 },
    { label: 'all positive: the range widens to 0', values: [0.5, 1, 2], scale: 2 / 255, zeroPoint: 0 },
    { label: 'all negative: the range widens to 0', values: [-2, -1, -0.5], scale: 2 / 255, zeroPoint: 255 },
    { label: 'all zero', values: [0, 0], scale: 1, zeroPoint: 0 },
  ])('uint8-per-tensor: zero point for $label', ({ values, scale, zeroPoint }) => {
    const q = quantizeTensor(Float32Array.from(values), [values.length], 'uint8-per-tensor');
    expect(q.scales[0]).toBe(Math.fround(scale));
    expect(Array.from(q.zeroPoints ?? [])).toEqual([zeroPoint]);
    // 0.0 is exactly representable, and tfjs's own reading (q × scale + min) agrees with ours.
    const back = dequantizeTensor(quantizeTensor(Float32Array.of(...values, 0), [values.length + 1], 'uint8-per-tensor'));
    expect(back[values.length]).toBe(0);
    const min = -zeroPoint * q.scales[0];
    Array.from(q.data).forEach((code, i) => expect(code * q.scales[0] + min).toBeCloseTo(dequantizeTensor(q)[i], 6));
  });
});
