import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { quantizedTfjsArtifactFiles } from '../../compress/quantize/quantized-tfjs-artifact.ts';
import { tfjsArtifactFiles } from '../../trainer/package/tfjs-artifact.ts';
import { readTfjsArtifact } from './read-tfjs-artifact.ts';

/** A small dense model whose weights (~8 KB) are cut into shards mid-weight. */
function buildModel(): tfl.LayersModel {
  const model = tfl.sequential({ name: 'sharded' });
  model.add(tfl.layers.dense({ inputShape: [20], units: 64, activation: 'relu', name: 'hidden', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return model;
}

const input = () => tf.tensor2d(Array.from({ length: 3 * 20 }, (_, i) => Math.sin(i)), [3, 20]);

async function outputs(model: tfl.LayersModel): Promise<number[]> {
  const y = model.predict(input()) as tf.Tensor;
  return Array.from(await y.data());
}

describe('readTfjsArtifact', () => {
  it('hands tfjs the shards as they are (no joined copy), and the model loads and predicts as the original', async () => {
    const model = buildModel();
    const files = await tfjsArtifactFiles(model, { dir: 'tfjs', shardBytes: 3000 }); // 3 shards, weights cut across them
    expect(files.length).toBeGreaterThanOrEqual(4);
    const map = new Map(files.map((f) => [f.path, f.data]));
    const artifacts = readTfjsArtifact(map, files.map((f) => f.path));
    const shards = files.slice(1).map((f) => f.data.buffer);
    expect(Array.isArray(artifacts.weightData)).toBe(true);
    (artifacts.weightData as ArrayBuffer[]).forEach((buffer, i) => expect(buffer).toBe(shards[i]));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(await outputs(loaded)).toEqual(await outputs(model));
  });

  it('copies a shard that is a view into a bigger buffer, so tfjs sees that shard alone', async () => {
    const model = buildModel();
    const files = await tfjsArtifactFiles(model, { dir: 'tfjs', shardBytes: 3000 });
    const map = new Map(
      files.map((f) => {
        const padded = new Uint8Array(f.data.byteLength + 16);
        padded.set(f.data, 8);
        return [f.path, padded.subarray(8, 8 + f.data.byteLength)] as const;
      }),
    );
    const artifacts = readTfjsArtifact(map, files.map((f) => f.path));
    for (const buffer of artifacts.weightData as ArrayBuffer[]) expect(buffer.byteLength).toBeLessThanOrEqual(3000);
    expect(await outputs(await tfl.loadLayersModel(tf.io.fromMemory(artifacts)))).toEqual(await outputs(model));
  });

  it("joins the shards of edgeloop's own quantized weights to decode them", async () => {
    const model = buildModel();
    const files = await quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Dense: 'int8-per-channel' }, shardBytes: 2000 });
    const artifacts = readTfjsArtifact(new Map(files.map((f) => [f.path, f.data])), files.map((f) => f.path));
    expect(artifacts.weightData).toBeInstanceOf(ArrayBuffer);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const [got, want] = [await outputs(loaded), await outputs(model)];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 1));
  });
});
