/**
 * A probe, not a benchmark: loads the MNIST CNN forced to `ort-wasm` in fresh runtimes,
 * alternating `wasmThreads` (default 2) with one thread, and prints each load's time and
 * `model.loadPhases`. Found (2026-12-07, 2-core machine): the multi-threaded
 * onnxruntime-web session build in a fresh worker takes 2–6 s in most loads against
 * 0.6–1.1 s single-threaded — the "bimodal" ORT load time behind `warm_vs_forced`'s
 * noise, and why `wasmThreads: 'auto'` is now half the cores. Needs `npm run build` and
 * the fixtures first.
 *
 *   npx tsx scripts/bench/ort-threads-probe.ts [rounds] [threads]
 */
import { openBenchBrowser } from './bench-browser.ts';
import { ProgressLog } from './progress-log.ts';

const rounds = Number(process.argv[2] ?? 8);
const many = Number(process.argv[3] ?? 2);
const browser = await openBenchBrowser(new ProgressLog(), { build: false, makeFixtures: false });
try {
  const page = browser.page();
  const url = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';
  for (let i = 0; i < rounds; i++) {
    for (const threads of [many, 1]) {
      const r = await page.evaluate(([u, t]) => window.benchAuto.loadOnce(u as string, 'ort-wasm', t as number), [url, threads] as const);
      const phases = r.phases as Record<string, number>;
      console.log(`threads ${threads}: load ${Math.round(r.loadMs)} ms (${Object.entries(phases).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')})`);
    }
  }
} finally {
  await browser.close();
}
