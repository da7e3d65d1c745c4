/**
 * `npm run bench -- runtime`: what edgeloop's runtime costs over calling the engine
 * directly, and whether `auto` picks the fastest backend. In one Chromium session, for
 * each model (the MNIST CNN, a MobileNetV2-shaped model) and each engine × backend, the
 * bench page (pwa/bench-page.ts) times `model.predict` round trips through edgeloop
 * and the same call on tfjs / onnxruntime-web directly in a worker (the raw baseline),
 * in alternating blocks. Then `runtime.load(url)` with `backend: 'auto'` per model.
 *
 * Options: `--model <id,…>` and `--backend <id,…>` restrict the run; `--skip-prepare`
 * skips making fixtures and building the app; `--registry <dir>` serves other packages
 * (same layout as fixtures/registry) instead of the fixtures. Settings: runtime-bench.json.
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { AutoResult, MeasureConfig, MeasureResult, PageInfo } from '../../pwa/bench-page.ts';
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
  /** A page step (one measurement, one auto load) still running after this is abandoned: the page is closed. */
  stepDeadlineMs: number;
  tfjsFlags: Record<string, number | boolean>;
}

/** One row of `entries`: the issue's shape, or the reason the backend was not measured. */
export type RuntimeEntry =
  | { model: string; engine: 'tfjs' | 'onnx'; backend: BackendId; p50_ms: number; p95_ms: number; raw_p50_ms: number; overhead_ratio: number }
  | { model: string; engine: 'tfjs' | 'onnx'; backend: BackendId; skipped: string };

/** One row of `auto`. */
export interface AutoEntry {
  model: string;
  auto_backend: BackendId | null;
  /** edgeloop p50 on the auto backend / the lowest edgeloop p50 measured for this model. */
  auto_vs_fastest: number | null;
  fastest_backend: BackendId | null;
  auto_reason: string;
  auto_load_ms?: number;
  /** What auto's own warm-up measured per candidate (3 runs each; not used for the ratio). */
  candidates?: AutoResult['report']['candidates'];
}

/** The figures behind each entry that the issue's shape leaves out. */
interface DetailEntry {
  model: string;
  backend: BackendId;
  runs?: number;
  raw_p95_ms?: number;
  /** Medians of the worker-side part of each call (see MeasureResult); the rest is the trip across. */
  edgeloop_worker_p50_ms?: number;
  raw_worker_p50_ms?: number;
  raw_load_ms?: number;
  edgeloop_load_ms?: number;
  first_run_ms?: MeasureResult['firstRunMs'];
  warm_run_ms?: MeasureResult['warmRunMs'];
  outputs_agree?: MeasureResult['check'];
}

const TARGETS = { overheadRatio: 1.05, autoVsFastest: 1.1 } as const;

export const runtimeBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        backend: { type: 'string' },
        'skip-prepare': { type: 'boolean', default: false },
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
      const autos: Array<AutoResult | { model: string; skipped: string }> = [];
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
        progress.note(`── ${model.id} with backend 'auto'`);
        const chosen = await step<AutoResult>(bench, `window.bench.auto(${JSON.stringify(model.id)}, ${JSON.stringify(model.url)}, ${JSON.stringify(settings.tfjsFlags)})`, settings.stepDeadlineMs, progress);
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

function report(results: MeasureResult[], autos: Array<AutoResult | { model: string; skipped: string }>, info: PageInfo, chromiumVersion: string, settings: Settings): BenchmarkOutput {
  const entries: RuntimeEntry[] = results.map((r) => {
    if (r.skipped !== undefined || !r.edgeloopMs?.length || !r.rawMs?.length) {
      return { model: r.model, engine: r.engine, backend: r.backend, skipped: r.skipped ?? 'no samples' };
    }
    const p50 = percentile(r.edgeloopMs, 50);
    const rawP50 = percentile(r.rawMs, 50);
    return {
      model: r.model,
      engine: r.engine,
      backend: r.backend,
      p50_ms: round(p50),
      p95_ms: round(percentile(r.edgeloopMs, 95)),
      raw_p50_ms: round(rawP50),
      overhead_ratio: round(p50 / rawP50),
    };
  });
  const details: DetailEntry[] = results.map((r) => ({
    model: r.model,
    backend: r.backend,
    runs: r.edgeloopMs?.length,
    raw_p95_ms: r.rawMs?.length ? round(percentile(r.rawMs, 95)) : undefined,
    edgeloop_worker_p50_ms: r.edgeloopWorkerMs?.length ? round(percentile(r.edgeloopWorkerMs, 50)) : undefined,
    raw_worker_p50_ms: r.rawWorkerMs?.length ? round(percentile(r.rawWorkerMs, 50)) : undefined,
    raw_load_ms: r.rawLoadMs === undefined ? undefined : round(r.rawLoadMs, 1),
    edgeloop_load_ms: r.edgeloopLoadMs === undefined ? undefined : round(r.edgeloopLoadMs, 1),
    first_run_ms: r.firstRunMs && roundAll(r.firstRunMs),
    warm_run_ms: r.warmRunMs && roundAll(r.warmRunMs),
    outputs_agree: r.check,
  }));
  const auto: AutoEntry[] = autos.map((a) => autoEntry(a, entries));
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
    targets: { overhead_ratio_max: TARGETS.overheadRatio, auto_vs_fastest_max: TARGETS.autoVsFastest },
    settings,
    entries,
    auto,
    details,
  };
  return { json, table: tables(entries, auto, details) };
}

