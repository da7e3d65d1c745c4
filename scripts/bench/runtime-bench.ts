/**
 * `npm run bench -- runtime`: what edgeloop's runtime costs over calling the engine
 * directly, and whether `auto` picks the fastest backend. In one Chromium session, for
 * each model (the MNIST CNN, a MobileNetV2-shaped model) and each engine × backend, the
 * bench page (pwa/bench-page.ts) times, in alternating ABBA blocks: `model.predict`
 * round trips through edgeloop; the same job written by hand in a plain worker (raw
 * input, the manifest's preprocessing, tfjs / onnxruntime-web called directly, the
 * activation, probabilities back in a transferred buffer, top-k on the page: the
 * baseline of `overhead_ratio`); the engine alone in that worker (preprocessed input,
 * logits back: `engine_overhead_ratio`); that job again over a MessagePort (edgeloop's
 * runtime talks on one: `raw_port_p50_ms`); and a bare echo of a buffer the input's size
 * to a module worker (`message_rtt_p50_ms`: the thread hop alone). Then, per model, `autoRepeats` fresh `auto` choices (the
 * remembered-choice database emptied before each: first loads), whose picks are compared
 * with the fastest backend measured (auto_vs_fastest: the worst of them), and loads with
 * the memory of the last one (warm) against loads forced to its backend (pwa/bench-auto.ts).
 *
 * Options: `--model <id,…>` and `--backend <id,…>` restrict the run; `--skip-prepare`
 * skips making fixtures and building the app; `--skip-auto` skips the `auto` loads; `--registry <dir>` serves other packages
 * (same layout as fixtures/registry) instead of the fixtures. Settings: runtime-bench.json.
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { AutoLoad, AutoLoads } from '../../pwa/bench-auto.ts';
import type { MeasureConfig, MeasureResult, PageInfo } from '../../pwa/bench-page.ts';
import { backendRow, type BackendId } from '../../runtime/index.ts';
import { openBenchBrowser, type BenchBrowser } from './bench-browser.ts';
import type { Benchmark, BenchmarkOutput } from './benchmark.ts';
import type { ProgressLog } from './progress-log.ts';
import settingsJson from './runtime-bench.json' with { type: 'json' };
import { percentile, round } from './stats.ts';

interface ModelSettings {
  id: string;
  url: string;
  fixtureArgs?: string[];
  warmupRuns: number;
  runs: Partial<Record<BackendId, number>>;
}

interface Settings {
  models: ModelSettings[];
  backends: BackendId[];
  blocks: number;
  minRuns: number;
  firstRunBudgetMs: number;
  runBudgetMs: number;
  phaseBudgetMs: number;
  /** Fresh `auto` choices per model (each a first load with empty memory). */
  autoRepeats: number;
  /** A page step (one measurement, one model's auto loads) still running after this is abandoned: the page is closed. */
  stepDeadlineMs: number;
  tfjsFlags: Record<string, number | boolean>;
}

/** One row of `entries`: the issue's shape, or the reason the backend was not measured. */
export type RuntimeEntry =
  | {
      model: string;
      engine: 'tfjs' | 'onnx';
      backend: BackendId;
      p50_ms: number;
      p95_ms: number;
      /** The same job written by hand in a plain worker (raw input → preprocess → engine → activation → top-k on the page). */
      raw_p50_ms: number;
      /** p50_ms / raw_p50_ms (target ≤ 1.05). */
      overhead_ratio: number;
      /** The engine alone in that worker (input already preprocessed, logits back). */
      raw_engine_p50_ms: number;
      /** p50_ms / raw_engine_p50_ms. */
      engine_overhead_ratio: number;
      /** A bare echo round trip to a module worker (a buffer the input's size, transferred each way): the thread hop alone. */
      message_rtt_p50_ms: number;
    }
  | { model: string; engine: 'tfjs' | 'onnx'; backend: BackendId; skipped: string };

