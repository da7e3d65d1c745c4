/**
 * The trainer in the browser: trains in its Web Worker, checkpoints to IndexedDB so a
 * reloaded tab resumes, gives the same CNN losses on WebGPU as on the cpu backend, and
 * its package loads in the runtime; with no backend named it trains a CNN on wasm where
 * WebGPU is only a software adapter, with the cpu backend's losses.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLab } from './lab.ts';

/** Starts a run in the page; progress lands in `window.trainProgress`, the outcome in `window.trainOutcome`. */
async function startRun(page: Page, job: { runId: string; epochs: number; backend: string; train?: number }): Promise<void> {
  await page.evaluate(async (job) => {
    const { createTrainer, loadMnistSplit } = window.edgeloop;
    const [train, validation, test] = await Promise.all([loadMnistSplit('train', job.train), loadMnistSplit('validation'), loadMnistSplit('test')]);
    const w = window as unknown as Record<string, unknown>;
    const progress: unknown[] = [];
    w.trainProgress = progress;
    const trainer = createTrainer();
    w.trainRun = trainer
      .train(
        {
          runId: job.runId,
          name: 'mnist-mlp-browser',
          model: { kind: 'mlp', inputShape: [28, 28, 1], hidden: [128], classes: 10, seed: 1 },
          inputShape: [28, 28, 1],
          labels: Array.from({ length: 10 }, (_, d) => String(d)),
          train,
          validation,
          test,
          options: { epochs: job.epochs, batchSize: 32, learningRate: 0.002, seed: 1 },
          backend: job.backend as 'wasm',
          input: { preprocessing: { scale: 1 / 255 } },
        },
        { onProgress: (p) => progress.push(p) },
      )
      .then((outcome) => (w.trainOutcome = outcome), (error: unknown) => (w.trainError = error instanceof Error ? `${error.name} ${(error as { code?: string }).code}: ${error.message}` : String(error)));
  }, job);
}

test('trains an MLP on MNIST in the worker (wasm) to ≥ 93 %, resumes after a reload, and the package predicts in the runtime', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  await startRun(page, { runId: 'mlp-e2e', epochs: 3, backend: 'wasm' });
  // Wait for the first epoch's checkpoint, then kill the tab mid-training.
  await page.waitForFunction(() => ((window as unknown as { trainProgress: Array<{ kind: string }> }).trainProgress ?? []).some((p) => p.kind === 'epoch'), undefined, { timeout: 120_000 });
  const beforeReload = await page.evaluate(() => (window as unknown as { trainProgress: Array<{ kind: string; epoch?: number; samplesPerSecond?: number; loss?: number }> }).trainProgress);
  const batches = beforeReload.filter((p) => p.kind === 'batch');
  expect(batches.length).toBeGreaterThan(200); // 8,000 digits / 32 per batch = 250 per epoch
  expect(batches.every((b) => Number.isFinite(b.loss) && b.samplesPerSecond! > 0)).toBe(true);
  await page.reload();
  await openLab(page);

  const info = await page.evaluate(async () => {
    const trainer = window.edgeloop.createTrainer();
    const checkpoint = await trainer.checkpointInfo('mlp-e2e');
    trainer.dispose();
    return checkpoint;
  });
  expect(info?.epoch, 'a checkpoint survived the reload').toBeGreaterThanOrEqual(1);

  // The same run id resumes from the IndexedDB checkpoint and ends at epoch 3.
  await startRun(page, { runId: 'mlp-e2e', epochs: 3, backend: 'wasm' });
  await page.waitForFunction(() => (window as unknown as Record<string, unknown>).trainOutcome || (window as unknown as Record<string, unknown>).trainError, undefined, { timeout: 240_000 });
  const outcome = await page.evaluate(async () => {
    const w = window as unknown as { trainOutcome?: import('../trainer/browser.ts').TrainOutcome; trainError?: string };
    if (!w.trainOutcome) return { error: w.trainError };
    const o = w.trainOutcome;
    // Install the trained package into the model store and predict with it.
    const runtime = await window.edgeloop.createRuntime();
    await runtime.store.installPackage(o.package!);
    const model = await runtime.load('mnist-mlp-browser', { backend: 'tfjs-wasm' });
    const { images, labels } = await window.edgeloop.loadTestDigits(200);
    const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
    const correct = predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length;
    const manifest = model.manifest;
    await runtime.dispose();
    return {
      resumedFromEpoch: o.resumedFromEpoch,
      epochs: o.history.map((h) => h.epoch),
      testAccuracy: o.testAccuracy,
      backend: o.backend,
      runtimeCorrect: correct,
      metrics: manifest.metrics,
      baselineSignals: manifest.baseline?.signals.length ?? 0,
      lineage: manifest.lineage,
      reportHtml: new TextDecoder().decode(o.package!.reportHtml).slice(0, 20000),
    };
  });
  expect(outcome).not.toHaveProperty('error');
  expect(outcome.backend).toBe('wasm');
  expect(outcome.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  expect(outcome.epochs).toEqual([1, 2, 3]);
  expect(outcome.testAccuracy).toBeGreaterThanOrEqual(0.93);
  expect(outcome.metrics?.accuracy).toBeCloseTo(outcome.testAccuracy!, 5);
  expect(outcome.runtimeCorrect, 'the package predicts in the runtime').toBeGreaterThanOrEqual(180);
  expect(outcome.baselineSignals).toBe(2 + 49 + 3); // mean intensity, contrast, 7×7 blocks, predicted class, confidence, entropy
  expect(outcome.lineage?.trainerConfig).toMatchObject({ model: { kind: 'mlp', hidden: [128] }, backend: 'wasm' });
  expect(outcome.reportHtml).toContain('<svg');
});

