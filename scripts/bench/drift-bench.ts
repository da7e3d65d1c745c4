/**
 * `npm run bench -- drift`: does the endpoint's drift verdict catch real input shifts
 * without crying wolf? Simulated devices in Node (scripts/bench/drift/): the fixture
 * recipe's MNIST CNN with the trainer's 54-signal baseline; windows of 100, 500 and 2,000
 * predictions drawn with replacement from 5,000 digits the model never saw, under six
 * shifts, counted by the runtime's `ModelSketch` and judged by `evaluateDrift`
 * (sync/drift/statistics.ts). Then, in Chromium, what telemetry adds to a prediction.
 *
 * Options: `--windows <n>` per (shift, window size) (default 500); `--skip-browser`
 * skips the Chromium part; `--skip-prepare` skips `vite build` before it.
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createSeededRandom } from '../../trainer/index.ts';
import { MNIST_PIXELS } from '../../trainer/node.ts';
import type { Benchmark } from './benchmark.ts';
import { buildDriftModel, DRIFT_MODEL_RECIPE } from './drift/drift-model.ts';
import { LABEL_SHIFT_WEIGHTS, SHIFTS, shiftedPool, type Shift } from './drift/image-shifts.ts';
import { simulateWindows, type ShiftedPool, type WindowTally } from './drift/simulate-windows.ts';
import { measureTelemetryOverhead, type OverheadSettings, type TelemetryOverhead } from './drift/telemetry-overhead.ts';
import { round } from './stats.ts';

const WINDOW_SIZES = [100, 500, 2000] as const;
const TARGETS = { falsePositiveMax: 0.01, detectionMin: 0.95, detectionWindow: 500, detectionShifts: ['rotate-30', 'invert', 'noise-0.3'] as Shift[] };
const OVERHEAD: OverheadSettings = { backend: 'tfjs-wasm', warmupRuns: 30, blocks: 36, runsPerBlock: 25, digits: 100 };

/** One row of `results`, in the issue's shape plus the per-signal rates behind it. */
interface DriftResult {
  shift: Shift;
  window: number;
  /** Share of windows judged `drift` (`null` for `none`, where that is a false positive). */
  detection_rate: number | null;
  /** For `none`: share of windows judged `drift`; `null` otherwise. */
  false_positive_rate: number | null;
  insufficient_rate: number;
  windows: number;
  /** Mean share of the judged signals that drifted (the version rule drifts at ≥ 0.5). */
  mean_drifted_share: number;
  /** Top-1 accuracy of the model on the windows' digits. */
  accuracy: number;
  /** Per signal: share of windows in which it drifted. */
  signal_detection: Record<string, number>;
}

export const driftBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: { windows: { type: 'string', default: '500' }, 'skip-browser': { type: 'boolean', default: false }, 'skip-prepare': { type: 'boolean', default: false } },
    });
    const windows = Number(values.windows);
    if (!Number.isInteger(windows) || windows < 1) throw new RangeError(`--windows must be a positive integer (got ${values.windows})`);

    const model = await buildDriftModel(progress);
    const baseline = model.manifest.baseline?.signals ?? [];
    const results: DriftResult[] = [];
    const random = createSeededRandom(2026);
    let noneOutputs: Float32Array | undefined;
    try {
      for (const [s, shift] of SHIFTS.entries()) {
        const images = shiftedPool(model.pool.images, model.pool.count, shift, random);
        const outputs = shift === 'label-shift' && noneOutputs ? noneOutputs : await model.predict(images);
        if (shift === 'none') noneOutputs = outputs;
        const pool: ShiftedPool = { images, outputs, labels: model.pool.labels, count: model.pool.count, classWeights: shift === 'label-shift' ? LABEL_SHIFT_WEIGHTS : undefined };
        for (const [w, size] of WINDOW_SIZES.entries()) {
          const tally = simulateWindows(model.manifest, pool, size, windows, { seed: 1000 * (s + 1) + w, latencyMs: model.latencyMs() });
          results.push(resultOf(shift, size, tally));
          const r = results[results.length - 1]!;
          progress.note(`${shift.padEnd(12)} window ${String(size).padStart(4)}: ${shift === 'none' ? `false positives ${r.false_positive_rate}` : `detection ${r.detection_rate}`} (mean drifted share ${r.mean_drifted_share}, accuracy ${r.accuracy})`);
        }
      }
    } finally {
      model.dispose();
    }

    let overhead: TelemetryOverhead | { skipped: string };
    if (values['skip-browser']) overhead = { skipped: '--skip-browser' };
    else {
      const digits = Array.from({ length: OVERHEAD.digits }, (_, i) => model.pool.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS));
      try {
        overhead = await measureTelemetryOverhead(model.pkg, digits, OVERHEAD, progress, { build: !values['skip-prepare'] });
      } catch (error) {
        progress.note(`telemetry overhead not measured: ${error instanceof Error ? error.message : String(error)}`);
        overhead = { skipped: error instanceof Error ? error.message : String(error) };
      }
    }

    const singleBin = baseline.filter((b) => b.counts.length < 2).map((b) => b.name);
    const json = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: round(totalmem() / 2 ** 30, 1), os: `${platform()} ${release()}`, node: process.version },
      targets: { false_positive_rate_max: TARGETS.falsePositiveMax, detection_rate_min: TARGETS.detectionMin, at_window: TARGETS.detectionWindow, shifts: TARGETS.detectionShifts },
      model: { recipe: DRIFT_MODEL_RECIPE, test_accuracy: round(model.testAccuracy), pool_digits: model.pool.count, baseline_counts: baseline[0]?.counts.reduce((a, b) => a + b, 0) ?? 0 },
      signals: { total: baseline.length, single_bin: singleBin },
      results,
      /** p50 of a prediction with telemetry on ÷ off (`null`: not measured, see the details). */
      telemetry_overhead: 'skipped' in overhead ? null : overhead.ratio,
      telemetry_overhead_details: overhead,
    };
    return { json, table: tables(results, overhead, baseline.length, singleBin.length) };
  },
};

