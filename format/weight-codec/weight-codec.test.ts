/**
 * Table-driven cases of the weight-quantization codec (docs/PACKAGE-FORMAT.md, "Weight
 * quantization"): each row is an input and the exact numbers or bytes it must give.
 */
import { describe, expect, it } from 'vitest';
import { decodeEdgeloopWeight, edgeloopEntryLayout, encodeEdgeloopWeight, type EdgeloopWeightQuantization } from './edgeloop-quantization.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from './quantize-fp16.ts';
import { packInt4, quantizeInt4Block, unpackInt4 } from './quantize-int4.ts';
import { quantizeInt8PerChannel, quantizeInt8PerTensor, quantizeUint8PerTensor } from './quantize-int8.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { roundHalfEven } from './round-half-even.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('fp16 bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [1e6, 0x7bff], // finite overflow saturates
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // a tie, to even
    [1 + 2 ** -11, 0x3c00], // a tie, to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%d → 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it.each([
    [0x3c00, 1],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x7bff, 65504],
    [0xfc00, -Infinity],
  ])('0x%s → %d', (bits, value) => {
    expect(float16BitsToFloat32(bits)).toBe(value);
  });

  it('decodes NaN as NaN', () => {
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float32ToFloat16Bits(NaN)).toBe(0x7e00);
  });
});

describe('roundHalfEven', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, 0],
    [-1.5, -2],
    [2.4999, 2],
    [2.5001, 3],
  ])('%d → %d', (x, y) => expect(roundHalfEven(x)).toBe(y));
});

describe('integer quantizers', () => {
  it.each([
    ['int8-per-tensor', () => quantizeInt8PerTensor(Float32Array.of(-1.27, 0.635, 0, 1.27), [4]), [-127, 64, 0, 127], [0.01]],
    // Columns of a [2, 2] kernel: peaks 2 and 0 (an all-zero channel gets scale 1).
    ['int8-per-channel', () => quantizeInt8PerChannel(Float32Array.of(2, 0, -1, 0), [2, 2], -1), [127, 0, -64, 0], [2 / 127, 1]],
    // One block of 4 along axis 0 with peak 7: scale 1, codes are the values, ties to even.
    ['int4-block', () => quantizeInt4Block(Float32Array.of(7, -2.5, 0.5, -7), [4], 0, 4), [7, -2, 0, -7], [1]],
  ])('%s gives the expected codes and scales', (_scheme, run, codes, scales) => {
    const q = run();
    const signed = q.scheme === 'int4-block' ? Array.from(unpackInt4(q.data, codes.length)) : Array.from(new Int8Array(q.data.buffer));
    expect(signed).toEqual(codes);
    Array.from(q.scales).forEach((s, i) => expect(s).toBeCloseTo(scales[i], 7));
  });

  it('uint8-per-tensor keeps 0 exact with a zero point', () => {
    const q = quantizeUint8PerTensor(Float32Array.of(-1, 0, 1.55), [3]);
    expect(q.zeroPoints?.[0]).toBe(100);
    expect(Array.from(q.data)).toEqual([0, 100, 255]);
    expect(dequantizeTensor(q)[1]).toBe(0);
  });

  it.each([
    [[0, 1, -1, 7, -8], '107f08'],
    [[-1], '0f'],
    [[1, 2, 3, 4], '2143'],
  ])('packs int4 codes %j as %s, lower index in the low nibble', (codes, packed) => {
    const bytes = packInt4(Int8Array.from(codes));
    expect(hex(bytes)).toBe(packed);
    expect(Array.from(unpackInt4(bytes, codes.length))).toEqual(codes);
  });
});

