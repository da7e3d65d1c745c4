import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from './edgeloop-error.ts';
import type { Manifest } from './manifest.ts';
import { validateManifest } from './validate-manifest.ts';

const HEX = 'a'.repeat(64);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** A Silero-VAD-shaped tensor model: an audio frame, an int64 scalar, a state fed back from an output. */
function vadManifest(): Loose {
  const inputs = [
    { name: 'input', shape: [1, 512], dtype: 'float32' },
    { name: 'state', shape: [2, 1, 128], dtype: 'float32', state: { from: 'stateN' } },
    { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
  ];
  const outputs = [
    { name: 'output', shape: [1, 1], dtype: 'float32', activation: 'none' },
    { name: 'stateN', shape: [2, 1, 128], dtype: 'float32', activation: 'none' },
  ];
  return {
    format: 'edgeloop/1',
    name: 'silero-vad',
    version: '5.0.0',
    createdAt: '2026-01-01T00:00:00Z',
    task: 'tensor',
    input: structuredClone(inputs[0]),
    output: structuredClone(outputs[0]),
    inputs,
    outputs,
    artifacts: [{ id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'model.onnx', bytes: 10, sha256: HEX }] }],
    metrics: {},
  };
}

function imageManifest(input: Loose, task = 'image-classification'): Loose {
  return { ...vadManifest(), task, input, inputs: undefined, output: { name: 'logits', shape: [-1, 10], activation: 'softmax' }, outputs: undefined };
}

function refusal(value: unknown): { field: string; message: string } {
  try {
    validateManifest(value);
  } catch (error) {
    if (isEdgeloopError(error, 'MANIFEST_INVALID')) return { field: String(error.details?.field), message: error.message };
    throw error;
  }
  throw new Error('the manifest was accepted');
}

describe('tensor models', () => {
  it('accept named inputs and outputs of any dtype, scalars and state, and keep them in order', () => {
    const m = vadManifest();
    m.inputs.push({ name: 'mask', shape: [-1, -1], dtype: 'bool' }, { name: 'half', shape: [4], dtype: 'float16' });
    m.outputs.push({ name: 'ids', shape: [-1], dtype: 'int64', activation: 'none' });
    const manifest: Manifest = validateManifest(m);
    expect(manifest.inputs!.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['input', 'float32', [1, 512]],
      ['state', 'float32', [2, 1, 128]],
      ['sr', 'int64', []],
      ['mask', 'bool', [-1, -1]],
      ['half', 'float16', [4]],
    ]);
    expect(manifest.inputs![1]!.state).toEqual({ from: 'stateN' });
    expect(manifest.inputs![2]!.warmup).toEqual({ value: 16000 });
    expect(manifest.outputs!.map((o) => o.dtype)).toEqual(['float32', 'float32', 'int64']);
    expect(Object.keys(manifest).slice(5, 9)).toEqual(['input', 'output', 'inputs', 'outputs']);
  });

  it.each<[string, (m: Loose) => void, string, RegExp]>([
    ['no inputs', (m) => delete m.inputs, 'inputs', /required for task "tensor"/],
    ['no outputs', (m) => delete m.outputs, 'outputs', /required for task "tensor"/],
    ['input differs from inputs[0]', (m) => (m.input.shape = [1, 256]), 'input.shape', /must equal manifest\.inputs\[0\]\.shape/],
    ['output differs from outputs[0]', (m) => (m.output.name = 'prob'), 'output.name', /must equal manifest\.outputs\[0\]\.name/],
    ['duplicate input names', (m) => (m.inputs[2].name = 'state'), 'inputs[2].name', /repeats the name "state" of inputs\[1\]/],
    ['state from an unknown output', (m) => (m.inputs[1].state.from = 'hn'), 'inputs[1].state.from', /"hn", which is not in manifest\.outputs/],
    ['state with a dynamic shape', (m) => (m.inputs[1].shape = [2, -1, 128]), 'inputs[1].shape', /needs every dimension known/],
    ['state of another dtype', (m) => (m.outputs[1].dtype = 'float16'), 'inputs[1].state.from', /dtype float16.*this input is float32/],
    ['state whose output cannot fit', (m) => (m.outputs[1].shape = [2, 1, 64]), 'inputs[1].state.from', /cannot feed this input/],
    ['softmax on an int64 output', (m) => m.outputs.push({ name: 'x', shape: [1], dtype: 'int64', activation: 'softmax' }), 'outputs[2].activation', /must be "none" for a int64 output/],
    ['preprocessing on an int64 input', (m) => (m.inputs[2].preprocessing = { scale: 2 }), 'inputs[2].preprocessing', /float32 inputs only/],
    ['unknown dtype', (m) => (m.inputs[2].dtype = 'int16'), 'inputs[2].dtype', /must be one of/],
    ['a fractional int64 warm-up value', (m) => (m.inputs[2].warmup.value = 0.5), 'inputs[2].warmup.value', /must be a int64 value/],
    ['a warm-up shape that leaves a -1', (m) => (m.inputs[0].warmup = { shape: [1, -1] }), 'inputs[0].warmup.shape', /with every -1 given a size/],
    ['a warm-up shape that differs', (m) => (m.inputs[1].warmup = { shape: [2, 1, 64] }), 'inputs[1].warmup.shape', /must be the input's shape \[2, 1, 128\]/],
  ])('refuse %s, naming the field', (_, mutate, field, message) => {
    const m = vadManifest();
    mutate(m);
    const got = refusal(m);
    expect(got.field).toBe(field);
    expect(got.message).toMatch(message);
  });

  it('classifiers keep one input of float32, int32 or uint8, no scalars and no state', () => {
    const base = imageManifest({ name: 'x', shape: [-1, 4], dtype: 'float32' }, 'tabular-classification');
    expect(validateManifest({ ...base, inputs: [base.input], outputs: [base.output] }).inputs).toHaveLength(1);
    expect(refusal({ ...base, input: { ...base.input, dtype: 'int64' } }).field).toBe('input.dtype');
    expect(refusal({ ...base, input: { ...base.input, shape: [] } }).field).toBe('input.shape');
    expect(refusal({ ...base, input: { ...base.input, state: { from: 'logits' } } }).message).toMatch(/for task "tensor" only/);
    expect(refusal({ ...base, input: { ...base.input, warmup: { value: 1 } } }).field).toBe('input.warmup');
    expect(refusal({ ...base, inputs: [base.input, { ...base.input, name: 'y' }] }).message).toMatch(/use task "tensor" for more/);
    expect(refusal({ ...base, output: { ...base.output, dtype: 'int32' } }).field).toBe('output.dtype');
  });
});

