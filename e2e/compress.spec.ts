/**
 * The compressor end to end: `npm run compress` turns the MNIST CNN package into one
 * artifact per edge target (devices/targets.json), re-signed; each artifact then runs
 * in the runtime, in Chromium, on every backend its target allows, and agrees with the
 * fp32 model.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { getEdgeTarget } from '../devices/index.ts';
import type { Artifact, Manifest } from '../format/index.ts';
import { backendRow } from '../runtime/index.ts';
import { FIXTURES, openLab } from './lab.ts';

const DIR = join(FIXTURES, 'e2e', 'compressed', 'mnist-cnn', '1.0.0');
const URL_PATH = '/fixtures/e2e/compressed/mnist-cnn/1.0.0/manifest.json';

test('every edge target artifact of the MNIST CNN runs in the runtime on each backend its target allows', async ({ page }) => {
  test.setTimeout(600_000);
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  await cp(join(FIXTURES, 'registry', 'mnist-cnn', '1.0.0'), DIR, { recursive: true });
  execFileSync('npx', ['tsx', 'scripts/compress.ts', '--package', DIR, '--target', 'all', '--key', join(FIXTURES, 'keys', 'publisher.json'), '--train-limit', '2000', '--latency'], {
    stdio: 'pipe',
    timeout: 400_000,
  });
  const manifest = JSON.parse(await readFile(join(DIR, 'manifest.json'), 'utf8')) as Manifest;
  const report = JSON.parse(await readFile(join(DIR, 'compress-report.json'), 'utf8')) as {
    entries: Array<{ artifact: string; target: string; engine: string; bytesRatio: number; top1Agreement: number; latencyP50Ms?: Record<string, number> }>;
  };
  await openLab(page);
  const caps = await page.evaluate(async () => {
    const runtime = await window.edgeloop.createRuntime();
    const detected = await runtime.capabilities();
    await runtime.dispose();
    return detected;
  });
  // The backends of an artifact's target that run its engine and, on WebGPU, have what it
  // requires (shader-f16 weights stay off an adapter without the feature).
  const backendsFor = (artifact: Artifact) =>
    getEdgeTarget(artifact.target).backends.filter((b) => {
      const row = backendRow(b);
      return row.engine === artifact.engine && !(row.needsWebGpu && artifact.requires?.includes('shader-f16') && !caps.webgpu.shaderF16);
    });
  const byId = new Map(manifest.artifacts.map((a) => [a.id, a]));
  // p50 latency measured in Chromium on every backend the target allows, in the report and the manifest.
  for (const entry of report.entries) {
    const backends = backendsFor(byId.get(entry.artifact)!);
    expect(Object.keys(entry.latencyP50Ms ?? {}).sort(), entry.artifact).toEqual([...backends].sort());
    for (const backend of backends) expect(manifest.metrics[`${entry.artifact}.p50_ms.${backend}`], `${entry.artifact} ${backend}`).toBeGreaterThan(0);
  }
  const compressed = manifest.artifacts.filter((a) => a.target !== 'generic');
  expect(compressed.map((a) => a.target).sort()).toEqual(['desktop-webgpu', 'desktop-webgpu', 'phone-wasm', 'phone-webgpu', 'tiny']);
  expect(report.entries.map((e) => e.artifact).sort()).toEqual(compressed.map((a) => a.id).sort());
  const ratios = Object.fromEntries(report.entries.map((e) => [e.artifact, e.bytesRatio]));
  expect(ratios['onnx-int8-phone-wasm']).toBeLessThan(0.35);
  expect(ratios['onnx-int4-tiny']).toBeLessThan(ratios['onnx-int8-phone-wasm']!);

  // Each artifact on each backend of its target that runs its engine.
  const runs = compressed.flatMap((artifact) => backendsFor(artifact).map((backend) => ({ artifact: artifact.id, backend })));
  const results = await page.evaluate(
    async ({ url, runs }) => {
      const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } });
      const { images, labels } = await loadTestDigits(200);
      const inputs = images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] }));
      const reference = await runtime.load(url, { backend: 'tfjs-cpu', failover: false });
      const fp32 = (await reference.predictBatch(inputs, { batchSize: 100 })).map((p) => p.topK[0]!.index);
      await reference.dispose();
      // auto: the artifact compressed for this kind of device.
      const auto = await runtime.load(url);
      const autoReport = await auto.backendReport();
      await auto.dispose();
      const out = [];
      for (const run of runs) {
        const model = await runtime.load(url, { artifact: run.artifact, backend: run.backend as never, failover: false });
        const predictions = await model.predictBatch(inputs, { batchSize: 100 });
        const top1 = predictions.map((p) => p.topK[0]!.index);
        out.push({
          ...run,
          ranOn: predictions[0]!.backend,
          accuracy: top1.filter((y, i) => y === labels[i]).length / labels.length,
          agreement: top1.filter((y, i) => y === fp32[i]).length / fp32.length,
        });
        await model.dispose();
      }
      await runtime.dispose();
      return { fp32Accuracy: fp32.filter((y, i) => y === labels[i]).length / labels.length, out, autoReport };
    },
    { url: URL_PATH, runs },
  );
  expect(results.out.length).toBe(runs.length);
  // backendReport names the artifact auto chose for this device class, and why.
  const hardware = caps.webgpu.adapter && !caps.webgpu.fallback;
  const expected = !hardware ? ['onnx-int8-phone-wasm'] : caps.webgpu.shaderF16 ? ['onnx-fp16-desktop-webgpu'] : ['onnx-int8-phone-webgpu', 'tfjs-fp32-desktop-webgpu-no-shader-f16'];
  expect(expected).toContain(results.autoReport.artifact);
  expect(results.autoReport.artifactReason).toMatch(hardware ? /^(compressed for|fallback of) desktop-webgpu|^compressed for phone-webgpu/ : /^compressed for phone-wasm: (no WebGPU adapter|only a software WebGPU adapter) here/);
  for (const r of results.out) {
    expect(r.ranOn, `${r.artifact} on ${r.backend}`).toBe(r.backend);
    expect(r.accuracy, `${r.artifact} on ${r.backend}: accuracy`).toBeGreaterThan(0.85);
    // The pruned + fine-tuned int4 model is a different model; the others must agree with fp32.
    if (!r.artifact.includes('tiny')) expect(r.agreement, `${r.artifact} on ${r.backend}: top-1 agreement with fp32`).toBeGreaterThanOrEqual(0.97);
  }
});