describe('edgeloopQuantization entries', () => {
  // A [2, 2] kernel whose columns have peaks 0.5 × 127 and 2 × 127: float16 scales 0.5 and 2.
  const values = Float32Array.of(63.5, -2, -63.5, 254);
  const q = quantizeTensor(values, [2, 2], 'int8-per-channel', { axis: -1 });
  const halfScaled = { ...q, scales: Float32Array.of(0.5, 2) };

  it.each([
    ['float32 scales', q, {}, { scheme: 'int8-per-channel', byteLength: 12, scaleCount: 2, axis: 1 }, '0000003f00000040' + '7fff817f'],
    ['float16 scales', halfScaled, { scaleDtype: 'float16' as const }, { scheme: 'int8-per-channel', byteLength: 8, scaleCount: 2, axis: 1, scaleDtype: 'float16' }, '00380040' + '7fff817f'],
    [
      'an int4 view of a [2, 1, 1, 2] kernel',
      quantizeInt4Block(Float32Array.of(7, -1, -7, 1), [2, 2], 0, 32),
      { weightShape: [2, 1, 1, 2] },
      { scheme: 'int4-block', byteLength: 10, scaleCount: 2, axis: 0, blockSize: 32, viewShape: [2, 2] },
      // Scales 1 and 1/7 (float32 0x3e124925), then codes [7, −7, −7, 7].
      '0000803f' + '2549123e' + '9779',
    ],
  ])('encodes %s byte for byte and decodes them back', (_label, tensor, options, quantization, bytes) => {
    const encoded = encodeEdgeloopWeight(tensor, options);
    expect(encoded.quantization).toEqual(quantization);
    expect(hex(encoded.bytes)).toBe(bytes);
    const shape = 'weightShape' in options ? options.weightShape : tensor.shape;
    expect(Array.from(decodeEdgeloopWeight(shape, encoded.quantization, encoded.bytes))).toEqual(Array.from(dequantizeTensor(tensor)));
  });

  it.each<[string, readonly number[], EdgeloopWeightQuantization | Record<string, unknown>, RegExp]>([
    ['a byteLength that does not match', [2, 2], { scheme: 'int8-per-tensor', byteLength: 5, scaleCount: 1 }, /inconsistent/],
    ['a per-channel entry without an axis', [2, 2], { scheme: 'int8-per-channel', byteLength: 12, scaleCount: 2 }, /needs an axis/],
    ['an unknown scheme', [2, 2], { scheme: 'int3', byteLength: 8, scaleCount: 1 }, /unknown edgeloop scheme/],
    ['an unknown scaleDtype', [2, 2], { scheme: 'int8-per-tensor', byteLength: 8, scaleCount: 1, scaleDtype: 'bfloat16' }, /unknown scaleDtype/],
    ['a viewShape of another size', [2, 2], { scheme: 'int4-block', byteLength: 6, scaleCount: 2, axis: 0, blockSize: 32, viewShape: [2, 3] }, /viewShape/],
    ['int4 without a block size', [2, 2], { scheme: 'int4-block', byteLength: 10, scaleCount: 2, axis: 0 }, /blockSize/],
    ['a wrong scale count', [2, 2], { scheme: 'int8-per-channel', byteLength: 12, scaleCount: 1, axis: 1 }, /inconsistent/],
  ])('refuses %s with a RangeError', (_label, shape, quant, message) => {
    expect(() => edgeloopEntryLayout(shape, quant as EdgeloopWeightQuantization)).toThrow(RangeError);
    expect(() => edgeloopEntryLayout(shape, quant as EdgeloopWeightQuantization)).toThrow(message);
  });

  it('refuses float16 scales that are not float16 values, and the schemes tfjs stores itself', () => {
    expect(() => encodeEdgeloopWeight({ ...q, scales: Float32Array.of(0.1, 2) }, { scaleDtype: 'float16' })).toThrow(RangeError);
    expect(() => encodeEdgeloopWeight(quantizeTensor(values, [2, 2], 'fp16'))).toThrow(TypeError);
  });

  it('refuses an entry shorter than its byteLength', () => {
    const { quantization, bytes } = encodeEdgeloopWeight(q);
    expect(() => decodeEdgeloopWeight([2, 2], quantization, bytes.subarray(0, 11))).toThrow(RangeError);
  });
});
