/**
 * CLI: `npm run bench -- <name> [options]` — runs one benchmark of the registry below,
 * writes its JSON to `bench-results/<name>.json` and prints its table. See
 * docs/BENCHMARKS.md for what each measures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark } from './benchmark.ts';
import { ProgressLog } from './progress-log.ts';

/** The benchmarks, by name; each module is imported only when its benchmark runs. */
const BENCHMARKS: Record<string, { description: string; load: () => Promise<Benchmark> }> = {
  runtime: {
    description: 'edgeloop vs raw tfjs / onnxruntime-web, every engine × backend, MNIST CNN and MobileNetV2 (Chromium)',
    load: async () => (await import('./runtime-bench.ts')).runtimeBenchmark,
  },
  compress: {
    description: 'compression variants of an MNIST CNN the bench trains (weight bytes, accuracy drop, top-1 agreement vs fp32), and a MobileNetV2 α 0.35 whose int8 ONNX forms are timed against fp32 on ort-wasm (Node)',
    load: async () => (await import('./compress-bench.ts')).compressBenchmark,
  },
  distill: {
    description: 'MLP teacher vs the same small student trained from scratch and distilled, MNIST, 3 seeds: share of the gap closed (Node)',
    load: async () => (await import('./distill-bench.ts')).distillBenchmark,
  },
  store: {
    description: 'model store: cold load from the server (loopback, Fast 4G) vs warm load from IndexedDB vs the engine floor (bytes in memory), to first prediction, split into bytes / engine / first run (Chromium)',
    load: async () => (await import('./store-bench.ts')).storeBenchmark,
  },
  sync: {
    description: 'sync endpoint: telemetry ingest (batches of 50 events, 64 connections) vs a bare fastify route, SQLite and PostgreSQL (autocannon)',
    load: async () => (await import('./sync-bench.ts')).syncBenchmark,
  },
  drift: {
    description: 'drift verdicts on simulated devices (MNIST CNN, 6 input shifts, windows of 100/500/2,000) and telemetry overhead per prediction (Node + Chromium)',
    load: async () => (await import('./drift-bench.ts')).driftBenchmark,
  },
  app: {
    description: 'the installable app: cold first visit vs offline warm visit to interactive and first prediction, and the first page\'s JS (gzip) (Chromium)',
    load: async () => (await import('./app-bench.ts')).appBenchmark,
  },
  embed: {
    description: 'the <edge-model> element on another origin vs the library in the app: time to the first prediction (cold, tfjs-wasm) and the loader bytes (Chromium)',
    load: async () => (await import('./embed-bench.ts')).embedBenchmark,
  },
  loop: {
    description: 'the loop on mnist-cnn: first drifted window → alert → retrained 1.1.0 on a canary → promotion, with accuracy recovered on the drifted digits (Node, real endpoint)',
    load: async () => (await import('./loop-bench.ts')).loopBenchmark,
  },
  train: {
    description: "samples/s of the trainer's train() loop vs plain tfjs model.fit, same model, data and backend; and the CNN trained on tfjs-wasm vs tfjs-cpu; ABBA (Node)",
    load: async () => (await import('./train-bench.ts')).trainBenchmark,
  },
};

const RESULTS_DIR = 'bench-results';

const [name, ...args] = process.argv.slice(2);
const entry = name === undefined ? undefined : BENCHMARKS[name];
if (!entry) {
  console.error(name === undefined ? 'usage: npm run bench -- <name> [options]' : `unknown benchmark "${name}"`);
  console.error('known benchmarks:');
  for (const [known, { description }] of Object.entries(BENCHMARKS)) console.error(`  ${known.padEnd(10)} ${description}`);
  process.exit(2);
}

const progress = new ProgressLog();
const benchmark = await entry.load();
const { json, table } = await benchmark.run(args, progress);
await mkdir(RESULTS_DIR, { recursive: true });
const file = join(RESULTS_DIR, `${name}.json`);
await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
progress.note(`wrote ${file}`);
console.log(`\n${table}`);
