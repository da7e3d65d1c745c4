/**
 * The browser half of the runtime benchmark (`npm run bench -- runtime`, driven by
 * scripts/bench/runtime-bench.ts): `window.bench` measures one model on one backend
 * through edgeloop (`createRuntime` → `model.predict`, a comlink round trip) and raw
 * (tfjs / onnxruntime-web called directly in bench-raw-worker.ts, a plain postMessage
 * round trip), timing both on this thread the same way, in alternating blocks so
 * that machine drift falls on both equally.
 *
 * This logic lives in the bundled page, not in Playwright `evaluate` callbacks: tsx
 * compiles those with esbuild's `__name` helper, which does not exist in the page.
 */
import { backendRow, createRuntime, resolveRuntimeSettings, type BackendId, type Capabilities, type Manifest } from '../runtime/index.ts';
import type { RawSettings } from './bench-raw-worker.ts';
import { RawClient } from './raw-client.ts';
import { makeInput } from './bench-input.ts';

/** What to measure: one model on one backend. */
export interface MeasureConfig {
  /** Model id, for logs. */
  model: string;
  /** URL of the package's manifest.json. */
  url: string;
  backend: BackendId;
  /** Untimed runs on each side before timing (at least 2: the first one compiles). */
  warmupRuns: number;
  /** Timed runs on each side (fewer when `phaseBudgetMs` demands, never below `minRuns`). */
  runs: number;
  minRuns: number;
  /** Alternating raw / edgeloop blocks the timed runs are split into. */
  blocks: number;
  /** The first (compiling) raw run is stopped after this long and the backend skipped. */
  firstRunBudgetMs: number;
  /** A warm raw run slower than this skips the backend. */
  runBudgetMs: number;
  /** The timed phase (both sides) should fit in this. */
  phaseBudgetMs: number;
  /** tfjs flags, set the same way on both sides. */
  tfjsFlags: Record<string, number | boolean>;
}

/** One model × backend measurement: samples in ms, or why there are none. */
export interface MeasureResult {
  model: string;
  engine: 'tfjs' | 'onnx';
  backend: BackendId;
  skipped?: string;
  /** Round trips of `model.predict` through edgeloop. */
  edgeloopMs?: number[];
  /** Round trips of a direct engine call in the raw worker. */
  rawMs?: number[];
  /** Worker-side part of each: edgeloop's `prediction.latencyMs` (preprocessing + inference + postprocessing), the raw engine call. */
  edgeloopWorkerMs?: number[];
  rawWorkerMs?: number[];
  rawLoadMs?: number;
  edgeloopLoadMs?: number;
  /** The first (compiling) run of each side. */
  firstRunMs?: { raw: number; edgeloop?: number };
  /** The last untimed run of each side. */
  warmRunMs?: { raw: number; edgeloop?: number };
  /** Both sides computed the same thing: top-1 agrees, max |p_edgeloop − p_raw| after the manifest's activation. */
  check?: { top1Agree: boolean; maxAbsDiff: number };
}

/** The browser and device facts recorded with the results. */
export interface PageInfo {
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** Threads edgeloop gives the wasm backends here (and the raw baseline uses). */
  wasmThreads: number;
  capabilities: Capabilities;
}

const log = (message: string) => console.log(`[bench] ${message}`);

/** Thrown inside a measurement to record the backend as skipped. */
class Skip extends Error {}

