/**
 * `runNamed` in Node, on real models: Silero VAD (onnxruntime-web wasm, an int64 scalar
 * and a recurrent state among its inputs), an ONNX model with external data, a tfjs layers model with two named inputs
 * and two outputs, and a tfjs graph model (a GraphDef written by the test, with an
 * int64 placeholder) — each compared with its engine called directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
// The engine's own build: its wasm is compiled once for both.
import * as ort from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from '../../format/index.ts';
import { onnxClassifier } from '../../test-support/import-models.ts';
import { readSileroVad } from '../../test-support/silero-vad-package.ts';
import { speechLikeSignal } from '../../test-support/speech-signal.ts';
import { graphArtifacts, tinyGraphModel } from '../../test-support/tiny-graph-model.ts';
import { tfjsArtifactFiles } from '../../trainer/index.ts';
import { createEngineSession, EnginePool } from './engine-pool.ts';
import type { NamedTensors } from './types.ts';

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe('runNamed on onnxruntime-web (wasm)', () => {
  it('runs Silero VAD v5 frame by frame, state fed back, exactly as onnxruntime-web called directly', async () => {
    const bytes = await readSileroVad('v5');
    const session = await createEngineSession('ort-wasm', { files: new Map([['m.onnx', bytes]]), paths: ['m.onnx'] });
    ort.env.wasm.numThreads = 1;
    const direct = await ort.InferenceSession.create(bytes);
    const { samples } = speechLikeSignal({ leadSeconds: 0.2, speechSeconds: 0.4, tailSeconds: 0.1 });
    const sr = () => ({ dtype: 'int64' as const, data: BigInt64Array.of(16000n), shape: [] });
    let ours: NamedTensors['x'] = { dtype: 'float32', data: new Float32Array(256), shape: [2, 1, 128] };
    let theirs: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
    try {
      for (let at = 0; at + 512 <= samples.length; at += 512) {
        const frame = samples.slice(at, at + 512);
        const out = await session.runNamed({ input: { dtype: 'float32', data: frame, shape: [1, 512] }, state: ours, sr: sr() });
        const expected = await direct.run({ input: new ort.Tensor('float32', frame, [1, 512]), state: theirs, sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []) });
        expect(Object.keys(out)).toEqual(['output', 'stateN']);
        expect(out.output).toMatchObject({ dtype: 'float32', shape: [1, 1] });
        expect(out.output!.data[0]).toBe((expected.output!.data as Float32Array)[0]);
        ours = out.stateN!;
        theirs = expected.stateN!;
      }
    } finally {
      session.dispose();
      await direct.release();
    }
  }, 60_000);

  it('loads a model whose weights are external data (the artifact\'s other files) and answers as with the weights inside', async () => {
    const inline = onnxClassifier();
    const external = onnxClassifier({ externalData: 'conv.weights' });
    const pool = new EnginePool();
    const a = await pool.createSession('ort-wasm', { files: new Map([['onnx/model.onnx', inline.model]]), paths: ['onnx/model.onnx'] });
    const b = await pool.createSession('ort-wasm', {
      files: new Map([['onnx/model.onnx', external.model], ['onnx/conv.weights', external.data!]]),
      paths: ['onnx/model.onnx', 'onnx/conv.weights'],
    });
    const pixels = { dtype: 'float32' as const, data: Float32Array.from({ length: 3 * 5 * 6 }, (_, i) => Math.cos(i)), shape: [1, 3, 5, 6] };
    try {
      const [x, y] = [await a.runNamed({ pixels }), await b.runNamed({ pixels })];
      expect(y.logits).toMatchObject({ dtype: 'float32', shape: [1, 5] });
      expect(Array.from(y.logits!.data as Float32Array)).toEqual(Array.from(x.logits!.data as Float32Array));
    } finally {
      a.dispose();
      b.dispose();
    }
  }, 60_000);

  it('names the graph inputs when one is missing or unknown', async () => {
    const session = await createEngineSession('ort-wasm', { files: new Map([['m.onnx', await readSileroVad('v5')]]), paths: ['m.onnx'] });
    try {
      const input = { dtype: 'float32' as const, data: new Float32Array(512), shape: [1, 512] };
      const error = await errorOf(session.runNamed({ input, state: { dtype: 'float32', data: new Float32Array(256), shape: [2, 1, 128] }, rate: { dtype: 'int64', data: BigInt64Array.of(16000n), shape: [] } }));
      expect(isEdgeloopError(error, 'INFERENCE_FAILED')).toBe(true);
      expect((error as Error).message).toBe(
        'the model on ort-wasm takes the inputs "input", "state", "sr": no value for "sr"; "rate" is not among them. manifest.inputs must name every input of the model as the model names it',
      );
    } finally {
      session.dispose();
    }
  }, 60_000);
});

describe('runNamed on tfjs (cpu)', () => {
  it('feeds a layers model its two inputs by name and returns both outputs by name', async () => {
    await tf.setBackend('cpu');
    const a = tfl.input({ shape: [3], name: 'features' });
    const b = tfl.input({ shape: [2], name: 'context' });
    const joined = tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor;
    const scores = tfl.layers.dense({ units: 4, name: 'scores', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(joined) as tfl.SymbolicTensor;
    const gate = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'gate', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(b) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: [scores, gate] });
    const files = await tfjsArtifactFiles(model, { dir: 'tfjs' });
    const session = await new EnginePool().createSession('tfjs-cpu', { files: new Map(files.map((f) => [f.path, f.data])), paths: files.map((f) => f.path) });
    const features = Float32Array.of(0.5, -1, 2, 1, 0, 0.25);
    const context = Float32Array.of(3, -2, 0.5, 0.5);
    try {
      // Given in the other order than the model's: names decide.
      const out = await session.runNamed({ context: { dtype: 'float32', data: context, shape: [2, 2] }, features: { dtype: 'float32', data: features, shape: [2, 3] } });
      const [expectedScores, expectedGate] = (model.predict([tf.tensor(features, [2, 3]), tf.tensor(context, [2, 2])]) as tf.Tensor[]).map((t) => t.dataSync());
      expect(Object.keys(out)).toEqual(['scores', 'gate']);
      expect(out.scores).toMatchObject({ dtype: 'float32', shape: [2, 4] });
      expect(Array.from(out.scores!.data as Float32Array)).toEqual(Array.from(expectedScores!));
      expect(Array.from(out.gate!.data as Float32Array)).toEqual(Array.from(expectedGate!));
    } finally {
      session.dispose();
      model.dispose();
    }
  }, 60_000);

  it('runs a graph model on named inputs, an int64 one given as int32, and refuses an int64 value int32 cannot hold', async () => {
    await tf.setBackend('cpu');
    const { files, paths } = tinyGraphModel();
    const session = await new EnginePool().createSession('tfjs-cpu', { files, paths });
    const direct = await loadGraphModel(tf.io.fromMemory(graphArtifacts(files, paths)));
    const x = Float32Array.of(1, 2, 3, -1, 0, 4);
    try {
      const out = await session.runNamed({ x: { dtype: 'float32', data: x, shape: [2, 3] }, n: { dtype: 'int64', data: BigInt64Array.of(3n), shape: [] } });
      const expected = (await direct.executeAsync({ x: tf.tensor(x, [2, 3]), n: tf.scalar(3, 'int32') }, ['y_out', 'scaled'])) as tf.Tensor[];
      expect(Object.keys(out).sort()).toEqual(['scaled', 'y_out']);
      expect(out.y_out).toMatchObject({ dtype: 'float32', shape: [2, 2] });
      expect(Array.from(out.y_out!.data as Float32Array)).toEqual(Array.from(expected[0]!.dataSync()));
      expect(Array.from(out.scaled!.data as Float32Array)).toEqual(Array.from(expected[1]!.dataSync()));
      expect(Array.from(out.scaled!.data as Float32Array)).toEqual(Array.from(out.y_out!.data as Float32Array, (v) => Math.fround(v * 3)));
      const error = await errorOf(session.runNamed({ x: { dtype: 'float32', data: x, shape: [2, 3] }, n: { dtype: 'int64', data: BigInt64Array.of(2n ** 40n), shape: [] } }));
      expect(isEdgeloopError(error, 'INPUT_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/tensor "n" holds 1099511627776, which is not a int32 value .*tfjs has no int64/);
    } finally {
      session.dispose();
      direct.dispose();
    }
  }, 60_000);
});
