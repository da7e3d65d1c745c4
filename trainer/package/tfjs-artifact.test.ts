import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCnn, buildMlp } from '../train/model-builders.ts';
import { tfjsArtifactFiles, type TfjsModelJson } from './tfjs-artifact.ts';

/** Loads the files back the way a runtime would: model.json, then its shards joined. */
async function reload(files: Array<{ path: string; data: Uint8Array }>, dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
  const byPath = new Map(files.map((f) => [f.path, f.data]));
  const shards = json.weightsManifest[0].paths.map((p) => byPath.get(`${dir}/${p}`)!);
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weightData.buffer }),
  );
}

describe('tfjsArtifactFiles', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  it('writes model.json first and shards no larger than shardBytes, which reload to the same model', async () => {
    const model = buildMlp({ seed: 4 });
    const files = await tfjsArtifactFiles(model, { dir: 'tfjs', shardBytes: 100_000 });
    expect(files[0].path).toBe('tfjs/model.json');
    const json = JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    const shards = files.slice(1);
    const total = model.countParams() * 4;
    expect(shards.length).toBe(Math.ceil(total / 100_000));
    shards.forEach((s, i) => {
      expect(s.path).toBe(`tfjs/group1-shard${i + 1}of${shards.length}.bin`);
      expect(s.data.byteLength).toBeLessThanOrEqual(100_000);
    });
    expect(shards.reduce((n, s) => n + s.data.byteLength, 0)).toBe(total);
    expect(json.weightsManifest[0].paths).toEqual(shards.map((s) => s.path.slice('tfjs/'.length)));

    const reloaded = await reload(files, 'tfjs');
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 1);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (reloaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('uses one shard by default for a small model and keeps weight names free of uniquifying suffixes', async () => {
    buildCnn({ seed: 1 }); // same layer names built twice in one process
    const files = await tfjsArtifactFiles(buildCnn({ seed: 1 }), { dir: 'models/tfjs/' });
    expect(files.map((f) => f.path)).toEqual(['models/tfjs/model.json', 'models/tfjs/group1-shard1of1.bin']);
    const json = JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toContain('logits/kernel');
  });

  it.each(['/abs', '../up', 'a/./b'])('rejects dir %s', async (dir) => {
    await expect(tfjsArtifactFiles(buildMlp(), { dir })).rejects.toThrow(RangeError);
  });
});
