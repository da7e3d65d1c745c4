/**
 * The endpoint's drift statistics, pure functions over bin counts: Jensen–Shannon
 * distance and PSI for binned signals, Pearson chi-square for predicted-class counts,
 * and the version rule. Defaults follow Evidently's (docs/SYNC-API.md, "Drift and alerts").
 */
import { chiSquareQuantile, chiSquareSurvival } from './special-functions.ts';

export { chiSquareQuantile, chiSquareSurvival };

export type DriftStatus = 'drift' | 'ok' | 'insufficient-data';

export interface DriftThresholds {
  /** JS distance from which a large sample drifts (Evidently's default 0.1). */
  jsDistance: number;
  /** PSI reported against this (Evidently's 0.1); it does not decide the status. */
  psi: number;
  /** Chi-square p-value below which class counts drift (Evidently's 0.05). */
  chiSquareP: number;
  /** Fewer counts: `insufficient-data`. */
  minSamples: number;
  /** Above this, class counts are judged by JS distance, as Evidently does for large samples. */
  largeSample: number;
  /** The quantile of the no-drift JS distance that the threshold never falls below. */
  noiseQuantile: number;
  /** Version rule: drift when at least this share of the judged signals drift. */
  signalShare: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  jsDistance: 0.1,
  psi: 0.1,
  chiSquareP: 0.05,
  minSamples: 100,
  largeSample: 1000,
  noiseQuantile: 0.999,
  signalShare: 0.5,
});

/** Evidently's stand-in for an empty bin in PSI. */
const EMPTY = 0.0001;

function checkCounts(name: string, values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name}[${i}] is ${v}; counts are finite and non-negative`);
    total += v;
  }
  return total;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: the field has ${a.length} bins and the baseline ${b.length}; they must match`);
}

/** Counts or proportions; normalised inside; natural log, as scipy.spatial.distance.jensenshannon. 0 for equal, at most √ln 2. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkLengths(p, q, 'jensenShannonDistance');
  const sp = checkCounts('p', p);
  const sq = checkCounts('q', q);
  if (sp === 0 || sq === 0) return sp === sq ? 0 : Math.sqrt(Math.LN2);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, divergence / 2));
}

/** Σ (f − b)·ln(f / b) over proportions, an empty bin counted as 0.0001 (Evidently). */
export function populationStabilityIndex(field: ArrayLike<number>, baseline: ArrayLike<number>): number {
  checkLengths(field, baseline, 'populationStabilityIndex');
  const sf = checkCounts('field', field);
  const sb = checkCounts('baseline', baseline);
  if (sf === 0 || sb === 0) return 0;
  let psi = 0;
  for (let i = 0; i < field.length; i++) {
    const f = field[i]! / sf || EMPTY;
    const b = baseline[i]! / sb || EMPTY;
    psi += (f - b) * Math.log(f / b);
  }
  return psi;
}

/** Pearson chi-square goodness of fit of field counts against the baseline's proportions (empty baseline bins as 0.0001, renormalised). */
export function chiSquareTest(field: ArrayLike<number>, baseline: ArrayLike<number>): { statistic: number; dof: number; pValue: number } {
  checkLengths(field, baseline, 'chiSquareTest');
  const n = checkCounts('field', field);
  const sb = checkCounts('baseline', baseline);
  const dof = field.length - 1;
  if (n === 0 || sb === 0 || dof < 1) return { statistic: 0, dof: Math.max(dof, 0), pValue: 1 };
  const proportions = Array.from({ length: baseline.length }, (_, i) => baseline[i]! / sb || EMPTY);
  const total = proportions.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < field.length; i++) {
    const expected = (n * proportions[i]!) / total;
    statistic += (field[i]! - expected) ** 2 / expected;
  }
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}

export type SignalKind = 'binned' | 'categorical';

/** `categorical` for the predicted-class signal, `binned` for every other baseline signal. */
export function signalKind(name: string): SignalKind {
  return name === 'predicted_class' ? 'categorical' : 'binned';
}

export interface SignalDrift {
  name: string;
  kind: SignalKind;
  /** The statistic that decided the status. */
  method: 'jensen-shannon' | 'chi-square';
  /** Its value: the JS distance, or the chi-square p-value. */
  statistic: number;
  /** JS: drift when statistic ≥ threshold; chi-square: drift when p < threshold. */
  threshold: number;
  jsDistance: number;
  psi: number;
  /** Categorical signals only. */
  pValue: number | null;
  sampleSize: number;
  baselineSize: number;
  status: DriftStatus;
}

