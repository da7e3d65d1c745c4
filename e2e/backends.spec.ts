/**
 * One package, five backends, the same answers: 1,000 held-out MNIST digits through
 * tfjs-webgpu, tfjs-wasm, tfjs-cpu, ort-webgpu and ort-wasm give the same top-1 as
 * tfjs-cpu, with probabilities within 1e-3.
 */
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

const BACKENDS = ['tfjs-cpu', 'tfjs-wasm', 'tfjs-webgpu', 'ort-wasm', 'ort-webgpu'] as const;

test('the MNIST CNN gives the same answers on every engine × backend', async ({ page }) => {
  test.setTimeout(600_000);
  await openLab(page);
  const results = await page.evaluate(async (backends) => {
    const { createRuntime, loadTestDigits, trustedKeys } = window.edgeloop;
    // Handoff threshold 0: tfjs-webgpu must run every op on the GPU, not hand small ones to the CPU.
    const runtime = await createRuntime({ trustedKeys, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }, warmupRuns: 1 });
    const { images, labels } = await loadTestDigits(1000);
    // The manifest's preprocessing scales raw 0..255 pixels by 1/255.
    const inputs = images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] }));
    const out: Record<string, { backend: string; top1: number[]; probs: number[][] }> = {};
    for (const backend of backends) {
      const model = await runtime.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json', { backend, failover: false });
      const predictions = await model.predictBatch(inputs, { batchSize: 100 });
      out[backend] = { backend: model.backend.backend, top1: predictions.map((p) => p.topK[0]!.index), probs: predictions.map((p) => Array.from(p.output)) };
      await model.dispose();
    }
    await runtime.dispose();
    return { out, labels };
  }, BACKENDS);

  const reference = results.out['tfjs-cpu']!;
  const accuracy = reference.top1.filter((y, i) => y === results.labels[i]).length / results.labels.length;
  expect(accuracy, 'the fixture CNN is a real, trained model').toBeGreaterThan(0.85);
  for (const backend of BACKENDS) {
    const run = results.out[backend]!;
    expect(run.backend).toBe(backend);
    expect(run.top1.length).toBe(1000);
    const disagreements = run.top1.filter((y, i) => y !== reference.top1[i]).length;
    expect(disagreements, `${backend} top-1 disagreements with tfjs-cpu`).toBe(0);
    let maxDiff = 0;
    run.probs.forEach((row, i) => row.forEach((p, j) => (maxDiff = Math.max(maxDiff, Math.abs(p - reference.probs[i]![j]!)))));
    expect(maxDiff, `${backend} max |p - p_cpu|`).toBeLessThanOrEqual(1e-3);
  }
});
