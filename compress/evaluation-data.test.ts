import { describe, expect, it } from 'vitest';
import type { ManifestInput, ManifestOutput } from '../format/index.ts';
import { isCompressError, type CompressError } from './compress-error.ts';
import { checkEvaluationSet, describeShape, imagesToModelInput, matchClassNames, rowsToModelInput } from './evaluation-data.ts';

function thrown(fn: () => unknown): CompressError {
  try {
    fn();
  } catch (error) {
    if (isCompressError(error)) return error;
    throw error;
  }
  throw new Error('expected a CompressError');
}

describe('checkEvaluationSet', () => {
  it('counts whole examples and gives their shape; a free dimension takes the data’s size', () => {
    expect(checkEvaluationSet({ x: new Float32Array(2 * 32 * 32 * 3), shape: [32, 32, 3] }, [32, 32, 3], 3)).toEqual({ count: 2, shape: [32, 32, 3] });
    expect(checkEvaluationSet({ x: new Float32Array(3 * 7) }, [7], 2)).toEqual({ count: 3, shape: [7] });
    expect(checkEvaluationSet({ x: new Float32Array(48 * 64 * 3), shape: [48, 64, 3] }, [-1, -1, 3], 2)).toEqual({ count: 1, shape: [48, 64, 3] });
  });

  it.each([
    // The crash of issue 16: MNIST digits fed to a 224×224×3 model became a batch of 5.2 examples.
    [{ x: new Float32Array(1000 * 784), shape: [28, 28, 1], source: 'the images' }, [224, 224, 3], /^the images are 28×28×1 but the model takes 224×224×3: /],
    [{ x: new Float32Array(1000 * 784) }, [224, 224, 3], /hold 784000 values, not a whole number of inputs of 150528 values but the model takes 224×224×3/],
    [{ x: new Float32Array(10), shape: [5], source: 'the rows of a.csv' }, [7], /^the rows of a.csv are 5 features but the model takes 7 features/],
    [{ x: new Float32Array(0), shape: [7] }, [7], /hold no example/],
  ])('refuses data that do not fit the model input, naming both shapes (%#)', (set, modelShape, message) => {
    const error = thrown(() => checkEvaluationSet(set, modelShape, 3));
    expect(error.code).toBe('DATA_SHAPE_MISMATCH');
    expect(error.message).toMatch(message);
    expect(error.details.expected).toEqual(modelShape);
  });

  it('refuses labels that do not fit the examples or the classes', () => {
    expect(thrown(() => checkEvaluationSet({ x: new Float32Array(6), y: new Uint8Array(2), shape: [2] }, [2], 3)).message).toMatch(/3 examples but 2 labels/);
    const error = thrown(() => checkEvaluationSet({ x: new Float32Array(4), y: Uint8Array.of(0, 3), shape: [2] }, [2], 3));
    expect(error.code).toBe('DATA_LABELS_MISMATCH');
    expect(error.message).toMatch(/example 1 has class 3, but the model has 3 classes/);
  });
});

describe('matchClassNames', () => {
  const output = (labels?: string[]): ManifestOutput => ({ name: 'logits', shape: [-1, 3], activation: 'softmax', ...(labels ? { labels } : {}) });

  it('matches folder names to the model’s labels by name, or by number when it lists none', () => {
    expect(matchClassNames(['dog', 'cat'], output(['cat', 'dog', 'fox']))).toEqual([1, 0]);
    expect(matchClassNames(['0', '2'], output())).toEqual([0, 2]);
  });

  it('names the classes the model does not know, and its labels', () => {
    const error = thrown(() => matchClassNames(['cat', 'cow'], output(['cat', 'dog', 'fox']), 'the folders of photos/'));
    expect(error.code).toBe('DATA_LABELS_MISMATCH');
    expect(error.message).toContain('the folders of photos/ has class(es) "cow"');
    expect(error.message).toContain('"cat", "dog", "fox"');
    expect(thrown(() => matchClassNames(['7'], output())).message).toMatch(/numbered 0\.\.2/);
  });
});

describe('images and rows to model input', () => {
  const image: ManifestInput = { name: 'input', shape: [-1, 1, 2, 3], dtype: 'float32', layout: 'NHWC', preprocessing: { scale: 1 / 255, mean: [0.5, 0, 1], std: [0.5, 1, 2] } };
  // Two pixels, RGB, as the loaders give them (bytes / 255).
  const pixels = Float32Array.from([255, 0, 51, 0, 255, 102], (v) => v / 255);

  it.each([
    ['NHWC', image, [1, 0, -0.4, -1, 1, -0.3]],
    ['NCHW', { ...image, shape: [-1, 3, 1, 2], layout: 'NCHW' as const }, [1, -1, 0, 1, -0.4, -0.3]],
    ['scale only', { ...image, preprocessing: { scale: 1 / 255 } }, [1, 0, 0.2, 0, 1, 0.4]],
    ['raw bytes', { ...image, preprocessing: {} }, [255, 0, 51, 0, 255, 102]],
    ['inverted', { ...image, preprocessing: { scale: 1 / 255, invert: true } }, [0, 1, 0.8, 1, 0, 0.6]],
  ])('applies the manifest preprocessing as the runtime does (%s)', (_name, input, expected) => {
    const out = imagesToModelInput(pixels, input);
    expect(Array.from(out)).toEqual(expected.map((v) => expect.closeTo(v, 5)));
  });

  it('normalises feature rows per feature', () => {
    const input: ManifestInput = { name: 'input', shape: [-1, 2], dtype: 'float32', preprocessing: { mean: [10, 0], std: [2, 1] } };
    expect(Array.from(rowsToModelInput(Float32Array.of(12, 5, 8, -1), input))).toEqual([1, 5, -1, -1]);
  });

  it('describes shapes as people read them', () => {
    expect(describeShape([224, 224, 3])).toBe('224×224×3');
    expect(describeShape([13])).toBe('13 features');
    expect(describeShape([-1, -1, 3])).toBe('?×?×3');
  });
});