/**
 * The JS threshold for a sample of `n` against a baseline of `m` over `bins` non-empty
 * bins. Without drift, the JS divergence (nats) of a sample is ≈ χ²_{bins−1}·(1/n + 1/m)/8
 * (a second-order expansion of both KL terms around the mixture, each ≈ Σδ²/(8q)), so the
 * distance's `quantile` under no drift is √(q·(1/n + 1/m)/8). The threshold never falls
 * below it: with 0.1 alone, windows of a hundred predictions over ten bins would drift on
 * sampling noise (≈ 0.1 at the median). From a few thousand predictions on it is 0.1.
 */
export function jsThreshold(n: number, m: number, bins: number, t: Pick<DriftThresholds, 'jsDistance' | 'noiseQuantile'>): number {
  if (bins < 2) return t.jsDistance;
  const q = chiSquareQuantile(t.noiseQuantile, bins - 1);
  return Math.max(t.jsDistance, Math.sqrt((q * (1 / n + 1 / m)) / 8));
}

/** One signal's verdict. */
export function signalDrift(name: string, field: ArrayLike<number>, baseline: ArrayLike<number>, thresholds: Partial<DriftThresholds> = {}): SignalDrift {
  const t = { ...DEFAULT_DRIFT_THRESHOLDS, ...thresholds };
  checkLengths(field, baseline, name);
  const sampleSize = checkCounts(`${name} (field)`, field);
  const baselineSize = checkCounts(`${name} (baseline)`, baseline);
  const kind = signalKind(name);
  const jsDistance = jensenShannonDistance(field, baseline);
  const psi = populationStabilityIndex(field, baseline);
  let nonEmpty = 0;
  for (let i = 0; i < baseline.length; i++) if (baseline[i]! > 0) nonEmpty++;
  const threshold = jsThreshold(Math.max(sampleSize, 1), Math.max(baselineSize, 1), nonEmpty, t);
  const enough = sampleSize >= t.minSamples && baselineSize > 0;
  if (kind === 'categorical') {
    const { pValue } = chiSquareTest(field, baseline);
    if (sampleSize <= t.largeSample) {
      return { name, kind, method: 'chi-square', statistic: pValue, threshold: t.chiSquareP, jsDistance, psi, pValue, sampleSize, baselineSize, status: !enough ? 'insufficient-data' : pValue < t.chiSquareP ? 'drift' : 'ok' };
    }
    return { name, kind, method: 'jensen-shannon', statistic: jsDistance, threshold, jsDistance, psi, pValue, sampleSize, baselineSize, status: !enough ? 'insufficient-data' : jsDistance >= threshold ? 'drift' : 'ok' };
  }
  return { name, kind, method: 'jensen-shannon', statistic: jsDistance, threshold, jsDistance, psi, pValue: null, sampleSize, baselineSize, status: !enough ? 'insufficient-data' : jsDistance >= threshold ? 'drift' : 'ok' };
}

export interface DriftVerdict {
  status: DriftStatus;
  sampleSize: number;
  drifted: number;
  evaluated: number;
  signals: SignalDrift[];
}

/** Every signal present in both the baseline and the field (in baseline order), and the version rule over them. */
export function evaluateDrift(
  baseline: readonly { name: string; counts: readonly number[] }[],
  field: Readonly<Record<string, ArrayLike<number>>>,
  thresholds: Partial<DriftThresholds> = {},
): DriftVerdict {
  const t = { ...DEFAULT_DRIFT_THRESHOLDS, ...thresholds };
  const signals: SignalDrift[] = [];
  for (const b of baseline) {
    if (!Object.hasOwn(field, b.name)) continue;
    signals.push(signalDrift(b.name, field[b.name]!, b.counts, t));
  }
  const judged = signals.filter((s) => s.status !== 'insufficient-data');
  const drifted = judged.filter((s) => s.status === 'drift').length;
  const sampleSize = signals.reduce((max, s) => Math.max(max, s.sampleSize), 0);
  const status: DriftStatus = judged.length === 0 ? 'insufficient-data' : drifted >= t.signalShare * judged.length ? 'drift' : 'ok';
  return { status, sampleSize, drifted, evaluated: judged.length, signals };
}
