import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { getEdgeTarget, type EdgeTarget } from '../devices/index.ts';
import { parseManifest, validateManifest } from '../format/index.ts';
import { buildMlp } from '../trainer/index.ts';
import { tinyPackage } from '../test-support/tiny-package.ts';
import { isCompressError } from './compress-error.ts';
import { compressPackage, type RunArtifact } from './compress-package.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function fixture() {
  const model = buildMlp({ inputShape: [8, 8, 1], hidden: [128], classes: 3, seed: 1 });
  return { model, ...(await tinyPackage(model)) };
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

  it('writes what each artifact needs: device class, shader-f16 for fp16 WebGPU weights, the fallback condition', async () => {
    const { model, built, test } = await fixture();
    const { built: out } = await compressPackage({
      manifest: built.manifest,
      files: built.files,
      model,
      targets: [getEdgeTarget('desktop-webgpu'), getEdgeTarget('phone-wasm')],
      test,
      runArtifact: runAsFp32(model),
    });
    const manifest = validateManifest(JSON.parse(new TextDecoder().decode(out.manifestBytes)));
    const byId = new Map(manifest.artifacts.map((a) => [a.id, a]));
    expect([...byId.keys()]).toEqual(['tfjs-fp32', 'onnx-fp16-desktop-webgpu', 'tfjs-fp32-desktop-webgpu-no-shader-f16', 'onnx-int8-phone-wasm']);
    // The original artifact is for any device and says nothing new.
    expect(byId.get('tfjs-fp32')).not.toHaveProperty('device');
    expect(byId.get('onnx-fp16-desktop-webgpu')).toMatchObject({ precision: 'fp16', device: { webgpu: true, shaderF16: true }, requires: ['shader-f16'] });
    expect(byId.get('onnx-fp16-desktop-webgpu')).not.toHaveProperty('fallbackWhen');
    const fallback = byId.get('tfjs-fp32-desktop-webgpu-no-shader-f16')!;
    expect(fallback).toMatchObject({ engine: 'tfjs', precision: 'fp32', target: 'desktop-webgpu', device: { webgpu: true, shaderF16: true }, fallbackWhen: 'no-shader-f16' });
    expect(fallback).not.toHaveProperty('requires');
    const int8 = byId.get('onnx-int8-phone-wasm')!;
    expect(int8).toMatchObject({ device: { webgpu: false, shaderF16: false } });
    expect(int8).not.toHaveProperty('requires');
    expect(int8).not.toHaveProperty('fallbackWhen');
  });

  it('refuses a budget it cannot meet with BUDGET_EXCEEDED naming the smallest size, and returns nothing', async () => {
    const { model, built, test } = await fixture();
    const strict: EdgeTarget = { ...getEdgeTarget('phone-wasm'), sizeBudget: { maxBytesRatio: 0.01, overheadBytes: 0, maxBytes: 100 } };
    const error = await compressPackage({ manifest: built.manifest, files: built.files, model, targets: [strict], test, train: undefined, runArtifact: runAsFp32(model) }).catch((e: unknown) => e);
    expect(isCompressError(error, 'BUDGET_EXCEEDED')).toBe(true);
    expect((error as Error).message).toMatch(/smallest it got is \d+ bytes, over the phone-wasm budget of 100/);
  });
});
