/** Table-driven: what the importer infers from a model's inputs and outputs, and which flags it asks for. */
import { describe, expect, it } from 'vitest';
import { isImportError } from './import-error.ts';
import { inferPackageIo, type PackageIoOptions } from './infer-package-io.ts';
import type { TensorInfo } from './tensor-info.ts';

const t = (name: string, shape: number[], dtype = 'float32'): TensorInfo => ({ name, shape, dtype });

describe('inferPackageIo', () => {
  it.each<[string, TensorInfo[], TensorInfo[], 'tfjs' | 'onnx', PackageIoOptions, object]>([
    ['NHWC image classifier', [t('x', [-1, 224, 224, 3])], [t('y', [-1, 4])], 'onnx', {}, { task: 'image-classification', input: { layout: 'NHWC', preprocessing: { colorSpace: 'rgb', resize: { width: 224, height: 224 } } } }],
    ['NCHW grayscale classifier', [t('x', [1, 1, 28, 20])], [t('y', [1, 10])], 'onnx', {}, { task: 'image-classification', input: { layout: 'NCHW', preprocessing: { colorSpace: 'grayscale', resize: { width: 20, height: 28 } } } }],
    ['--layout overrides a [N,3,3,3] tie', [t('x', [-1, 3, 3, 3])], [t('y', [-1, 2])], 'onnx', { layout: 'NCHW' }, { input: { layout: 'NCHW' } }],
    ['tfjs ties are channels-last', [t('x', [-1, 3, 3, 3])], [t('y', [-1, 2])], 'tfjs', {}, { input: { layout: 'NHWC' } }],
    ['tabular classifier with normalisation', [t('x', [-1, 4])], [t('y', [-1, 3])], 'tfjs', { mean: [1, 2, 3, 4], std: [1, 1, 1, 2] }, { task: 'tabular-classification', input: { preprocessing: { mean: [1, 2, 3, 4], std: [1, 1, 1, 2] } } }],
    ['one output and no labels is a regression', [t('x', [-1, 8])], [t('y', [-1, 1])], 'onnx', {}, { task: 'tabular-regression', output: { activation: 'none' } }],
    ['integer input is a tensor model', [t('ids', [-1, -1], 'int64'), t('mask', [-1, -1], 'int64')], [t('emb', [-1, 384])], 'onnx', {}, { task: 'tensor', inputs: [{ name: 'ids', dtype: 'int64' }, { name: 'mask' }] }],
    ['a rank-3 output is a tensor model', [t('x', [-1, 64, 64, 3])], [t('mask', [-1, 64, 64])], 'onnx', {}, { task: 'tensor' }],
  ])('%s', (_, inputs, outputs, engine, options, expected) => {
    expect(inferPackageIo(inputs, outputs, engine, [], options)).toMatchObject(expected);
  });

  it('takes labels and the model’s own softmax into account', () => {
    const io = inferPackageIo([t('x', [-1, 2])], [t('p', [-1, 2])], 'onnx', ['softmax'], { labels: ['no', 'yes'] });
    expect(io.output).toEqual({ name: 'p', shape: [-1, 2], activation: 'none', labels: ['no', 'yes'] });
    const defaulted = inferPackageIo([t('x', [-1, 2])], [t('p', [-1, 3])], 'onnx', []);
    expect(defaulted.output.labels).toEqual(['class_0', 'class_1', 'class_2']);
    expect(defaulted.notes.join('\n')).toMatch(/--labels/);
  });

  it('pairs state inputs with outputs by name and fixes their dynamic dimensions', () => {
    const io = inferPackageIo([t('x', [-1, 10]), t('h', [2, -1, 8])], [t('y', [-1, 1]), t('hn', [2, -1, 8])], 'onnx', [], { task: 'tensor' });
    expect(io.inputs![1]).toEqual({ name: 'h', shape: [2, 1, 8], dtype: 'float32', state: { from: 'hn' } });
    const explicit = inferPackageIo([t('x', [-1, 10]), t('h', [2, 1, 8])], [t('y', [-1, 1]), t('next', [2, 1, 8])], 'onnx', [], { state: { h: 'next' } });
    expect(explicit.inputs![1]!.state).toEqual({ from: 'next' });
  });

  it('writes a tensor model’s typical input as its warm-up', () => {
    const io = inferPackageIo([t('input', [-1, -1]), t('sr', [], 'int64')], [t('p', [-1, 1])], 'onnx', [], { warmup: { input: { shape: [1, 512] }, sr: { value: 16000 } } });
    expect(io.inputs).toEqual([
      { name: 'input', shape: [-1, -1], dtype: 'float32', warmup: { shape: [1, 512] } },
      { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
    ]);
  });

  it.each<[string, TensorInfo[], TensorInfo[], PackageIoOptions, string, string]>([
    ['a label count that does not fit', [t('x', [-1, 4])], [t('y', [-1, 3])], { labels: ['a', 'b'] }, 'IMPORT_FLAG_INVALID', 'labels'],
    ['dynamic classes without labels', [t('x', [-1, 28, 28, 1])], [t('y', [-1, -1])], {}, 'IMPORT_FLAG_MISSING', 'labels'],
    ['an undecidable layout', [t('x', [-1, 8, 8, 8])], [t('y', [-1, 2])], {}, 'IMPORT_FLAG_MISSING', 'layout'],
    ['--mean without --std', [t('x', [-1, 4])], [t('y', [-1, 3])], { mean: [0] }, 'IMPORT_FLAG_MISSING', 'std'],
    ['--mean of the wrong length', [t('x', [-1, 4])], [t('y', [-1, 3])], { mean: [0, 1], std: [1, 1] }, 'IMPORT_FLAG_INVALID', 'mean'],
    ['--size against a fixed size', [t('x', [-1, 32, 32, 3])], [t('y', [-1, 3])], { size: { width: 64, height: 64 } }, 'IMPORT_FLAG_INVALID', 'size'],
    ['an image task for a tensor model', [t('x', [-1, 10])], [t('y', [-1, 3])], { task: 'image-classification' }, 'IMPORT_FLAG_INVALID', 'task'],
    ['--scale on a tensor model', [t('x', [-1, 10], 'int32')], [t('y', [-1, 3])], { scale: 2 }, 'IMPORT_FLAG_INVALID', 'scale'],
    ['--state naming a missing output', [t('x', [-1, 10]), t('s', [1, 4])], [t('y', [-1, 3])], { state: { s: 'sn' } }, 'IMPORT_FLAG_INVALID', 'state'],
    ['--input-shape naming a missing input', [t('x', [-1, 10], 'int32')], [t('y', [-1, 3])], { warmup: { ids: { shape: [1, 4] } } }, 'IMPORT_FLAG_INVALID', 'input-shape'],
    ['--input-shape on a classifier', [t('x', [-1, 10])], [t('y', [-1, 3])], { warmup: { x: { shape: [1, 10] } } }, 'IMPORT_FLAG_INVALID', 'input-shape'],
  ])('refuses %s', (_, inputs, outputs, options, code, flag) => {
    let error: unknown;
    try {
      inferPackageIo(inputs, outputs, 'onnx', [], options);
    } catch (e) {
      error = e;
    }
    expect(isImportError(error, code as never)).toBe(true);
    expect((error as { details: { flag: string } }).details.flag).toBe(flag);
  });

  it('refuses element types packages cannot carry and shapes it could not read', () => {
    const codeOf = (inputs: TensorInfo[]) => {
      try {
        inferPackageIo(inputs, [t('y', [-1, 2])], 'onnx', []);
      } catch (e) {
        return isImportError(e) ? e.code : String(e);
      }
      return 'accepted';
    };
    expect(codeOf([t('text', [-1], 'string')])).toBe('IMPORT_UNSUPPORTED_MODEL');
    expect(codeOf([{ ...t('x', []), unknownAt: 'x (no batch_input_shape)' }])).toBe('IMPORT_UNSUPPORTED_MODEL');
    expect(codeOf([])).toBe('IMPORT_UNSUPPORTED_MODEL');
  });
});
