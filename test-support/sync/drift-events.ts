/**
 * Drift events whose signal counts are drawn from a baseline (no drift) or from a
 * shifted copy of it, replayable from a seed: what devices whose inputs do or do not
 * look like the training data would send for one window.
 */
import type { BaselineSignal, DriftEvent } from '../../format/index.ts';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';

/** `n` draws from the distribution `weights` (any non-negative numbers), as bin counts. */
export function sampleCounts(weights: readonly number[], n: number, random: () => number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  const counts = new Array<number>(weights.length).fill(0);
  for (let i = 0; i < n; i++) {
    const u = random();
    let bin = cumulative.findIndex((c) => u < c);
    if (bin === -1) bin = weights.length - 1;
    counts[bin]++;
  }
  return counts;
}

/** A baseline's counts with the mass moved to the upper half of the bins (a brighter, blurrier world). */
export function shifted(counts: readonly number[]): number[] {
  const half = Math.floor(counts.length / 2);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((_, i) => (i >= half ? total / (counts.length - half) : total * 0.01));
}

export interface WindowEventOptions {
  model: string;
  version: string;
  baseline: readonly BaselineSignal[];
  /** Predictions in the window. */
  n: number;
  drifted: boolean;
  windowStart: string;
  /** @defaultValue 'phone-wasm' */
  deviceClass?: string;
  seed: number;
}

/** One window's event: every baseline signal's counts, drawn from the baseline or its shifted copy. */
export function windowEvent(o: WindowEventOptions): DriftEvent {
  const random = createSeededRandom(o.seed);
  const signals: Record<string, number[]> = {};
  for (const s of o.baseline) signals[s.name] = sampleCounts(o.drifted ? shifted(s.counts) : s.counts, o.n, random);
  return {
    type: 'drift',
    model: o.model,
    version: o.version,
    deviceClass: o.deviceClass ?? 'phone-wasm',
    windowStart: o.windowStart,
    windowEnd: new Date(Date.parse(o.windowStart) + 60_000).toISOString(),
    signals,
    predictions: {},
    errors: {},
  };
}
