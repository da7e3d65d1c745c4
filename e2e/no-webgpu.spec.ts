/**
 * Chromium without `--enable-unsafe-webgpu`: navigator.gpu exists but gives no adapter.
 * `auto` skips both WebGPU backends with that reason, lands on wasm and predicts; of a
 * package compressed for several device classes it runs the artifact made for a device
 * without WebGPU, and `backendReport()` says so.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Artifact } from '../format/index.ts';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { backendRow } from '../runtime/index.ts';
import { openLab, packageVariant, writeSignedManifest } from './lab.ts';

const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

test.use({ launchOptions: { executablePath: findChromium(), args: [...CHROMIUM_BASE_ARGS] } });

test('auto lands on wasm and predicts', async ({ page }) => {
  await openLab(page);
  const result = await page.evaluate(async (url) => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const caps = await runtime.capabilities();
    const model = await runtime.load(url);
    const { images, labels } = await loadTestDigits(50);
    const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
    await runtime.dispose();
    const correct = predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length;
    return { caps, report: model.backend, correct };
  }, CNN);
  expect(result.caps.webgpu.adapter).toBe(false);
  expect(backendRow(result.report.backend).device).toBe('wasm');
  // A manifest without device classes (the fixtures' generic fp32 pair) loads as before.
  expect(['tfjs-fp32', 'onnx-fp32']).toContain(result.report.artifact);
  expect(result.report.artifactReason).toMatch(/^generic fp32 artifact/);
  const skipped = result.report.candidates.filter((c) => backendRow(c.backend).needsWebGpu);
  expect(skipped.length).toBe(2);
  for (const c of skipped) expect(c.skipped).toMatch(/requestAdapter|navigator\.gpu/);
  expect(result.correct).toBeGreaterThan(40);
});

test('the artifact compressed for a device without WebGPU is chosen, and backendReport names it', async ({ page }) => {
  // The fixture's fp32 ONNX file relabelled, re-signed, the way the compressor labels its
  // artifacts (devices/targets.json): desktop-webgpu's fp16 (requires shader-f16) and phone-wasm's int8.
  const url = await packageVariant('mnist-cnn', 'device-classes', async (dir, manifest) => {
    const onnx = manifest.artifacts.find((a) => a.engine === 'onnx')!;
    const relabel = async (artifact: Omit<Artifact, 'files'>) => {
      await mkdir(join(dir, artifact.id), { recursive: true });
      await copyFile(join(dir, onnx.files[0]!.path), join(dir, artifact.id, 'model.onnx'));
      manifest.artifacts.push({ ...artifact, files: [{ ...onnx.files[0]!, path: `${artifact.id}/model.onnx` }] });
    };
    await relabel({ id: 'onnx-fp16-desktop-webgpu', engine: 'onnx', precision: 'fp16', target: 'desktop-webgpu', requires: ['shader-f16'], device: { webgpu: true, shaderF16: true } });
    await relabel({ id: 'onnx-int8-phone-wasm', engine: 'onnx', precision: 'int8', target: 'phone-wasm', device: { webgpu: false, shaderF16: false } });
    await writeSignedManifest(dir, manifest);
  });
  await openLab(page);
  const result = await page.evaluate(async (url) => {
    const { createRuntime, isEdgeloopError, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const model = await runtime.load(url);
    const { images } = await loadTestDigits(1);
    const prediction = await model.predict({ data: images[0]!.map((v) => v * 255), shape: [1, 28, 28, 1] });
    const report = await model.backendReport();
    const int4 = await runtime.load(url, { precision: 'int4' }).then(
      () => null,
      (error: unknown) => (isEdgeloopError(error) ? { code: error.code, message: error.message, details: error.details } : { code: 'not coded', message: String(error), details: {} }),
    );
    await runtime.dispose();
    return { report, ranOn: prediction.backend, int4 };
  }, url);
  expect(result.report.artifact).toBe('onnx-int8-phone-wasm');
  expect(result.report.artifactReason).toBe('compressed for phone-wasm: no WebGPU adapter here');
  expect(result.report.backend).toBe('ort-wasm');
  expect(result.ranOn).toBe('ort-wasm');
  // A precision the package lacks: a typed error, across the worker, naming what is available.
  expect(result.int4?.code).toBe('PRECISION_UNAVAILABLE');
  expect(result.int4?.message).toMatch(/has no int4 artifact; precisions available here: fp32, fp16, int8$/);
  expect(result.int4?.details).toMatchObject({ precision: 'int4', available: ['fp32', 'fp16', 'int8'] });
});
