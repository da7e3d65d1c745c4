/**
 * The browser half of the runtime benchmark (`npm run bench -- runtime`, driven by
 * scripts/bench/runtime-bench.ts): `window.bench` measures one model on one backend
 * through edgeloop (`createRuntime` → `model.predict`, its one-message-each-way fast
 * path) and raw (tfjs / onnxruntime-web called directly in bench-raw-worker.ts, a plain
 * postMessage round trip: the same job done by hand, and the engine alone), plus a bare
 * echo to a module worker (bench-echo-worker.ts: the thread hop alone), timing all on
 * this thread the same way, in alternating blocks so that machine drift falls on each
 * side equally.
 *
 * This logic lives in the bundled page, not in Playwright `evaluate` callbacks: tsx
 * compiles those with esbuild's `__name` helper, which does not exist in the page.
 */
import { backendRow, createRuntime, resolveRuntimeSettings, type BackendId, type Capabilities, type Manifest } from '../runtime/index.ts';
import type { RawJob, RawSettings } from './bench-raw-worker.ts';
import { RawClient } from './raw-client.ts';
import { EchoClient } from './echo-client.ts';
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
  /** Round trips of `model.predict` through edgeloop (top-k built on this thread). */
  edgeloopMs?: number[];
  /** Round trips of the same job done by hand in the raw worker: raw input cloned, preprocessed, run, activated, probabilities transferred back, top-k on this thread. */
  rawJobMs?: number[];
  /** The same job with its request and answer on a MessagePort instead of the worker's postMessage (edgeloop's runtime talks on a port). */
  rawPortJobMs?: number[];
  /** Round trips of the engine alone in the raw worker (input already preprocessed, raw logits back). */
  rawMs?: number[];
  /** Round trips of a bare echo (a buffer the size of the input, transferred each way) to a module worker: on its postMessage, and on a MessagePort. */
  echoMs?: number[];
  portEchoMs?: number[];
  /** Worker-side part of each: edgeloop's `prediction.latencyMs` (preprocessing + inference + postprocessing), the raw job, the raw engine call. */
  edgeloopWorkerMs?: number[];
  rawJobWorkerMs?: number[];
  rawWorkerMs?: number[];
  rawLoadMs?: number;
  edgeloopLoadMs?: number;
  /** The first (compiling) run of each side. */
  firstRunMs?: { raw: number; edgeloop?: number };
  /** The last untimed run of each side. */
  warmRunMs?: { raw: number; rawJob?: number; edgeloop?: number };
  /** edgeloop and the engine-only baseline computed the same thing: top-1 agrees, max |p_edgeloop − p_raw| after the manifest's activation. */
  check?: { top1Agree: boolean; maxAbsDiff: number };
  /** edgeloop and the same-job baseline: top-1 and the whole top-k agree, max |Δp|. */
  jobCheck?: { top1Agree: boolean; topKAgree: boolean; maxAbsDiff: number };
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

/**
 * The sides timed in each block, in this order in even blocks and the reverse in odd ones
 * (ABBA): the raw engine alone, the raw job, edgeloop, the echo on the worker and on a
 * port, and the raw job over a MessagePort. Each side but the echoes has a worker of its
 * own, warmed up with the same number of calls.
 */
const SIDES = ['engine', 'job', 'edgeloop', 'echo', 'port', 'jobport'] as const;
type Side = (typeof SIDES)[number];

