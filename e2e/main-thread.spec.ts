/**
 * The main thread never blocks: loading a model and running 500 predictions leaves no
 * long task (> 50 ms) on the page's main thread (PerformanceObserver 'longtask').
 *
 * A long task is wall time, so on this 2-core machine a ~20 ms task of the page (a
 * garbage collection) that the OS deschedules behind the runtime worker and Chromium's
 * own threads can pass 50 ms now and then (seen: 1 run in 6–8 with both cores otherwise
 * busy, 53 ms once in CI). A block the runtime causes happens on every run, so a long
 * task seen once is measured again, in a fresh runtime: the test fails when it recurs.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLab } from './lab.ts';

interface Measured {
  answered: number;
  longTasks: number[];
  controlSeen: boolean;
  backend: string;
}

function loadAndPredict(page: Page): Promise<Measured> {
  return page.evaluate(async () => {
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
}

test('no main-thread long task during a model load and 500 predictions', async ({ page }) => {
  await openLab(page);
  let result = await loadAndPredict(page);
  expect(result.controlSeen, 'the long-task observer sees a deliberate 80 ms task').toBe(true);
  expect(result.answered).toBe(500);
  if (result.longTasks.length > 0) {
    test.info().annotations.push({ type: 'measured again', description: `long tasks (ms) ${result.longTasks.join(', ')} with ${result.backend}` });
    result = await loadAndPredict(page);
    expect(result.controlSeen, 'the long-task observer sees a deliberate 80 ms task').toBe(true);
    expect(result.answered).toBe(500);
  }
  expect(result.longTasks, `long tasks (ms) on the main thread with ${result.backend}, in two runs`).toEqual([]);
});
