/**
 * The Predict page: it loads the demo package through the runtime, shows the backend
 * and why, and predicts drawn digits and canvas/ImageData inputs preprocessed in the worker.
 */
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

test('the Predict page loads a model, shows the backend and why, and predicts a test digit', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 60_000 });
  await expect(page.locator('#backend-name')).not.toBeEmpty();
  await expect(page.locator('#backend-reason')).toContainText('auto: fastest warm-up');
  await expect(page.locator('#candidates tbody tr')).toHaveCount(5);
  await page.locator('#sample').click();
  await expect(page.locator('#top-k li')).toHaveCount(3);
  await expect(page.locator('#latency')).toContainText('ms in the worker');
  await page.screenshot({ path: test.info().outputPath('predict.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a drawn digit on a canvas (280×280) is resized and normalised in the worker to the same answer as the raw tensor', async ({ page }) => {
  await openLab(page);
  const result = await page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const model = await runtime.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json', { backend: 'tfjs-cpu' });
    const { images, labels } = await loadTestDigits(20);
    const rows = [];
    for (const image of images) {
      const digit = new ImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = Math.round(image[i]! * 255);
        digit.data.set([v, v, v, 255], i * 4);
      }
      const small = new OffscreenCanvas(28, 28);
      small.getContext('2d')!.putImageData(digit, 0, 0);
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 280;
      const context = canvas.getContext('2d')!;
      context.imageSmoothingEnabled = false;
      context.drawImage(small, 0, 0, 280, 280);
      const fromTensor = await model.predict({ data: image.map((v) => v * 255), shape: [28, 28, 1] });
      const fromImageData = await model.predict(digit);
      const fromCanvas = await model.predict(canvas);
      rows.push({ tensor: fromTensor.topK[0]!.index, imageData: fromImageData.topK[0]!.index, canvas: fromCanvas.topK[0]!.index });
    }
    await runtime.dispose();
    return { rows, labels };
  });
  const agreeImageData = result.rows.filter((r) => r.imageData === r.tensor).length;
  const agreeCanvas = result.rows.filter((r) => r.canvas === r.tensor).length;
  // ImageData at 28×28 is the same pixels; a 10× upscale then downscale is not bit-exact but must agree on the class.
  expect(agreeImageData).toBe(20);
  expect(agreeCanvas).toBeGreaterThanOrEqual(19);
});
