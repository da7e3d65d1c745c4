import { describe, expect, it } from 'vitest';
import { isEdgeloopError, validateManifest, type Manifest } from '../../format/index.ts';
import type { NamedTensors } from '../engine/types.ts';
import { prepareNamedInputs } from './tensor-inputs.ts';
import { conformOutputs, TensorRunner, type RunNamed } from './tensor-runner.ts';

/** A tensor model shaped like a recurrent audio model, plus inputs of the other dtypes. */
const manifest: Manifest = validateManifest({
  format: 'edgeloop/1',
  name: 'stateful',
  version: '1.0.0',
  createdAt: '2026-01-01T00:00:00Z',
  task: 'tensor',
  input: { name: 'audio', shape: [1, -1], dtype: 'float32' },
  output: { name: 'prob', shape: [1, 1], dtype: 'float32', activation: 'sigmoid' },
  inputs: [
    { name: 'audio', shape: [1, -1], dtype: 'float32' },
    { name: 'state', shape: [2], dtype: 'float32', state: { from: 'next' } },
    { name: 'sr', shape: [], dtype: 'int64' },
    { name: 'mask', shape: [3], dtype: 'bool' },
    { name: 'half', shape: [2], dtype: 'float16' },
    { name: 'image', shape: [1, 1, 2, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { scale: 1 / 255, invert: true } },
  ],
  outputs: [
    { name: 'prob', shape: [1, 1], dtype: 'float32', activation: 'sigmoid' },
    { name: 'next', shape: [2], dtype: 'float32', activation: 'none' },
    { name: 'count', shape: [], dtype: 'int64', activation: 'none' },
  ],
  artifacts: [{ id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'm.onnx', bytes: 1, sha256: 'a'.repeat(64) }] }],
  metrics: {},
});