async function measure(config: MeasureConfig): Promise<MeasureResult> {
  const { model: modelId, backend } = config;
  const { engine } = backendRow(backend);
  const result: MeasureResult = { model: modelId, engine, backend };
  const manifestUrl = new URL(config.url, location.href);
  // The raw side reads the manifest unverified, only to find the same file edgeloop runs:
  // the bench packages carry generic artifacts only, so edgeloop runs the engine's first
  // one (runtime/engine/artifact-choice.ts).
  const manifest = (await (await fetch(manifestUrl)).json()) as Manifest;
  const artifact = manifest.artifacts.find((a) => a.engine === engine);
  const file = artifact?.files.find((f) => (engine === 'onnx' ? f.path.endsWith('.onnx') : true));
  if (!file) return { ...result, skipped: `the package has no ${engine} artifact` };
  const input = makeInput(manifest);

  const settings: RawSettings = { numThreads: resolveRuntimeSettings().wasmThreads, tfjsFlags: config.tfjsFlags };
  const raw = new RawClient();
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, tfjsFlags: config.tfjsFlags });
  let id = 0;
  const timeRaw = async () => {
    const start = performance.now();
    const out = await raw.run(++id, input.prepared, input.shape);
    return { ms: performance.now() - start, workerMs: out.ms, output: out.output };
  };
  try {
    log(`${modelId} ${backend}: loading raw`);
    result.rawLoadMs = await raw.load(backend, new URL(file.path, manifestUrl).href, settings);
    log(`${modelId} ${backend}: raw loaded in ${fmt(result.rawLoadMs)} ms; first run (compiles)`);
    const first = await withTimeout(timeRaw(), config.firstRunBudgetMs, () => {
      raw.terminate();
      return new Skip(`the first warm-up run (compilation) was still running after ${s(config.firstRunBudgetMs)}; stopped (budget ${s(config.firstRunBudgetMs)})`);
    });
    const second = await timeRaw();
    result.firstRunMs = { raw: first.ms };
    log(`${modelId} ${backend}: raw first run ${fmt(first.ms)} ms, second ${fmt(second.ms)} ms`);
    if (second.ms > config.runBudgetMs) {
      throw new Skip(`one warm-up run took ${s(second.ms)} (the compiling first run ${s(first.ms)}); budget ${s(config.runBudgetMs)} per run`);
    }
    let rawLast = second;
    for (let i = 2; i < config.warmupRuns; i++) rawLast = await timeRaw();

    log(`${modelId} ${backend}: loading through edgeloop`);
    const model = await runtime.load(manifestUrl.href, { backend, failover: false });
    result.edgeloopLoadMs = model.loadMs;
    const timeEdgeloop = async () => {
      const start = performance.now();
      const prediction = await model.predict(input.raw);
      const ms = performance.now() - start;
      if (prediction.backend !== backend) throw new Error(`edgeloop ran on ${prediction.backend}, not ${backend}`);
      return { ms, workerMs: prediction.latencyMs, output: prediction.output };
    };
    let edgeLast = await timeEdgeloop();
    result.firstRunMs.edgeloop = edgeLast.ms;
    for (let i = 1; i < config.warmupRuns; i++) edgeLast = await timeEdgeloop();
    result.warmRunMs = { raw: rawLast.ms, edgeloop: edgeLast.ms };
    result.check = compare(manifest, edgeLast.output, rawLast.output);
    log(`${modelId} ${backend}: warm run raw ${fmt(rawLast.ms)} ms, edgeloop ${fmt(edgeLast.ms)} ms; outputs ${result.check.top1Agree ? 'agree' : 'DISAGREE'} (max diff ${result.check.maxAbsDiff.toExponential(1)})`);

    const perRun = Math.max(rawLast.ms, edgeLast.ms, second.ms);
    const affordable = Math.floor(config.phaseBudgetMs / (2 * perRun) / config.blocks) * config.blocks;
    const runs = Math.min(config.runs, affordable);
    if (runs < config.minRuns) {
      throw new Skip(`a warm run takes ${s(perRun)}: ${config.minRuns} timed runs per side would take ${s(2 * config.minRuns * perRun)}; budget ${s(config.phaseBudgetMs)}`);
    }
    const perBlock = Math.ceil(runs / config.blocks);
    const [rawMs, rawWorkerMs, edgeloopMs, edgeloopWorkerMs]: number[][] = [[], [], [], []];
    const started = performance.now();
    for (let block = 0; block < config.blocks; block++) {
      // ABBA order: each side runs first in half of the blocks.
      const sides = block % 2 === 0 ? ['raw', 'edgeloop'] : ['edgeloop', 'raw'];
      for (const side of sides) {
        for (let i = 0; i < perBlock; i++) {
          const { ms, workerMs } = side === 'raw' ? await timeRaw() : await timeEdgeloop();
          (side === 'raw' ? rawMs : edgeloopMs).push(ms);
          (side === 'raw' ? rawWorkerMs : edgeloopWorkerMs).push(workerMs);
        }
      }
    }
    log(`${modelId} ${backend}: ${rawMs.length} + ${edgeloopMs.length} timed runs in ${s(performance.now() - started)}`);
    await model.dispose();
    return { ...result, rawMs, edgeloopMs, rawWorkerMs, edgeloopWorkerMs };
  } catch (error) {
    // A backend that cannot run here is recorded, not left out; the reason says which case it is.
    const skipped = error instanceof Skip ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`;
    log(`${modelId} ${backend}: skipped — ${skipped}`);
    return { ...result, skipped };
  } finally {
    raw.terminate();
    await runtime.dispose();
  }
}

/** One artifact of a package on one backend: p50 of `runs` predictions after 3 warm-up runs. */
export interface LatencyConfig {
  url: string;
  artifact: string;
  backend: BackendId;
  runs: number;
}

async function artifactLatency(config: LatencyConfig): Promise<{ p50Ms: number; backend: BackendId } | { skipped: string }> {
  // The compressor measures its own fresh output: no signature policy here.
  const runtime = await createRuntime({ tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } });
  try {
    const model = await runtime.load(new URL(config.url, location.href).href, { artifact: config.artifact, backend: config.backend, failover: false });
    const input = makeInput(model.manifest).raw;
    for (let i = 0; i < 3; i++) await model.predict(input);
    const times: number[] = [];
    for (let i = 0; i < config.runs; i++) {
      const start = performance.now();
      await model.predict(input);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    log(`${config.artifact} on ${config.backend}: p50 ${fmt(times[times.length >> 1]!)} ms`);
    return { p50Ms: times[times.length >> 1]!, backend: config.backend };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  } finally {
    await runtime.dispose();
  }
}

async function info(): Promise<PageInfo> {
  const runtime = await createRuntime();
  try {
    return {
      userAgent: navigator.userAgent,
      crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      wasmThreads: resolveRuntimeSettings().wasmThreads,
      capabilities: await runtime.capabilities(),
    };
  } finally {
    await runtime.dispose();
  }
}

/** edgeloop's output (after the manifest's activation) against the raw output with the same activation applied. */
function compare(manifest: Manifest, edgeloop: Float32Array, raw: Float32Array): { top1Agree: boolean; maxAbsDiff: number } {
  const activated = Float32Array.from(raw);
  if (manifest.output.activation === 'sigmoid') activated.forEach((x, i) => (activated[i] = 1 / (1 + Math.exp(-x))));
  if (manifest.output.activation === 'softmax') {
    const max = Math.max(...activated);
    let sum = 0;
    activated.forEach((x, i) => (sum += activated[i] = Math.exp(x - max)));
    activated.forEach((x, i) => (activated[i] = x / sum));
  }
  const argmax = (a: Float32Array) => a.reduce((best, x, i) => (x > a[best]! ? i : best), 0);
  let maxAbsDiff = edgeloop.length === activated.length ? 0 : Infinity;
  edgeloop.forEach((x, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - (activated[i] ?? NaN)))));
  return { top1Agree: argmax(edgeloop) === argmax(activated), maxAbsDiff };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const bench = { measure, info, artifactLatency };
declare global {
  interface Window {
    bench: typeof bench;
  }
}
window.bench = bench;
document.body.dataset.ready = 'true';
