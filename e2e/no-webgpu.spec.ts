/**
 * Chromium without `--enable-unsafe-webgpu`: navigator.gpu exists but gives no adapter.
 * `auto` skips both WebGPU backends with that reason, lands on wasm and predicts.
 */
import { expect, test } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { openLab } from './lab.ts';

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
  expect(result.report.backend).toMatch(/-wasm$/);
  const skipped = result.report.candidates.filter((c) => c.backend.endsWith('webgpu'));
  expect(skipped.length).toBe(2);
  for (const c of skipped) expect(c.skipped).toMatch(/requestAdapter|navigator\.gpu/);
  expect(result.correct).toBeGreaterThan(40);
});
