/**
 * The engines in Node, as the compressor uses them: one artifact of the MNIST MLP
 * fixture (npm run fixtures) loaded in memory on tfjs-cpu and ort-wasm, run through the
 * batched loop; both engines agree.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../format/index.ts';
import { createEngineSession, EnginePool } from './engine-pool.ts';
import { predictInBatches } from './predict-in-batches.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'registry', 'mnist-mlp', '1.0.0');

async function artifactFiles(id: string) {
  const manifest = parseManifest(new Uint8Array(await readFile(join(DIR, 'manifest.json'))));
  const artifact = manifest.artifacts.find((a) => a.id === id)!;
  const files = new Map<string, Uint8Array>();
  for (const f of artifact.files) files.set(f.path, new Uint8Array(await readFile(join(DIR, f.path))));
  return { manifest, files, paths: artifact.files.map((f) => f.path) };
}

describe('createEngineSession in Node', () => {
  it('runs the tfjs and the onnx artifact, in batches, with the same answers', async () => {
    const tfjs = await artifactFiles('tfjs-fp32');
    const onnx = await artifactFiles('onnx-fp32');
    const shape = tfjs.manifest.input.shape.map((d) => (d === -1 ? 7 : d));
    const size = shape.reduce((a, b) => a * b, 1);
    const input = { data: Float32Array.from({ length: size }, (_, i) => ((i * 37) % 101) / 101), shape };
    const pool = new EnginePool();
    const cpu = await pool.createSession('tfjs-cpu', { files: tfjs.files, paths: tfjs.paths });
    const wasm = await createEngineSession('ort-wasm', { files: onnx.files, paths: onnx.paths, inputName: onnx.manifest.input.name, outputName: onnx.manifest.output.name });
    try {
      const a = await predictInBatches((x) => cpu.run(x), input, { batchSize: 3 });
      const b = await predictInBatches((x) => wasm.run(x), input, { batchSize: 4 });
      expect(a.shape).toEqual([7, ...tfjs.manifest.output.shape.slice(1)]);
      expect(b.shape).toEqual(a.shape);
      for (let i = 0; i < a.data.length; i++) expect(b.data[i]!).toBeCloseTo(a.data[i]!, 3);
    } finally {
      cpu.dispose();
      wasm.dispose();
    }
  }, 60_000);
});
