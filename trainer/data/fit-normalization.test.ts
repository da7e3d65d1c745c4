import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { applyNormalization, fitNormalization, parseNormalization } from './fit-normalization.ts';
import { createSeededRandom } from './seeded-random.ts';
import { loadMnist } from './mnist-node.ts';

/** 500 rows × 3 features that drift with the row index (like data sorted by date). */
function driftingFeatures(): Float32Array {
  const random = createSeededRandom(11);
  const out = new Float32Array(500 * 3);
  for (let i = 0; i < 500; i++) {
    out[i * 3] = 100 + i * 0.5 + random() * 10; // trends upwards
    out[i * 3 + 1] = random() * 2 - 1; // stationary
    out[i * 3 + 2] = 1000 - i + random(); // trends downwards
  }
  return out;
}

function columnStats(features: Float32Array, width: number, feature: number): { mean: number; std: number; min: number; max: number } {
  const values = Array.from({ length: features.length / width }, (_, i) => features[i * width + feature]);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { mean, std, min: values.reduce((a, v) => Math.min(a, v)), max: values.reduce((a, v) => Math.max(a, v)) };
}

const features = driftingFeatures();
const train = Uint32Array.from({ length: 400 }, (_, i) => i);
const validationRows = features.slice(400 * 3);
const trainRows = features.slice(0, 400 * 3);

describe('fitNormalization', () => {
  it('z-score fitted on train gives the training split mean 0 and std 1 per feature', () => {
    const n = fitNormalization(features, 3, { rows: train });
    const normalizedTrain = applyNormalization(n, trainRows);
    for (let f = 0; f < 3; f++) {
      const { mean, std } = columnStats(normalizedTrain, 3, f);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(std).toBeCloseTo(1, 5);
      expect(n.mean[f]).toBeCloseTo(columnStats(trainRows, 3, f).mean, 4);
    }
  });

  it('does not leak validation statistics: validation keeps its own offset after normalising', () => {
    const fromTrain = fitNormalization(features, 3, { rows: train });
    const fromAll = fitNormalization(features, 3);
    expect(fromTrain.mean[0]).not.toBeCloseTo(fromAll.mean[0], 1);
    const normalizedValidation = applyNormalization(fromTrain, validationRows);
    // Validation rows come later in the trend: clearly above the training mean for
    // feature 0 and below it for feature 2, as an honest model would see them.
    expect(columnStats(normalizedValidation, 3, 0).mean).toBeGreaterThan(1);
    expect(columnStats(normalizedValidation, 3, 2).mean).toBeLessThan(-1);
  });

  it('fitting on rows equals fitting on the gathered training rows', () => {
    expect(fitNormalization(features, 3, { rows: train })).toEqual(fitNormalization(trainRows, 3));
  });

  it('min-max maps the training split onto 0..1 and is stored as mean = min, std = range', () => {
    const n = fitNormalization(features, 3, { rows: train, method: 'min-max' });
    const normalizedTrain = applyNormalization(n, trainRows);
    for (let f = 0; f < 3; f++) {
      const raw = columnStats(trainRows, 3, f);
      expect(n.mean[f]).toBe(raw.min);
      expect(n.std[f]).toBeCloseTo(raw.max - raw.min, 10);
      const scaled = columnStats(normalizedTrain, 3, f);
      expect(scaled.min).toBeCloseTo(0, 6);
      expect(scaled.max).toBeCloseTo(1, 6);
    }
    // Validation values beyond the training range stay beyond 0..1 rather than being clipped.
    expect(columnStats(applyNormalization(n, validationRows), 3, 0).max).toBeGreaterThan(1);
  });

  it('gives a constant feature std 1 so it never divides by zero', () => {
    const constant = Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0.1 : i));
    for (const method of ['z-score', 'min-max'] as const) {
      const n = fitNormalization(constant, 2, { method });
      expect(n.std[0]).toBe(1);
      expect(applyNormalization(n, constant).every(Number.isFinite)).toBe(true);
    }
  });

  it('fits one mean and std per channel of NHWC images (MNIST: one channel)', () => {
    const mnist = loadMnist();
    const images = mnist.images.subarray(0, 1000 * 784);
    const n = fitNormalization(images, 1);
    expect(n.mean).toHaveLength(1);
    const { mean, std } = columnStats(images, 1, 0);
    expect(n.mean[0]).toBeCloseTo(mean, 6);
    expect(n.std[0]).toBeCloseTo(std, 6);
    expect(Math.abs(columnStats(applyNormalization(n, images), 1, 0).mean)).toBeLessThan(1e-4);
  });

  it('survives a JSON round trip and gives the same result after it', () => {
    const n = fitNormalization(features, 3, { rows: train, method: 'min-max' });
    const restored = parseNormalization(JSON.parse(JSON.stringify(n)));
    expect(restored).toEqual(n);
    expect(applyNormalization(restored, validationRows)).toEqual(applyNormalization(n, validationRows));
  });

  it.each([
    [{ method: 'z-score', mean: [0], std: [0] }, 'normalization.std[0]'],
    [{ method: 'z-score', mean: [0, 1], std: [1] }, 'normalization.std'],
    [{ method: 'log', mean: [0], std: [1] }, 'normalization.method'],
    [{ method: 'min-max', mean: ['0'], std: [1] }, 'normalization.mean[0]'],
  ])('parseNormalization rejects %j naming %s', (value, field) => {
    try {
      parseNormalization(value);
      expect.unreachable();
    } catch (error) {
      expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as { details: { field: string } }).details.field).toBe(field);
    }
  });

  it('rejects a width that does not divide the data and NaN values', () => {
    expect(() => fitNormalization(features, 7)).toThrow(RangeError);
    expect(() => fitNormalization(features, 3, { rows: [0, 500] })).toThrow(RangeError);
    const withNaN = Float32Array.from([1, 2, Number.NaN, 4]);
    expect(() => fitNormalization(withNaN, 2)).toThrow(expect.objectContaining({ code: 'NON_NUMERIC' }));
  });
});
