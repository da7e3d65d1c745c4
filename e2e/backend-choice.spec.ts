/**
 * `auto` measures: on SwiftShader's software WebGPU adapter it does not pick WebGPU;
 * without WebGPU it lands on wasm. A lost WebGPU device moves the model to the next
 * backend and the pending call still completes.
 */
import { expect, test } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { openLab } from './lab.ts';

const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

test('auto does not pick WebGPU on a software adapter, because it measured it slower', async ({ page }) => {
  await openLab(page);
  const result = await page.evaluate(async (url) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const caps = await runtime.capabilities();
    const model = await runtime.load(url);
    const { images } = await window.edgeloop.loadTestDigits(1);
    const prediction = await model.predict({ data: images[0]!.map((v) => v * 255), shape: [1, 28, 28, 1] });
    await runtime.dispose();
    return { caps, report: model.backend, top: prediction.topK[0] };
  }, CNN);
  expect(result.caps.webgpu.adapter).toBe(true);
  expect(result.caps.webgpu.fallback).toBe(true);
  const measured = result.report.candidates.filter((c) => c.warmupMs !== undefined);
  expect(measured.map((c) => c.backend).sort()).toEqual(['ort-wasm', 'ort-webgpu', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-webgpu']);
  expect(result.report.backend).not.toMatch(/webgpu/);
  const chosen = measured.find((c) => c.backend === result.report.backend)!;
  for (const c of measured) expect(chosen.warmupMs!).toBeLessThanOrEqual(c.warmupMs!);
  expect(result.report.reason).toMatch(/^auto: fastest warm-up/);
  expect(result.top).toBeDefined();
});

test('a lost WebGPU device moves the model to the next backend and the pending call completes', async ({ page }) => {
  await openLab(page);
  const outcome = await page.evaluate(async (url) => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } });
    const { images } = await loadTestDigits(1);
    const input = { data: images[0]!.map((v) => v * 255), shape: [1, 28, 28, 1] };
    const rows = [];
    for (const backend of ['tfjs-webgpu', 'ort-webgpu'] as const) {
      const model = await runtime.load(url, { backend });
      const before = await model.predict(input);
      await model.simulateDeviceLoss();
      const after = await model.predict(input);
      const report = await model.backendReport();
      rows.push({ backend, beforeBackend: before.backend, afterBackend: after.backend, reason: report.reason, same: before.topK[0]!.index === after.topK[0]!.index });
      await model.dispose();
    }
    await runtime.dispose();
    return rows;
  }, CNN);
  for (const row of outcome) {
    expect(row.beforeBackend).toBe(row.backend);
    expect(row.afterBackend).not.toBe(row.backend);
    expect(row.reason).toMatch(/^failover:/);
    expect(row.same).toBe(true);
  }
});

test.describe('without WebGPU', () => {
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
    expect(result.report.backend).toMatch(/-wasm$/);
    const skipped = result.report.candidates.filter((c) => c.backend.endsWith('webgpu'));
    expect(skipped.length).toBe(2);
    for (const c of skipped) expect(c.skipped).toMatch(/requestAdapter|navigator\.gpu/);
    expect(result.correct).toBeGreaterThan(40);
  });
});
