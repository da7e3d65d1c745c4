/**
 * The engines in Node, as the compressor uses them: a seeded MNIST-shaped MLP written
 * as a tfjs artifact and exported to ONNX by the test, loaded in memory on tfjs-cpu and
 * ort-wasm, run through the batched loop; both engines agree.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../compress/index.ts';
import { buildMlp, tfjsArtifactFiles } from '../../trainer/index.ts';
import { createEngineSession, EnginePool } from './engine-pool.ts';
import { predictInBatches } from './predict-in-batches.ts';

async function artifacts() {
  await tf.setBackend('cpu');
  const model = buildMlp({ inputShape: [28, 28, 1], hidden: [32], classes: 10, seed: 3 });
  const tfjsFiles = await tfjsArtifactFiles(model, { dir: 'tfjs' });
  const tfjs = { files: new Map(tfjsFiles.map((f) => [f.path, f.data])), paths: tfjsFiles.map((f) => f.path) };
  const onnx = { files: new Map([['onnx/model.onnx', exportOnnx(model, { inputName: 'input', outputName: 'logits' })]]), paths: ['onnx/model.onnx'] };
  model.dispose();
  return { tfjs, onnx };
}

describe('createEngineSession in Node', () => {
  it('runs the tfjs and the onnx artifact, in batches, with the same answers', async () => {
    const { tfjs, onnx } = await artifacts();
    const shape = [7, 28, 28, 1];
    const size = shape.reduce((a, b) => a * b, 1);
    const input = { data: Float32Array.from({ length: size }, (_, i) => ((i * 37) % 101) / 101), shape };
    const pool = new EnginePool();
    const cpu = await pool.createSession('tfjs-cpu', { files: tfjs.files, paths: tfjs.paths });
    const wasm = await createEngineSession('ort-wasm', { files: onnx.files, paths: onnx.paths, inputName: 'input', outputName: 'logits' });
    try {
      const a = await predictInBatches((x) => cpu.run(x), input, { batchSize: 3 });
      const b = await predictInBatches((x) => wasm.run(x), input, { batchSize: 4 });
      expect(a.shape).toEqual([7, 10]);
      expect(b.shape).toEqual(a.shape);
      for (let i = 0; i < a.data.length; i++) expect(b.data[i]!).toBeCloseTo(a.data[i]!, 3);
    } finally {
      cpu.dispose();
      wasm.dispose();
    }
  }, 60_000);
});
