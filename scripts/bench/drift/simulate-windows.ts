/**
 * Simulated devices: windows of predictions drawn (with replacement, seeded) from a
 * shifted pool, counted by the runtime's own `ModelSketch` exactly as the worker counts
 * them (the preprocessed input tensor, the activated output row, a latency), closed
 * with `take()` and judged by the endpoint's `evaluateDrift` against the manifest baseline.
 */
import type { Manifest } from '../../../format/index.ts';
import { ModelSketch } from '../../../runtime/telemetry/model-sketch.ts';
import { evaluateDrift, type DriftStatus, type DriftThresholds } from '../../../sync/drift/statistics.ts';
import { createSeededRandom } from '../../../trainer/index.ts';
import { MNIST_PIXELS } from '../../../trainer/node.ts';

/** A pool of digits as the model sees them, with the model's output rows and true labels. */
export interface ShiftedPool {
  images: Float32Array;
  outputs: Float32Array;
  labels: Uint8Array;
  count: number;
  /** Draw digits of class c with weight classWeights[c]; uniform over digits when absent. */
  classWeights?: readonly number[];
}

/** What one (shift, window size) cell measured. */
export interface WindowTally {
  windows: number;
  status: Record<DriftStatus, number>;
  /** Windows in which each signal was judged `drift`. */
  signalDrift: Record<string, number>;
  /** Windows in which each signal had enough data to be judged. */
  signalEvaluated: Record<string, number>;
  /** Σ over windows of drifted / evaluated signals (the mean share is this ÷ windows). */
  shareSum: number;
  /**
   * Counterfactual: windows that would drift if the share were taken only over signals
   * whose baseline has ≥ 2 bins (a one-bin signal can never drift, yet counts as `ok`).
   */
  /** Top-1 agreement of the model with the true labels over every prediction counted. */
  correct: number;
  predictions: number;
}

/** Index sampler of a pool: uniform, or class first by weight then a digit of that class. */
function sampler(pool: ShiftedPool, random: () => number): () => number {
  if (!pool.classWeights) return () => Math.floor(random() * pool.count);
  const byClass: number[][] = pool.classWeights.map(() => []);
  for (let i = 0; i < pool.count; i++) byClass[pool.labels[i]!]?.push(i);
  const total = pool.classWeights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const w of pool.classWeights) cumulative.push((running += w / total));
  return () => {
    const u = random();
    let c = cumulative.findIndex((edge) => u < edge);
    if (c === -1) c = cumulative.length - 1;
    const members = byClass[c]!;
    return members[Math.floor(random() * members.length)]!;
  };
}

/** Runs `windows` windows of `size` predictions from `pool` through one sketch and judges each. */
export function simulateWindows(manifest: Manifest, pool: ShiftedPool, size: number, windows: number, options: { seed: number; latencyMs: number; thresholds?: Partial<DriftThresholds> }): WindowTally {
  const random = createSeededRandom(options.seed);
  const draw = sampler(pool, random);
  const sketch = new ModelSketch(manifest);
  const baseline = manifest.baseline?.signals ?? [];
  const classes = pool.outputs.length / pool.count;
  const tally: WindowTally = { windows, status: { drift: 0, ok: 0, 'insufficient-data': 0 }, signalDrift: {}, signalEvaluated: {}, shareSum: 0, correct: 0, predictions: 0 };
  const shape = [1, 28, 28, 1] as const;
  for (let w = 0; w < windows; w++) {
    for (let k = 0; k < size; k++) {
      const i = draw();
      const output = pool.outputs.subarray(i * classes, (i + 1) * classes);
      sketch.record({ input: { data: pool.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), shape }, output, latencyMs: options.latencyMs });
      let top = 0;
      for (let c = 1; c < classes; c++) if (output[c]! > output[top]!) top = c;
      if (top === pool.labels[i]) tally.correct++;
    }
    tally.predictions += size;
    const verdict = evaluateDrift(baseline, sketch.take().signals, options.thresholds);
    tally.status[verdict.status]++;
    if (verdict.evaluated > 0) tally.shareSum += verdict.drifted / verdict.evaluated;
    for (const s of verdict.signals) {
      if (s.status !== 'insufficient-data') tally.signalEvaluated[s.name] = (tally.signalEvaluated[s.name] ?? 0) + 1;
      if (s.status === 'drift') tally.signalDrift[s.name] = (tally.signalDrift[s.name] ?? 0) + 1;
    }
  }
  return tally;
}