function resultOf(shift: Shift, window: number, t: WindowTally): DriftResult {
  const drift = round(t.status.drift / t.windows);
  const signal_detection: Record<string, number> = {};
  for (const name of Object.keys(t.signalEvaluated)) signal_detection[name] = round((t.signalDrift[name] ?? 0) / t.windows);
  return {
    shift,
    window,
    detection_rate: shift === 'none' ? null : drift,
    false_positive_rate: shift === 'none' ? drift : null,
    insufficient_rate: round(t.status['insufficient-data'] / t.windows),
    windows: t.windows,
    mean_drifted_share: round(t.shareSum / t.windows),
    accuracy: round(t.correct / t.predictions),
    signal_detection,
  };
}

/** Per-signal rates, grouped: the block means are averaged (49 signals). */
function groupRates(r: DriftResult): Record<string, number> {
  const blocks = Object.entries(r.signal_detection).filter(([name]) => name.startsWith('block_'));
  const pick = (name: string) => r.signal_detection[name] ?? 0;
  return {
    mean_intensity: pick('mean_intensity'),
    contrast: pick('contrast'),
    'block_* (mean)': blocks.length === 0 ? 0 : round(blocks.reduce((a, [, v]) => a + v, 0) / blocks.length),
    predicted_class: pick('predicted_class'),
    confidence: pick('confidence'),
    entropy: pick('entropy'),
  };
}

function tables(results: readonly DriftResult[], overhead: TelemetryOverhead | { skipped: string }, signals: number, singleBin: number): string {
  const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);
  const lines = [
    '| shift | window | windows | detection_rate | false_positive_rate | insufficient | mean drifted share | target met | accuracy |',
    '|---|--:|--:|--:|--:|--:|--:|:-:|--:|',
  ];
  for (const r of results) {
    let met = '';
    if (r.shift === 'none') met = r.false_positive_rate! <= TARGETS.falsePositiveMax ? 'yes' : '**no**';
    else if (r.window === TARGETS.detectionWindow && TARGETS.detectionShifts.includes(r.shift)) met = r.detection_rate! >= TARGETS.detectionMin ? 'yes' : '**no**';
    lines.push(`| ${r.shift} | ${r.window} | ${r.windows} | ${pct(r.detection_rate)} | ${pct(r.false_positive_rate)} | ${pct(r.insufficient_rate)} | ${r.mean_drifted_share.toFixed(3)} | ${met} | ${pct(r.accuracy)} |`);
  }
  const groups = Object.keys(groupRates(results[0]!));
  lines.push('', `Per-signal drift rate at window ${TARGETS.detectionWindow} (${signals} signals, ${singleBin} of them with a single bin, which can never drift):`, '');
  lines.push(`| shift | ${groups.join(' | ')} |`, `|---|${groups.map(() => '--:').join('|')}|`);
  for (const r of results.filter((x) => x.window === TARGETS.detectionWindow)) lines.push(`| ${r.shift} | ${Object.values(groupRates(r)).map(pct).join(' | ')} |`);
  lines.push('');
  if ('skipped' in overhead) lines.push(`telemetry_overhead: not measured (${overhead.skipped})`);
  else {
    lines.push('| telemetry | backend | runs | p50 ms | p95 ms |', '|---|---|--:|--:|--:|');
    lines.push(`| off | ${overhead.backend} | ${overhead.runs_off} | ${overhead.p50_off_ms.toFixed(3)} | ${overhead.p95_off_ms.toFixed(3)} |`);
    lines.push(`| on | ${overhead.backend} | ${overhead.runs_on} | ${overhead.p50_on_ms.toFixed(3)} | ${overhead.p95_on_ms.toFixed(3)} |`);
    lines.push('', `telemetry_overhead (p50 on ÷ off): ${overhead.ratio.toFixed(3)} (A/A control, a second runtime without telemetry ÷ off: ${overhead.control_ratio.toFixed(3)}); the sink got ${overhead.sink.events} events in ${overhead.sink.posts} POSTs, ${overhead.sink.signalsPerEvent} signals each, ${overhead.sink.predictionsCounted} predictions counted`);
  }
  return lines.join('\n');
}
