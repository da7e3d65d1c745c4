/**
 * `auto` measures: on SwiftShader's software WebGPU adapter it does not pick WebGPU
 * (no-webgpu.spec.ts covers a browser without WebGPU; backend-memory.spec.ts the
 * remembered choice). A lost WebGPU device moves the model to the next
 * backend and the pending call still completes.
 */
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

test('auto does not pick WebGPU on a software adapter: it times the backends off the GPU until stable, and not the software GPU', async ({ page }) => {
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
  const measured = result.report.candidates.filter((c) => c.runs !== undefined && c.runs > 0);
  expect(measured.map((c) => c.backend)).toEqual(expect.arrayContaining(['ort-wasm', 'tfjs-wasm']));
  for (const gpu of result.report.candidates.filter((c) => /webgpu/.test(c.backend))) {
    expect(gpu.skipped).toMatch(/^not timed: a software WebGPU adapter/);
  }
  expect(result.report.backend).not.toMatch(/webgpu/);
  const chosen = measured.find((c) => c.backend === result.report.backend)!;
  for (const c of measured) expect(chosen.warmupMs!).toBeLessThanOrEqual(c.warmupMs!);
  expect(result.report.reason).toMatch(/^auto: fastest warm runs/);
  expect(result.top).toBeDefined();
});

test('a WebGPU device lost mid-batch: the model moves to the next backend and the pending call completes', async ({ page }) => {
  await openLab(page);
  const outcome = await page.evaluate(async (url) => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } });
    const { images, labels } = await loadTestDigits(40);
    const inputs = images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] }));
    const rows = [];
    for (const backend of ['tfjs-webgpu', 'ort-webgpu'] as const) {
      const model = await runtime.load(url, { backend });
      // One input per run, so the batch is still going when the device goes.
      let lost: Promise<void> | undefined;
      const predictions = await model.predictBatch(inputs, {
        batchSize: 1,
        onProgress: ({ done }) => {
          if (done >= 3) lost ??= model.simulateDeviceLoss();
        },
      });
      await lost;
      const report = await model.backendReport();
      rows.push({
        backend,
        count: predictions.length,
        first: predictions[0]!.backend,
        last: predictions[predictions.length - 1]!.backend,
        correct: predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length,
        reason: report.reason,
        now: report.backend,
      });
      await model.dispose();
    }
    await runtime.dispose();
    return rows;
  }, CNN);
  for (const row of outcome) {
    expect(row.count, `${row.backend}: every input of the pending batch answered`).toBe(40);
    expect(row.first).toBe(row.backend);
    expect(row.last).not.toBe(row.backend);
    expect(row.last).not.toMatch(/webgpu/);
    expect(row.now).toBe(row.last);
    expect(row.reason).toMatch(/^failover: .*webgpu.* failed mid-session/);
    expect(row.correct).toBeGreaterThan(34);
  }
});