/** One row of `auto`. */
export interface AutoEntry {
  model: string;
  /** The backend of the first fresh choice. */
  auto_backend: BackendId | null;
  /** edgeloop p50 on the auto backend / the lowest edgeloop p50 measured for this model: the worst of the fresh choices. */
  auto_vs_fastest: number | null;
  /** The same ratio for each fresh choice, in order. */
  auto_vs_fastest_runs?: Array<number | null>;
  /** The backend of each fresh choice. */
  auto_backends?: BackendId[];
  fastest_backend: BackendId | null;
  auto_reason: string;
  /** The first fresh choice's load time. */
  auto_load_ms?: number;
  /** Where each fresh choice's load time went (ms from its start at which each phase / backend began). */
  auto_load_steps?: Array<AutoLoad['steps']>;
  /** What auto's own timing measured per candidate in the first fresh choice (not used for the ratio). */
  candidates?: AutoLoad['report']['candidates'];
}

/** One row of `auto_memory`: a first load against loads with the remembered choice and forced loads. */
export interface AutoMemoryEntry {
  model: string;
  /** Median load time of the fresh choices (empty memory). */
  auto_first_load_ms: number;
  /** Median load time with the memory of the last fresh choice, in a fresh runtime worker. */
  auto_warm_load_ms: number;
  /** Median load time forced to the backend auto chose, in a fresh runtime worker. */
  forced_load_ms: number;
  /** auto_warm_load_ms / forced_load_ms (target ≤ 1.10). */
  warm_vs_forced: number;
  /** Every load, in ms, and the warm loads' reason. */
  first_loads_ms: number[];
  warm_loads_ms: number[];
  forced_loads_ms: number[];
  warm_reason: string;
}

/** The figures behind each entry that the issue's shape leaves out. */
interface DetailEntry {
  model: string;
  backend: BackendId;
  runs?: number;
  raw_p95_ms?: number;
  raw_engine_p95_ms?: number;
  /** The echo round trip over a MessagePort (as edgeloop's runtime talks) rather than the worker's own postMessage. */
  port_message_rtt_p50_ms?: number;
  /** The same-job baseline with its request and answer on a MessagePort: what the port costs a real call. */
  raw_port_p50_ms?: number;
  /** Medians of the worker-side part of each call (see MeasureResult); the rest is the trip across. */
  edgeloop_worker_p50_ms?: number;
  raw_worker_p50_ms?: number;
  raw_engine_worker_p50_ms?: number;
  raw_load_ms?: number;
  edgeloop_load_ms?: number;
  first_run_ms?: MeasureResult['firstRunMs'];
  warm_run_ms?: MeasureResult['warmRunMs'];
  /** edgeloop against the engine-only baseline (its logits put through the activation here). */
  outputs_agree?: MeasureResult['check'];
  /** edgeloop against the same-job baseline (probabilities and top-k). */
  job_outputs_agree?: MeasureResult['jobCheck'];
}

const TARGETS = { overheadRatio: 1.05, autoVsFastest: 1.1, warmVsForced: 1.1, mobilenetFirstLoadMs: 10_000 } as const;

export const runtimeBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        backend: { type: 'string' },
        'skip-prepare': { type: 'boolean', default: false },
        'skip-auto': { type: 'boolean', default: false },
        registry: { type: 'string' },
      },
    });
    const settings = settingsJson as Settings;
    const models = pick(settings.models, values.model, (m) => m.id, 'model');
    const backends = pick(settings.backends, values.backend, (b) => b, 'backend');

    const bench = await openBenchBrowser(progress, {
      makeFixtures: !values['skip-prepare'] && values.registry === undefined,
      fixtureArgs: [...new Set(models.flatMap((m) => m.fixtureArgs ?? []))],
      build: !values['skip-prepare'],
      registryDir: values.registry,
    });
    try {
      const info = (await bench.page().evaluate('window.bench.info()')) as PageInfo;
      const gpu = info.capabilities.webgpu;
      progress.note(`Chromium ${bench.chromiumVersion}; WebGPU ${gpu.adapter ? `${gpu.vendor}/${gpu.architecture}${gpu.fallback ? ' (fallback adapter)' : ''}` : `none (${gpu.reason})`}; wasm threads ${info.wasmThreads}`);
      const results: MeasureResult[] = [];
      const autos: Array<AutoLoads | { model: string; skipped: string }> = [];
      for (const model of models) {
        for (const backend of backends) {
          const config: MeasureConfig = {
            model: model.id,
            url: model.url,
            backend,
            warmupRuns: Math.max(2, model.warmupRuns),
            runs: model.runs[backend] ?? settings.minRuns,
            minRuns: settings.minRuns,
            blocks: settings.blocks,
            firstRunBudgetMs: settings.firstRunBudgetMs,
            runBudgetMs: settings.runBudgetMs,
            phaseBudgetMs: settings.phaseBudgetMs,
            tfjsFlags: settings.tfjsFlags,
          };
          progress.note(`── ${model.id} on ${backend}`);
          const measured = await step<MeasureResult>(bench, `window.bench.measure(${JSON.stringify(config)})`, settings.stepDeadlineMs, progress);
          results.push('stopped' in measured ? { model: model.id, engine: backendRow(backend).engine, backend, skipped: measured.stopped } : measured);
        }
        if (values['skip-auto']) continue;
        progress.note(`── ${model.id} with backend 'auto': ${settings.autoRepeats} fresh choices, then warm and forced loads`);
        const args = [model.id, model.url, settings.tfjsFlags, settings.autoRepeats].map((a) => JSON.stringify(a)).join(', ');
        const chosen = await step<AutoLoads>(bench, `window.benchAuto.autoLoads(${args})`, settings.stepDeadlineMs, progress);
        autos.push('stopped' in chosen ? { model: model.id, skipped: chosen.stopped } : chosen);
      }
      return report(results, autos, info, bench.chromiumVersion, settings);
    } finally {
      await bench.close();
    }
  },
};