test('a few CNN steps on WebGPU give the losses of the cpu backend', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  const losses = await page.evaluate(async () => {
    const { createTrainer, loadMnistSplit } = window.edgeloop;
    const train = await loadMnistSplit('train', 96);
    const test = await loadMnistSplit('test', 32);
    const trainer = createTrainer();
    const run = async (backend: 'webgpu' | 'cpu') =>
      (
        await trainer.train({
          runId: `cnn-${backend}`,
          name: 'mnist-cnn-steps',
          model: { kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: 3 },
          inputShape: [28, 28, 1],
          labels: Array.from({ length: 10 }, (_, d) => String(d)),
          train,
          test,
          options: { epochs: 1, batchSize: 32, learningRate: 0.002, seed: 3 },
          backend,
          resume: false,
          buildPackage: false,
          // Every op on the GPU, not handed to the CPU for being small.
          tfjsFlags: backend === 'webgpu' ? { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } : {},
        })
      ).batchLosses;
    const result = { webgpu: await run('webgpu'), cpu: await run('cpu') };
    await trainer.clearCheckpoint('cnn-webgpu');
    await trainer.clearCheckpoint('cnn-cpu');
    trainer.dispose();
    return result;
  });
  expect(losses.cpu.length).toBe(3);
  expect(losses.webgpu.length).toBe(3);
  for (let i = 0; i < 3; i++) expect(Math.abs(losses.webgpu[i]! - losses.cpu[i]!), `step ${i + 1}: ${losses.webgpu[i]} vs ${losses.cpu[i]}`).toBeLessThan(1e-3);
  // The steps train: the loss moves.
  expect(losses.cpu[0]).not.toBe(losses.cpu[2]);
});

test('with no backend named, a CNN trains on wasm where WebGPU is only a software adapter, with the cpu backend’s losses', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page);
  const result = await page.evaluate(async () => {
    const { createTrainer, loadMnistSplit } = window.edgeloop;
    const adapter = await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter().catch(() => null);
    const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    const hardwareGpu = adapter != null && info?.isFallbackAdapter !== true && !/swiftshader/i.test(`${info?.architecture} ${info?.description}`);
    const train = await loadMnistSplit('train', 320);
    const test = await loadMnistSplit('test', 200);
    const run = async (backend: 'cpu' | undefined) => {
      // A fresh worker per run: each starts its backend from nothing, as a page does.
      const trainer = createTrainer();
      const runId = `cnn-default-${backend ?? 'auto'}`;
      try {
        const outcome = await trainer.train({
          runId,
          name: 'mnist-cnn-default',
          model: { kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: 1 },
          inputShape: [28, 28, 1],
          labels: Array.from({ length: 10 }, (_, d) => String(d)),
          train,
          test,
          // The mnist-cnn fixture's recipe (scripts/make-fixtures.ts), on 320 digits.
          options: { epochs: 2, batchSize: 32, learningRate: 0.002, seed: 1 },
          ...(backend ? { backend } : {}),
          resume: false,
          buildPackage: false,
        });
        await trainer.clearCheckpoint(runId);
        return { backend: outcome.backend, reason: outcome.backendReason, losses: outcome.batchLosses, epochLosses: outcome.history.map((h) => h.loss), testAccuracy: outcome.testAccuracy };
      } finally {
        trainer.dispose();
      }
    };
    return { hardwareGpu, auto: await run(undefined), cpu: await run('cpu') };
  });
  test.skip(result.hardwareGpu, 'this browser has a hardware WebGPU adapter: the default is WebGPU there');
  expect(result.auto.backend).toBe('wasm');
  expect(result.auto.reason).toMatch(/software WebGPU adapter|no WebGPU adapter/);
  expect(result.cpu.backend).toBe('cpu');
  expect(result.cpu.reason, 'a named backend needs no reason').toBeUndefined();
  expect(result.auto.losses).toHaveLength(20);
  // Same initial weights and batches: the wasm convolution gradients give the cpu backend's loss curve.
  for (let i = 0; i < 20; i++) expect(Math.abs(result.auto.losses[i]! - result.cpu.losses[i]!), `step ${i + 1}: wasm ${result.auto.losses[i]} vs cpu ${result.cpu.losses[i]}`).toBeLessThan(1e-4);
  expect(result.auto.epochLosses[1]!, 'it trains').toBeLessThan(result.auto.epochLosses[0]! - 0.1);
  expect(Math.abs(result.auto.testAccuracy - result.cpu.testAccuracy)).toBeLessThan(0.02);
});