const rest = { mask: [true, false, 1], half: [1.5, -2], image: Uint8ClampedArray.of(0, 255) };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isEdgeloopError(error, 'INPUT_INVALID')) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('prepareNamedInputs', () => {
  it('converts plain arrays exactly, fills a state input with zeros, and normalises 8-bit pixels', () => {
    const inputs = prepareNamedInputs(manifest, { audio: { data: Float32Array.of(0.1, 0.2, 0.3), shape: [1, 3] }, sr: { data: [16000] }, ...wrap(rest) }, new Map());
    expect(Object.keys(inputs)).toEqual(['audio', 'state', 'sr', 'mask', 'half', 'image']);
    expect(inputs.sr).toEqual({ dtype: 'int64', data: BigInt64Array.of(16000n), shape: [] });
    expect(inputs.state).toEqual({ dtype: 'float32', data: new Float32Array(2), shape: [2] });
    expect(Array.from(inputs.mask!.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(inputs.half!.data as Uint16Array)).toEqual([0x3e00, 0xc000]);
    expect(inputs.image).toEqual({ dtype: 'float32', data: Float32Array.of(1, 0), shape: [1, 1, 2, 1] });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown name', { audio: { data: new Float32Array(2), shape: [1, 2] }, sample_rate: { data: [16000] } }, /^"sample_rate" is not an input of stateful; its inputs are "audio" float32 \[1, -1\], "state" float32 \[2\] \(state: carried over when not given\), "sr" int64 \[\]/],
    ['a missing input', { audio: { data: new Float32Array(2), shape: [1, 2] } }, /^input "sr" is missing; stateful takes "audio"/],
    ['no shape where the declared one has -1', { audio: { data: new Float32Array(2) }, sr: { data: [1] } }, /^inputs\.audio\.shape is required: the model's input "audio" is \[1, -1\]/],
    ['a shape that does not fit', { audio: { data: new Float32Array(4), shape: [2, 2] }, sr: { data: [1] } }, /^inputs\.audio\.shape \[2, 2\] does not fit the model's input "audio" \[1, -1\]/],
    ['a size that does not fit the shape', { audio: { data: new Float32Array(3), shape: [1, 2] }, sr: { data: [1] } }, /^inputs\.audio has 3 values but shape \[1, 2\] needs 2$/],
    ['an Int32Array for int64', { audio: { data: new Float32Array(2), shape: [1, 2] }, sr: { data: Int32Array.of(16000) } }, /^inputs\.sr must be a BigInt64Array for its dtype int64, or an array of bigints or whole numbers; got Int32Array$/],
    ['a fraction for int64', { audio: { data: new Float32Array(2), shape: [1, 2] }, sr: { data: [1.5] } }, /^inputs\.sr\.data\[0\] is number 1\.5, not a bigint or whole number \(int64\)$/],
    ['a Float64Array for float32', { audio: { data: new Float64Array(2), shape: [1, 2] }, sr: { data: [1] } }, /^inputs\.audio must be a Float32Array for its dtype float32/],
    ['8-bit data for a float32 input without preprocessing', { audio: { data: new Uint8Array(2), shape: [1, 2] }, sr: { data: [1] } }, /^inputs\.audio must be a Float32Array/],
    ['a value that is no tensor', { audio: 'loud', sr: { data: [1] } }, /^inputs\.audio must be a typed array or \{ data, shape \}; got "loud"$/],
  ])('refuses %s with INPUT_INVALID naming it', (_, wire, message) => {
    expect(refusal(() => prepareNamedInputs(manifest, { ...wrap(rest), ...wire }, new Map()))).toMatch(message);
  });

  it('refuses a lone typed array: a tensor model takes its inputs by name', () => {
    expect(refusal(() => prepareNamedInputs(manifest, new Float32Array(3), new Map()))).toBe('stateful is a tensor model: predict takes its inputs by name, { audio, state, sr, mask, half, image }; got Float32Array');
  });
});

describe('TensorRunner', () => {
  /** The fake model: prob = Σ audio, next = state + 1, count = number of audio samples (as an engine's int32). */
  const run: RunNamed = async (inputs: NamedTensors) => ({
    backend: 'ort-wasm',
    outputs: {
      prob: { dtype: 'float32', data: Float32Array.of((inputs.audio!.data as Float32Array).reduce((a, b) => a + b, 0)), shape: [1, 1] },
      next: { dtype: 'float32', data: (inputs.state!.data as Float32Array).map((v) => v + 1), shape: [2] },
      count: { dtype: 'int32', data: Int32Array.of(inputs.audio!.data.length), shape: [] },
    },
  });
  const call = (runner: TensorRunner, extra: Record<string, unknown> = {}) =>
    runner.predict('m', manifest, { audio: { data: Float32Array.of(0, 0), shape: [1, 2] }, sr: { data: [16000n] }, ...wrap(rest), ...extra }, run);

  it('carries the state output into the next call, in call order, until reset', async () => {
    const runner = new TensorRunner();
    const [a, b, c] = await Promise.all([call(runner), call(runner), call(runner)]);
    expect([a, b, c].map((p) => Array.from(p.outputs.next!.data as Float32Array))).toEqual([[1, 1], [2, 2], [3, 3]]);
    runner.reset('m');
    expect(Array.from((await call(runner)).outputs.next!.data as Float32Array)).toEqual([1, 1]);
    // Passed explicitly, the state input wins; the carried state continues from its output.
    expect(Array.from((await call(runner, { state: { data: Float32Array.of(10, 20) } })).outputs.next!.data as Float32Array)).toEqual([11, 21]);
    expect(Array.from((await call(runner)).outputs.next!.data as Float32Array)).toEqual([12, 22]);
  });

  it('casts outputs to the declared dtypes and applies the declared activation', async () => {
    const prediction = await call(new TensorRunner(), { audio: { data: Float32Array.of(0, 0, 0), shape: [1, 3] } });
    expect(prediction.backend).toBe('ort-wasm');
    expect(prediction.outputs.count).toEqual({ dtype: 'int64', data: BigInt64Array.of(3n), shape: [] });
    expect(prediction.outputs.prob).toEqual({ dtype: 'float32', data: Float32Array.of(0.5), shape: [1, 1] });
    expect(prediction.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('a failed call does not stop the next one', async () => {
    const runner = new TensorRunner();
    await expect(call(runner, { sr: { data: ['x'] } })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(Array.from((await call(runner)).outputs.next!.data as Float32Array)).toEqual([1, 1]);
  });
});

describe('conformOutputs', () => {
  const outputs = (extra: NamedTensors = {}): NamedTensors => ({
    prob: { dtype: 'float32', data: Float32Array.of(0), shape: [1, 1] },
    next: { dtype: 'float32', data: new Float32Array(2), shape: [2] },
    count: { dtype: 'int32', data: Int32Array.of(1), shape: [] },
    ...extra,
  });
  const failure = (raw: NamedTensors) => {
    try {
      conformOutputs(manifest, raw, 'tfjs-cpu');
    } catch (error) {
      if (isEdgeloopError(error, 'INFERENCE_FAILED')) return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('refuses a model that lacks a declared output, or gives one of another shape or values that do not fit', () => {
    const { count: _, ...withoutCount } = outputs();
    expect(failure(withoutCount)).toBe('the model on tfjs-cpu has no output "count" (its outputs: "prob", "next"); manifest.outputs must name the model\'s outputs as the model names them');
    expect(failure(outputs({ next: { dtype: 'float32', data: new Float32Array(3), shape: [3] } }))).toMatch(/output "next" on tfjs-cpu has shape \[3\], which does not fit the declared \[2\]/);
    expect(failure(outputs({ count: { dtype: 'float32', data: Float32Array.of(0.5), shape: [] } }))).toMatch(/tensor "count" holds 0\.5, which is not a int64 value/);
  });
});

/** `{ name: values }` → `{ name: { data: values } }`, as the client sends bare values. */
function wrap(values: Record<string, unknown>): Record<string, { data: unknown }> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { data: v }]));
}
