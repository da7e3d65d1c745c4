import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { getEdgeTarget, type EdgeTarget } from '../devices/index.ts';
import { createPackage, parseManifest } from '../format/index.ts';
import { isTrainerError } from '../trainer/errors.ts';
import { buildMlp } from '../trainer/train/model-builders.ts';
import { compressPackage, type RunArtifact } from './compress-package.ts';
import { tfjsArtifactFiles } from './tfjs-artifact.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function fixture() {
  const model = buildMlp({ inputShape: [8, 8, 1], hidden: [128], classes: 3, seed: 1 });
  const built = await createPackage({
    manifest: {
      name: 'tiny-mlp',
      version: '1.0.0',
      createdAt: new Date(0).toISOString(),
      task: 'image-classification',
      input: { name: 'input', shape: [-1, 8, 8, 1], dtype: 'float32', layout: 'NHWC' },
      output: { name: 'logits', shape: [-1, 3], labels: ['a', 'b', 'c'], activation: 'softmax' },
      metrics: { accuracy: 0.5 },
    },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: await tfjsArtifactFiles(model, { dir: 'tfjs' }) }],
  });
  const x = tf.tidy(() => tf.randomUniform([40, 8, 8, 1], 0, 1, 'float32', 7).dataSync() as Float32Array);
  const y = Uint8Array.from({ length: 40 }, (_, i) => i % 3);
  return { model, built, test: { x, y } };
}

/** Runs every artifact as the fp32 model would (the numeric checks live in the quantizer and exporter tests). */
const runAsFp32 = (model: LayersModel): RunArtifact => async (_artifact, x, inputShape) =>
  tf.tidy(() => (model.predict(tf.tensor(x, [x.length / 64, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);

describe('compressPackage', () => {
  it('adds one artifact per target recipe, with metrics, and keeps the original artifact', async () => {
    const { model, built, test } = await fixture();
    const { built: out, report } = await compressPackage({
      manifest: built.manifest,
      files: built.files,
      model,
      targets: [getEdgeTarget('phone-wasm')],
      test,
      runArtifact: runAsFp32(model),
    });
    const manifest = parseManifest(out.manifestBytes);
    expect(manifest.artifacts.map((a) => a.id)).toEqual(['tfjs-fp32', 'onnx-int8-phone-wasm']);
    expect(manifest.artifacts[1]).toMatchObject({ engine: 'onnx', precision: 'int8', target: 'phone-wasm' });
    expect(report.entries).toHaveLength(1);
    expect(report.entries[0]!.bytesRatio).toBeLessThan(0.35);
    expect(manifest.metrics['onnx-int8-phone-wasm.bytes_ratio']).toBeCloseTo(report.entries[0]!.bytesRatio, 6);
  });

  it('refuses a budget it cannot meet with BUDGET_EXCEEDED naming the smallest size, and returns nothing', async () => {
    const { model, built, test } = await fixture();
    const strict: EdgeTarget = { ...getEdgeTarget('phone-wasm'), sizeBudget: { maxBytesRatio: 0.01, overheadBytes: 0, maxBytes: 100 } };
    const error = await compressPackage({ manifest: built.manifest, files: built.files, model, targets: [strict], test, train: undefined, runArtifact: runAsFp32(model) }).catch((e: unknown) => e);
    expect(isTrainerError(error, 'BUDGET_EXCEEDED')).toBe(true);
    expect((error as Error).message).toMatch(/smallest it got is \d+ bytes, over the phone-wasm budget of 100/);
  });
});