/** Runs one page call; past the deadline, closes the page (ending its workers) and opens a fresh one. */
async function step<T>(bench: BenchBrowser, expression: string, deadlineMs: number, progress: ProgressLog): Promise<T | { stopped: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = bench.page().evaluate(expression) as Promise<T>;
  const deadline = new Promise<{ stopped: string }>((resolve) => {
    timer = setTimeout(() => resolve({ stopped: `still running after ${deadlineMs / 1000} s (the step deadline); stopped` }), deadlineMs);
  });
  try {
    const outcome = await Promise.race([call, deadline]);
    if (outcome && typeof outcome === 'object' && 'stopped' in outcome) {
      call.catch(() => undefined); // it rejects when its page closes
      progress.note(`step ${outcome.stopped}; reopening the page`);
      await bench.reopen();
    }
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

function report(results: MeasureResult[], autos: Array<AutoLoads | { model: string; skipped: string }>, info: PageInfo, chromiumVersion: string, settings: Settings): BenchmarkOutput {
  const entries: RuntimeEntry[] = results.map((r) => {
    if (r.skipped !== undefined || !r.edgeloopMs?.length || !r.rawMs?.length || !r.rawJobMs?.length || !r.echoMs?.length) {
      return { model: r.model, engine: r.engine, backend: r.backend, skipped: r.skipped ?? 'no samples' };
    }
    const p50 = percentile(r.edgeloopMs, 50);
    const jobP50 = percentile(r.rawJobMs, 50);
    const engineP50 = percentile(r.rawMs, 50);
    return {
      model: r.model,
      engine: r.engine,
      backend: r.backend,
      p50_ms: round(p50),
      p95_ms: round(percentile(r.edgeloopMs, 95)),
      raw_p50_ms: round(jobP50),
      overhead_ratio: round(p50 / jobP50),
      raw_engine_p50_ms: round(engineP50),
      engine_overhead_ratio: round(p50 / engineP50),
      message_rtt_p50_ms: round(percentile(r.echoMs, 50)),
    };
  });
  const details: DetailEntry[] = results.map((r) => ({
    model: r.model,
    backend: r.backend,
    runs: r.edgeloopMs?.length,
    raw_p95_ms: p(r.rawJobMs, 95),
    raw_engine_p95_ms: p(r.rawMs, 95),
    port_message_rtt_p50_ms: p(r.portEchoMs, 50),
    raw_port_p50_ms: p(r.rawPortJobMs, 50),
    edgeloop_worker_p50_ms: p(r.edgeloopWorkerMs, 50),
    raw_worker_p50_ms: p(r.rawJobWorkerMs, 50),
    raw_engine_worker_p50_ms: p(r.rawWorkerMs, 50),
    raw_load_ms: r.rawLoadMs === undefined ? undefined : round(r.rawLoadMs, 1),
    edgeloop_load_ms: r.edgeloopLoadMs === undefined ? undefined : round(r.edgeloopLoadMs, 1),
    first_run_ms: r.firstRunMs && roundAll(r.firstRunMs),
    warm_run_ms: r.warmRunMs && roundAll(r.warmRunMs),
    outputs_agree: r.check,
    job_outputs_agree: r.jobCheck,
  }));
  const auto: AutoEntry[] = autos.map((a) => autoEntry(a, entries));
  const autoMemory: AutoMemoryEntry[] = autos.flatMap((a) => ('skipped' in a ? [] : [memoryEntry(a)]));
  const gpu = info.capabilities.webgpu;
  const json = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memGiB: round(totalmem() / 2 ** 30, 1),
      os: `${platform()} ${release()}`,
      node: process.version,
      chromium: chromiumVersion,
      webgpuAdapter: gpu.adapter ? { vendor: gpu.vendor, architecture: gpu.architecture, fallback: gpu.fallback } : { none: gpu.reason },
      crossOriginIsolated: info.crossOriginIsolated,
      wasmThreads: info.wasmThreads,
    },
    targets: { overhead_ratio_max: TARGETS.overheadRatio, auto_vs_fastest_max: TARGETS.autoVsFastest, warm_vs_forced_max: TARGETS.warmVsForced, mobilenetv2_first_load_ms_max: TARGETS.mobilenetFirstLoadMs },
    settings,
    entries,
    auto,
    auto_memory: autoMemory,
    details,
  };
  return { json, table: tables(entries, auto, details, autoMemory) };
}