describe('image inputs', () => {
  it('refuse a rank-3 NHWC input, saying to add the batch dimension', () => {
    const got = refusal(imageManifest({ name: 'image', shape: [28, 28, 1], dtype: 'float32', layout: 'NHWC' }));
    expect(got.field).toBe('input.shape');
    expect(got.message).toBe(
      'manifest.input.shape is [28, 28, 1] but an image input (layout NHWC) needs 4 dimensions, [batch, height, width, channels]: add the batch dimension first, e.g. [-1, 28, 28, 1] (-1 = any batch size)',
    );
  });

  it('refuse rank 3 for an image classifier without a layout, and for a tensor input with one', () => {
    expect(refusal(imageManifest({ name: 'image', shape: [3, 224, 224], dtype: 'float32' })).field).toBe('input.shape');
    const tensor = vadManifest();
    tensor.inputs[0] = { name: 'input', shape: [3, 32, 32], dtype: 'float32', layout: 'NCHW' };
    tensor.input = structuredClone(tensor.inputs[0]);
    expect(refusal(tensor).message).toMatch(/layout NCHW\) needs 4 dimensions, \[batch, channels, height, width\]/);
  });

  it('accept a flattened image (rank 2, no layout) whose size agrees with its preprocessing, and refuse one that does not', () => {
    const flat = { name: 'image', dtype: 'float32', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale' } };
    expect(validateManifest(imageManifest({ ...flat, shape: [-1, 784] })).input.shape).toEqual([-1, 784]);
    const wrong = refusal(imageManifest({ ...flat, shape: [-1, 785] }));
    expect(wrong.field).toBe('input.shape');
    expect(wrong.message).toMatch(/flattened image of 785 values, but preprocessing \(28×28 grayscale\) gives 784/);
    // With a layout, rank 2 is no image shape at all.
    expect(refusal(imageManifest({ ...flat, shape: [-1, 784], layout: 'NHWC' })).message).toMatch(/needs 4 dimensions/);
  });

  it.each<[string, Loose, string, RegExp]>([
    ['grayscale with 3 channels', { shape: [-1, 28, 28, 3], preprocessing: { colorSpace: 'grayscale' } }, 'input.shape', /has 3 channels .* "grayscale" gives 1/],
    ['rgb NCHW with 1 channel', { shape: [-1, 1, 28, 28], layout: 'NCHW', preprocessing: { colorSpace: 'rgb' } }, 'input.shape', /has 1 channel .* "rgb" gives 3/],
    ['resize that differs from the shape', { shape: [-1, 28, 28, 1], preprocessing: { resize: { width: 32, height: 32 } } }, 'input.preprocessing.resize', /is 32×32 but .* takes 28×28/],
  ])('refuse %s', (_, input, field, message) => {
    const got = refusal(imageManifest({ name: 'image', dtype: 'float32', ...input }));
    expect(got.field).toBe(field);
    expect(got.message).toMatch(message);
  });

  it('accept a batch of any size, NCHW with a dynamic height and width sized by resize, and an unknown channel count', () => {
    const ok = (input: Loose) => validateManifest(imageManifest({ name: 'image', dtype: 'float32', ...input })).input.shape;
    expect(ok({ shape: [1, 28, 28, 1], preprocessing: { colorSpace: 'grayscale' } })).toEqual([1, 28, 28, 1]);
    expect(ok({ shape: [-1, 3, -1, -1], layout: 'NCHW', preprocessing: { colorSpace: 'rgb', resize: { width: 224, height: 224 } } })).toEqual([-1, 3, -1, -1]);
    expect(ok({ shape: [-1, 32, 32, -1], preprocessing: { colorSpace: 'rgb' } })).toEqual([-1, 32, 32, -1]);
  });
});