function autoEntry(a: AutoResult | { model: string; skipped: string }, entries: readonly RuntimeEntry[]): AutoEntry {
  const measured = entries.filter((e): e is Extract<RuntimeEntry, { p50_ms: number }> => e.model === a.model && 'p50_ms' in e);
  const fastest = measured.reduce<(typeof measured)[number] | undefined>((best, e) => (!best || e.p50_ms < best.p50_ms ? e : best), undefined);
  if ('skipped' in a) return { model: a.model, auto_backend: null, auto_vs_fastest: null, fastest_backend: fastest?.backend ?? null, auto_reason: `auto load ${a.skipped}` };
  const chosen = measured.find((e) => e.backend === a.report.backend);
  return {
    model: a.model,
    auto_backend: a.report.backend,
    auto_vs_fastest: chosen && fastest ? round(chosen.p50_ms / fastest.p50_ms) : null,
    fastest_backend: fastest?.backend ?? null,
    auto_reason: chosen ? a.report.reason : `${a.report.reason} (not measured above, so no ratio)`,
    auto_load_ms: round(a.loadMs, 1),
    candidates: a.report.candidates.map((c) => (c.warmupMs === undefined ? c : { ...c, warmupMs: round(c.warmupMs) })),
  };
}

/** Markdown tables for the terminal and docs/BENCHMARKS.md. */
function tables(entries: readonly RuntimeEntry[], auto: readonly AutoEntry[], details: readonly DetailEntry[]): string {
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
  const lines = [
    '| model | engine | backend | runs | edgeloop p50 ms | edgeloop p95 ms | raw p50 ms | overhead_ratio | ≤ 1.05 |',
    '|---|---|---|--:|--:|--:|--:|--:|:-:|',
  ];
  for (const e of entries) {
    const runs = details.find((d) => d.model === e.model && d.backend === e.backend)?.runs;
    if ('skipped' in e) lines.push(`| ${e.model} | ${e.engine} | ${e.backend} | – | skipped: ${e.skipped} | | | | |`);
    else lines.push(`| ${e.model} | ${e.engine} | ${e.backend} | ${runs} | ${ms(e.p50_ms)} | ${ms(e.p95_ms)} | ${ms(e.raw_p50_ms)} | ${e.overhead_ratio.toFixed(3)} | ${e.overhead_ratio <= TARGETS.overheadRatio ? 'yes' : '**no**'} |`);
  }
  lines.push('', '| model | auto picked | fastest measured | auto_vs_fastest | ≤ 1.10 | auto load ms |', '|---|---|---|--:|:-:|--:|');
  for (const a of auto) {
    const ratio = a.auto_vs_fastest === null ? '–' : a.auto_vs_fastest.toFixed(3);
    const met = a.auto_vs_fastest === null ? '–' : a.auto_vs_fastest <= TARGETS.autoVsFastest ? 'yes' : '**no**';
    lines.push(`| ${a.model} | ${a.auto_backend ?? a.auto_reason} | ${a.fastest_backend ?? '–'} | ${ratio} | ${met} | ${a.auto_load_ms === undefined ? '–' : ms(a.auto_load_ms)} |`);
  }
  const disagreeing = details.filter((d) => d.outputs_agree && !d.outputs_agree.top1Agree);
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

function roundAll<T extends Record<string, number | undefined>>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? v : round(v, 1)])) as T;
}
