/**
 * The compressor in the browser: the compressor's worker compresses the MNIST CNN package
 * for two edge targets, evaluates every artifact there, and the re-built package
 * installs into the runtime's store and runs its int8 ONNX artifact on ort-wasm.
 */
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

test('the compressor worker compresses a package for edge targets, and the runtime runs the result', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page);
  const outcome = await page.evaluate(async () => {
    const { createCompressor, createRuntime, loadMnistSplit, loadTestDigits } = window.edgeloop;
    const base = '/fixtures/registry/mnist-cnn/1.0.0/';
    const manifestBytes = new Uint8Array(await (await fetch(`${base}manifest.json`)).arrayBuffer());
    const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { artifacts: Array<{ files: Array<{ path: string }> }> };
    const files = new Map<string, Uint8Array>();
    for (const file of manifest.artifacts.flatMap((a) => a.files)) files.set(file.path, new Uint8Array(await (await fetch(base + file.path)).arrayBuffer()));
    const [test, train] = await Promise.all([loadMnistSplit('test', 500), loadMnistSplit('train', 1000)]);
    const compressor = createCompressor();
    const messages: string[] = [];
    const result = await compressor.compress({ manifestBytes, files, targets: ['phone-wasm', 'tiny'], test, train }, { onProgress: (m) => messages.push(m) });
    compressor.dispose();

    const runtime = await createRuntime(); // the re-built package is unsigned
    await runtime.store.installPackage(result.package);
    const model = await runtime.load('mnist-cnn', { artifact: 'onnx-int8-phone-wasm', backend: 'ort-wasm', failover: false });
    const { images, labels } = await loadTestDigits(100);
    const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
    await runtime.dispose();
    return {
      entries: result.report.entries.map((e) => ({ artifact: e.artifact, bytesRatio: e.bytesRatio, top1Agreement: e.top1Agreement, accuracy: e.accuracy })),
      messages: messages.length,
      ranOn: predictions[0]!.backend,
      correct: predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length,
    };
  });
  expect(outcome.entries.map((e) => e.artifact)).toEqual(['onnx-int8-phone-wasm', 'onnx-int4-tiny']);
  const int8 = outcome.entries[0]!;
  expect(int8.bytesRatio).toBeLessThan(0.35);
  expect(int8.top1Agreement).toBeGreaterThanOrEqual(0.98);
  expect(outcome.entries[1]!.accuracy).toBeGreaterThan(0.85);
  expect(outcome.messages).toBeGreaterThan(2);
  expect(outcome.ranOn).toBe('ort-wasm');
  expect(outcome.correct).toBeGreaterThanOrEqual(85);
});