function autoEntry(a: AutoLoads | { model: string; skipped: string }, entries: readonly RuntimeEntry[]): AutoEntry {
  const measured = entries.filter((e): e is Extract<RuntimeEntry, { p50_ms: number }> => e.model === a.model && 'p50_ms' in e);
  const fastest = measured.reduce<(typeof measured)[number] | undefined>((best, e) => (!best || e.p50_ms < best.p50_ms ? e : best), undefined);
  if ('skipped' in a || a.first.length === 0) {
    const why = 'skipped' in a ? a.skipped : 'no fresh choice';
    return { model: a.model, auto_backend: null, auto_vs_fastest: null, fastest_backend: fastest?.backend ?? null, auto_reason: `auto load ${why}` };
  }
  const ratio = (load: AutoLoad) => {
    const chosen = measured.find((e) => e.backend === load.report.backend);
    return chosen && fastest ? round(chosen.p50_ms / fastest.p50_ms) : null;
  };
  const ratios = a.first.map(ratio);
  const known = ratios.filter((r): r is number => r !== null);
  const first = a.first[0]!;
  return {
    model: a.model,
    auto_backend: first.report.backend,
    auto_vs_fastest: known.length === ratios.length ? Math.max(...known) : null,
    auto_vs_fastest_runs: ratios,
    auto_backends: a.first.map((l) => l.report.backend),
    fastest_backend: fastest?.backend ?? null,
    auto_reason: ratios[0] !== null ? first.report.reason : `${first.report.reason} (not measured above, so no ratio)`,
    auto_load_ms: round(first.loadMs, 1),
    auto_load_steps: a.first.map((l) => l.steps),
    candidates: first.report.candidates.map((c) => (c.warmupMs === undefined ? c : { ...c, warmupMs: round(c.warmupMs) })),
  };
}

function memoryEntry(a: AutoLoads): AutoMemoryEntry {
  const ms = (loads: readonly AutoLoad[]) => loads.map((l) => round(l.loadMs, 1));
  const warm = percentile(a.warm.map((l) => l.loadMs), 50);
  const forced = percentile(a.forced.map((l) => l.loadMs), 50);
  return {
    model: a.model,
    auto_first_load_ms: round(percentile(a.first.map((l) => l.loadMs), 50), 1),
    auto_warm_load_ms: round(warm, 1),
    forced_load_ms: round(forced, 1),
    warm_vs_forced: round(warm / forced),
    first_loads_ms: ms(a.first),
    warm_loads_ms: ms(a.warm),
    forced_loads_ms: ms(a.forced),
    warm_reason: a.warm[0]?.report.reason ?? '',
  };
}

