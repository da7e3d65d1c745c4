/**
 * The main thread never blocks: loading a model and running 500 predictions leaves no
 * long task (> 50 ms) on the page's main thread (PerformanceObserver 'longtask').
 */
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

test('no main-thread long task during a model load and 500 predictions', async ({ page }) => {
  await openLab(page);
  const result = await page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits, longTasks } = window.edgeloop;
    const { images } = await loadTestDigits(500);
    const inputs = images.map((image) => ({ data: image.map((v) => v * 255), shape: [1, 28, 28, 1] }));
    // Let the page settle, then watch only what the runtime causes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const start = performance.now();
    const runtime = await createRuntime({ trustedKeys });
    const model = await runtime.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json');
    let answered = 0;
    for (const input of inputs) {
      const p = await model.predict(input);
      if (p.topK.length > 0) answered++;
    }
    // Long-task entries are delivered asynchronously; give the observer a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const end = performance.now();
    await runtime.dispose();
    // Control: a deliberate 80 ms task must be seen, or the observer is not working.
    setTimeout(() => {
      const busy = performance.now();
      while (performance.now() - busy < 80);
    }, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return {
      answered,
      longTasks: longTasks.filter((t) => t.startTime >= start && t.startTime < end).map((t) => t.duration),
      controlSeen: longTasks.some((t) => t.startTime >= end && t.duration >= 80),
      backend: model.backend.backend,
    };
  });
  expect(result.controlSeen, 'the long-task observer sees a deliberate 80 ms task').toBe(true);
  expect(result.answered).toBe(500);
  expect(result.longTasks, `long tasks (ms) on the main thread with ${result.backend}`).toEqual([]);
});