/** The top-k both sides build on this thread. */
const TOP_K = 5;

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
  const job: RawJob = { preprocessing: manifest.input.preprocessing, layout: manifest.input.layout, activation: manifest.output.activation };
  // One raw worker per raw side (engine only, same job, same job on a port), as edgeloop's
  // worker serves one side: a worker's engine code runs faster the more calls it has
  // served, over thousands of calls (JIT and wasm tier-up), so one raw worker serving
  // three sides would time a baseline with three times edgeloop's calls behind it.
  const raw = new RawClient();
  const rawJob = new RawClient();
  const rawPort = new RawClient();
  const echo = new EchoClient(input.raw.data.length);
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, tfjsFlags: config.tfjsFlags });
  let id = 0;
  const timeRaw = async () => {
    const start = performance.now();
    const out = await raw.run(++id, input.prepared, input.shape);
    return { ms: performance.now() - start, workerMs: out.ms, output: out.output };
  };
  const timeJob = async (overPort = false) => {
    const start = performance.now();
    // Cloned, as model.predict(input) clones it.
    const out = await (overPort ? rawPort.jobOverPort(++id, input.raw.data, input.raw.shape) : rawJob.job(++id, input.raw.data, input.raw.shape));
    const top = topK(out.output, manifest.output.labels);
    return { ms: performance.now() - start, workerMs: out.ms, output: out.output, top };
  };
  try {
    log(`${modelId} ${backend}: loading raw`);
    result.rawLoadMs = await raw.load(backend, new URL(file.path, manifestUrl).href, settings, job);
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
    const url = new URL(file.path, manifestUrl).href;
    await Promise.all([rawJob.load(backend, url, settings, job), rawPort.load(backend, url, settings, job)]);
    let jobLast = await timeJob();
    for (let i = 1; i < config.warmupRuns; i++) jobLast = await timeJob();
    for (let i = 0; i < config.warmupRuns; i++) await timeJob(true);
    for (let i = 0; i < config.warmupRuns; i++) await echo.worker().then(() => echo.port());

    log(`${modelId} ${backend}: loading through edgeloop`);
    const model = await runtime.load(manifestUrl.href, { backend, failover: false });
    result.edgeloopLoadMs = model.loadMs;
    const timeEdgeloop = async () => {
      const start = performance.now();
      const prediction = await model.predict(input.raw, { topK: TOP_K });
      const ms = performance.now() - start;
      if (prediction.backend !== backend) throw new Error(`edgeloop ran on ${prediction.backend}, not ${backend}`);
      return { ms, workerMs: prediction.latencyMs, output: prediction.output, top: prediction.topK };
    };
    let edgeLast = await timeEdgeloop();
    result.firstRunMs.edgeloop = edgeLast.ms;
    for (let i = 1; i < config.warmupRuns; i++) edgeLast = await timeEdgeloop();
    result.warmRunMs = { raw: rawLast.ms, rawJob: jobLast.ms, edgeloop: edgeLast.ms };
    result.check = compare(manifest, edgeLast.output, rawLast.output);
    const jobCheck = compare({ ...manifest, output: { ...manifest.output, activation: 'none' } }, edgeLast.output, jobLast.output);
    const topKAgree = edgeLast.top.length === jobLast.top.length && edgeLast.top.every((t, i) => t.index === jobLast.top[i]!.index && t.label === jobLast.top[i]!.label);
    result.jobCheck = { ...jobCheck, topKAgree };
    log(`${modelId} ${backend}: warm run raw ${fmt(rawLast.ms)} ms, raw job ${fmt(jobLast.ms)} ms, edgeloop ${fmt(edgeLast.ms)} ms; outputs ${result.check.top1Agree && topKAgree ? 'agree' : 'DISAGREE'} (max diff ${result.check.maxAbsDiff.toExponential(1)} / ${jobCheck.maxAbsDiff.toExponential(1)})`);

    const perRun = Math.max(rawLast.ms, jobLast.ms, edgeLast.ms, second.ms);
    const affordable = Math.floor(config.phaseBudgetMs / (3 * perRun) / config.blocks) * config.blocks;
    const runs = Math.min(config.runs, affordable);
    if (runs < config.minRuns) {
      throw new Skip(`a warm run takes ${s(perRun)}: ${config.minRuns} timed runs per side would take ${s(3 * config.minRuns * perRun)}; budget ${s(config.phaseBudgetMs)}`);
    }
    const perBlock = Math.ceil(runs / config.blocks);
    const samples = Object.fromEntries(SIDES.map((side) => [side, { ms: [] as number[], workerMs: [] as number[] }])) as Record<Side, { ms: number[]; workerMs: number[] }>;
    const timeSide = async (side: Side): Promise<{ ms: number; workerMs: number }> => {
      if (side === 'engine') return timeRaw();
      if (side === 'job') return timeJob();
      if (side === 'edgeloop') return timeEdgeloop();
      if (side === 'jobport') return timeJob(true);
      const start = performance.now();
      await (side === 'echo' ? echo.worker() : echo.port());
      return { ms: performance.now() - start, workerMs: 0 };
    };
    const started = performance.now();
    for (let block = 0; block < config.blocks; block++) {
      // ABBA order: each side runs first in half of the blocks.
      const sides = block % 2 === 0 ? SIDES : [...SIDES].reverse();
      for (const side of sides) {
        for (let i = 0; i < perBlock; i++) {
          const { ms, workerMs } = await timeSide(side);
          samples[side].ms.push(ms);
          samples[side].workerMs.push(workerMs);
        }
      }
    }
    const median = (a: number[]) => fmt([...a].sort((x, y) => x - y)[a.length >> 1]!);
    log(`${modelId} ${backend}: p50 ms (worker-side) ${SIDES.map((side) => `${side} ${median(samples[side].ms)} (${median(samples[side].workerMs)})`).join(', ')}`);
    log(`${modelId} ${backend}: ${perBlock * config.blocks} timed runs a side in ${s(performance.now() - started)}`);
    await model.dispose();
    return {
      ...result,
      rawMs: samples.engine.ms,
      rawWorkerMs: samples.engine.workerMs,
      rawJobMs: samples.job.ms,
      rawJobWorkerMs: samples.job.workerMs,
      edgeloopMs: samples.edgeloop.ms,
      edgeloopWorkerMs: samples.edgeloop.workerMs,
      echoMs: samples.echo.ms,
      portEchoMs: samples.port.ms,
      rawPortJobMs: samples.jobport.ms,
    };
  } catch (error) {
    // A backend that cannot run here is recorded, not left out; the reason says which case it is.
    const skipped = error instanceof Skip ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`;
    log(`${modelId} ${backend}: skipped — ${skipped}`);
    return { ...result, skipped };
  } finally {
    raw.terminate();
    rawJob.terminate();
    rawPort.terminate();
    echo.terminate();
    await runtime.dispose();
  }
}

/** The `k` best classes of one row, written by hand as a page would: one pass keeping the best `k` in order. */
function topK(row: Float32Array, labels: readonly string[] | undefined, k = TOP_K): Array<{ index: number; label: string; score: number }> {
  const best: number[] = [];
  for (let index = 0; index < row.length; index++) {
    const score = row[index]!;
    if (best.length === k && !(score > row[best[k - 1]!]!)) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && score > row[best[at - 1]!]!) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = index;
  }
  return best.map((index) => ({ index, label: labels?.[index] ?? String(index), score: row[index]! }));
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