/** Markdown tables for the terminal and docs/BENCHMARKS.md. */
function tables(entries: readonly RuntimeEntry[], auto: readonly AutoEntry[], details: readonly DetailEntry[], memory: readonly AutoMemoryEntry[]): string {
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
  const lines = [
    '| model | engine | backend | runs | edgeloop p50 ms | edgeloop p95 ms | raw (same job) p50 ms | overhead_ratio | ≤ 1.05 | raw engine p50 ms | engine_overhead_ratio | raw job on a port p50 ms | message_rtt_p50_ms (port) |',
    '|---|---|---|--:|--:|--:|--:|--:|:-:|--:|--:|--:|--:|',
  ];
  for (const e of entries) {
    const detail = details.find((d) => d.model === e.model && d.backend === e.backend);
    if ('skipped' in e) lines.push(`| ${e.model} | ${e.engine} | ${e.backend} | – | skipped: ${e.skipped} | | | | | | | | |`);
    else {
      const port = detail?.port_message_rtt_p50_ms === undefined ? '' : ` (${detail.port_message_rtt_p50_ms.toFixed(3)})`;
      lines.push(
        `| ${e.model} | ${e.engine} | ${e.backend} | ${detail?.runs} | ${ms(e.p50_ms)} | ${ms(e.p95_ms)} | ${ms(e.raw_p50_ms)} | ${e.overhead_ratio.toFixed(3)} | ${e.overhead_ratio <= TARGETS.overheadRatio ? 'yes' : '**no**'} | ${ms(e.raw_engine_p50_ms)} | ${e.engine_overhead_ratio.toFixed(3)} | ${detail?.raw_port_p50_ms === undefined ? '–' : ms(detail.raw_port_p50_ms)} | ${e.message_rtt_p50_ms.toFixed(3)}${port} |`,
      );
    }
  }
  lines.push('', '| model | auto picked (each fresh choice) | fastest measured | auto_vs_fastest (each) | worst ≤ 1.10 |', '|---|---|---|--:|:-:|');
  for (const a of auto) {
    const ratios = (a.auto_vs_fastest_runs ?? []).map((r) => (r === null ? '–' : r.toFixed(3))).join(', ') || '–';
    const met = a.auto_vs_fastest === null ? '–' : a.auto_vs_fastest <= TARGETS.autoVsFastest ? 'yes' : '**no**';
    lines.push(`| ${a.model} | ${a.auto_backends?.join(', ') ?? a.auto_reason} | ${a.fastest_backend ?? '–'} | ${ratios} | ${met} |`);
  }
  lines.push('', '| model | auto first load ms | auto warm load ms | forced load ms | warm_vs_forced | ≤ 1.10 |', '|---|--:|--:|--:|--:|:-:|');
  for (const m of memory) {
    lines.push(`| ${m.model} | ${ms(m.auto_first_load_ms)} | ${ms(m.auto_warm_load_ms)} | ${ms(m.forced_load_ms)} | ${m.warm_vs_forced.toFixed(3)} | ${m.warm_vs_forced <= TARGETS.warmVsForced ? 'yes' : '**no**'} |`);
  }
  const disagreeing = details.filter((d) => (d.outputs_agree && !d.outputs_agree.top1Agree) || (d.job_outputs_agree && !(d.job_outputs_agree.top1Agree && d.job_outputs_agree.topKAgree)));
  if (disagreeing.length) lines.push('', `WARNING: edgeloop and raw outputs disagree (top-1) on ${disagreeing.map((d) => `${d.model}/${d.backend}`).join(', ')}`);
  return lines.join('\n');
}

function pick<T>(all: readonly T[], wanted: string | undefined, id: (item: T) => string, what: string): T[] {
  if (wanted === undefined) return [...all];
  const ids = wanted.split(',').map((s) => s.trim());
  for (const name of ids) {
    if (!all.some((item) => id(item) === name)) throw new RangeError(`unknown ${what} "${name}"; known: ${all.map(id).join(', ')}`);
  }
  return all.filter((item) => ids.includes(id(item)));
}

/** The `q`th percentile of `samples`, rounded; undefined without samples. */
function p(samples: readonly number[] | undefined, q: number): number | undefined {
  return samples?.length ? round(percentile(samples, q)) : undefined;
}

function roundAll<T extends Record<string, number | undefined>>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? v : round(v, 1)])) as T;
}
