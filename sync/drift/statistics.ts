/**
 * The endpoint's drift statistics, pure functions over bin counts: Jensen–Shannon
 * distance and PSI for binned signals, Pearson's chi-square test for the predicted-class
 * counts, and the version rule over all signals. Defaults are Evidently's
 * (https://docs.evidentlyai.com/metrics/explainer_drift); see docs/SYNC-API.md,
 * "Drift and alerts".
 *
 * Unlike Evidently, which bins current and reference data together, a device can only
 * count into the manifest baseline's frozen bins, so every statistic here takes two
 * count vectors over the same bins.
 */
import { chiSquareQuantile, chiSquareSurvival } from './special-functions.ts';

export { chiSquareQuantile, chiSquareSurvival };

/** A signal's or a version's verdict. */
export type DriftStatus = 'drift' | 'ok' | 'insufficient-data';

/** What decides drift; any subset can be passed, the rest keep {@link DEFAULT_DRIFT_THRESHOLDS}. */
export interface DriftThresholds {
  /** JS distance (natural log) at or above which a signal drifts, once its sample is large. @defaultValue 0.1 (Evidently's) */
  jsDistance: number;
  /** PSI reported against this; it does not decide the status. @defaultValue 0.1 (Evidently's) */
  psi: number;
  /** Chi-square p-value below which predicted-class counts drift. @defaultValue 0.05 (Evidently's) */
  chiSquareP: number;
  /** A signal with fewer field counts is `insufficient-data`. @defaultValue 100 */
  minSamples: number;
  /** Above this many field counts the predicted class is judged by JS distance, as Evidently does for large samples. @defaultValue 1000 */
  largeSample: number;
  /** The quantile of the JS distance under no drift that a JS threshold never falls below (see {@link jsThreshold}). @defaultValue 0.999 */
  noiseQuantile: number;
  /** Version rule: drift when at least this share of the signals with enough data drift. @defaultValue 0.5 (Evidently's dataset drift share) */
  signalShare: number;
}

/** The defaults of {@link DriftThresholds}. */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  jsDistance: 0.1,
  psi: 0.1,
  chiSquareP: 0.05,
  minSamples: 100,
  largeSample: 1000,
  noiseQuantile: 0.999,
  signalShare: 0.5,
});

/** Evidently's stand-in for an empty bin's proportion (PSI, and chi-square's expected counts). */
const EMPTY_PROPORTION = 0.0001;
const MAX_JS_DISTANCE = Math.sqrt(Math.LN2);

/** Thresholds this module resolved: passed down (window → signal → threshold) they are not resolved again, which was a fifth of judging a window. */
const resolved = new WeakSet<DriftThresholds>();

/** The defaults with every defined value of `partial` over them (an `undefined` keeps the default), frozen. */
export function resolveThresholds(partial: Partial<DriftThresholds>): Readonly<DriftThresholds> {
  if (resolved.has(partial as DriftThresholds)) return partial as DriftThresholds;
  const t: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS };
  for (const key of Object.keys(t) as (keyof DriftThresholds)[]) {
    const value = partial[key];
    if (value !== undefined) t[key] = value;
  }
  Object.freeze(t);
  resolved.add(t);
  return t;
}

/** Σ of `values`, each checked to be a finite count ≥ 0. */
function totalOf(values: ArrayLike<number>, what: string): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${what}[${i}] is ${v}; counts must be finite and ≥ 0`);
    total += v;
  }
  return total;
}

function checkLengths(field: ArrayLike<number>, baseline: ArrayLike<number>, what: string): void {
  if (field.length !== baseline.length) throw new RangeError(`${what}: the field has ${field.length} bins and the baseline ${baseline.length}; counts must go over the same bins`);
  if (field.length === 0) throw new RangeError(`${what}: no bins`);
}

function checkNonEmpty(total: number, what: string): void {
  if (total === 0) throw new RangeError(`${what} sums to 0: there is no distribution to compare`);
}

/**
 * The Jensen–Shannon distance between two distributions over the same bins, given as
 * counts or proportions (each normalised here): √(½·KL(p‖m) + ½·KL(q‖m)), m = (p + q)/2,
 * in natural log, as `scipy.spatial.distance.jensenshannon` (what Evidently calls).
 * 0 for identical distributions, √ln 2 ≈ 0.8326 for disjoint ones; symmetric.
 *
 * @throws {RangeError} when the lengths differ, a value is negative or not finite, or a side sums to 0.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkLengths(p, q, 'jensenShannonDistance');
  const sp = totalOf(p, 'jensenShannonDistance p');
  const sq = totalOf(q, 'jensenShannonDistance q');
  checkNonEmpty(sp, 'jensenShannonDistance p');
  checkNonEmpty(sq, 'jensenShannonDistance q');
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    // 0·ln 0 = 0; m > 0 wherever a or b is.
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  }
  // Rounding can leave a hair below 0 (identical inputs) or above ln 2 (disjoint ones).
  return Math.min(MAX_JS_DISTANCE, Math.sqrt(Math.max(0, divergence / 2)));
}

/**
 * The population stability index Σ (f − b)·ln(f / b) over the field's and the baseline's
 * proportions, a zero proportion replaced by 0.0001 as Evidently does.
 *
 * @throws {RangeError} as {@link jensenShannonDistance}.
 */
export function populationStabilityIndex(field: ArrayLike<number>, baseline: ArrayLike<number>): number {
  checkLengths(field, baseline, 'populationStabilityIndex');
  const sf = totalOf(field, 'populationStabilityIndex field');
  const sb = totalOf(baseline, 'populationStabilityIndex baseline');
  checkNonEmpty(sf, 'populationStabilityIndex field');
  checkNonEmpty(sb, 'populationStabilityIndex baseline');
  let psi = 0;
  for (let i = 0; i < field.length; i++) {
    const f = field[i]! / sf || EMPTY_PROPORTION;
    const b = baseline[i]! / sb || EMPTY_PROPORTION;
    psi += (f - b) * Math.log(f / b);
  }
  return psi;
}

/**
 * Pearson's chi-square goodness-of-fit test of the field counts against the baseline's
 * proportions: statistic Σ (o − e)²/e with e = n·πᵢ, where a bin the baseline never saw
 * gets πᵢ = 0.0001 (then all π renormalised), so a class that appears only in the field
 * weighs heavily instead of dividing by zero. dof = bins − 1; pValue = P(χ²_dof > statistic).
 * With one bin there is nothing to test: statistic 0, dof 0, pValue 1.
 *
 * @throws {RangeError} as {@link jensenShannonDistance}.
 */
export function chiSquareTest(field: ArrayLike<number>, baseline: ArrayLike<number>): { statistic: number; dof: number; pValue: number } {
  checkLengths(field, baseline, 'chiSquareTest');
  const n = totalOf(field, 'chiSquareTest field');
  const sb = totalOf(baseline, 'chiSquareTest baseline');
  checkNonEmpty(n, 'chiSquareTest field');
  checkNonEmpty(sb, 'chiSquareTest baseline');
  const dof = field.length - 1;
  if (dof === 0) return { statistic: 0, dof: 0, pValue: 1 };
  let norm = 0;
  for (let i = 0; i < baseline.length; i++) norm += baseline[i]! / sb || EMPTY_PROPORTION;
  let statistic = 0;
  for (let i = 0; i < field.length; i++) {
    const expected = (n * (baseline[i]! / sb || EMPTY_PROPORTION)) / norm;
    statistic += (field[i]! - expected) ** 2 / expected;
  }
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}

/** How a signal is judged. */
export type SignalKind = 'binned' | 'categorical';

const PREDICTED_CLASS = 'predicted_class';

/** `categorical` for the predicted-class signal (`predicted_class`), `binned` for every other baseline signal. */
export function signalKind(name: string): SignalKind {
  return name === PREDICTED_CLASS ? 'categorical' : 'binned';
}

/**
 * The JS-distance threshold for a field sample of `n` counts against a baseline of `m`
 * counts over `bins` bins that the baseline has counts in: the larger of
 * `thresholds.jsDistance` and √(q·(1/n + 1/m)/8), q = the χ²_{bins−1} quantile at
 * `thresholds.noiseQuantile`.
 *
 * Why: without drift, field and baseline proportions p̂, b̂ differ only by sampling noise
 * δ = p̂ − b̂, with Σ δᵢ²/πᵢ · nm/(n + m) ≈ χ²_{bins−1} (the two-sample Pearson statistic).
 * Expanding both KL terms of the JS divergence around the mixture m̄ = π + O(δ) to second
 * order gives KL(p̂‖m̄) ≈ KL(b̂‖m̄) ≈ Σ δᵢ²/(8πᵢ), so the divergence (nats) is
 * ≈ Σ δᵢ²/(8πᵢ) ≈ χ²_{bins−1}·(1/n + 1/m)/8, and its square root — the distance — stays
 * below √(q·(1/n + 1/m)/8) in a `noiseQuantile` share of no-drift windows. With the 0.1
 * floor alone a window of 100 predictions over 10 bins would drift on noise about half
 * the time (its median distance is ≈ √(8.3·0.01/8) ≈ 0.10); with this rule the
 * false-positive rate per signal stays near 1 − noiseQuantile at every window size.
 * The floor takes over once n is a few hundred (over 10 bins: q ≈ 27.9, so from n ≈ 350
 * against a large baseline), where 0.1 is already far above the noise.
 */
export function jsThreshold(n: number, m: number, bins: number, thresholds: Partial<Pick<DriftThresholds, 'jsDistance' | 'noiseQuantile'>> = {}): number {
  const t = resolveThresholds(thresholds);
  if (bins < 2 || !(n > 0) || !(m > 0)) return t.jsDistance;
  const q = noiseQuantileOf(t.noiseQuantile, bins - 1);
  return Math.max(t.jsDistance, Math.sqrt((q * (1 / n + 1 / m)) / 8));
}

/** χ² quantiles by (probability, dof), computed once each: every signal of every ingested window needs one, and the root search costs far more than the rest of the verdict. */
const quantiles = new Map<string, number>();
function noiseQuantileOf(probability: number, dof: number): number {
  const key = `${probability}:${dof}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    q = chiSquareQuantile(probability, dof);
    if (quantiles.size >= 10_000) quantiles.clear();
    quantiles.set(key, q);
  }
  return q;
}

/** One signal's verdict. */
export interface SignalDrift {
  name: string;
  kind: SignalKind;
  /** Which statistic decided the status. */
  method: 'jensen-shannon' | 'chi-square';
  /** The deciding statistic's value: the JS distance, or the chi-square p-value. */
  statistic: number;
  /** What it was compared with. JS: drift when statistic ≥ threshold; chi-square: drift when p < threshold. */
  threshold: number;
  jsDistance: number;
  psi: number;
  /** The chi-square p-value; categorical signals only. */
  pValue: number | null;
  /** Σ field counts. */
  sampleSize: number;
  /** Σ baseline counts. */
  baselineSize: number;
  /** Baseline bins holding any count: with fewer than 2 the signal was constant in training, and votes in the version rule only when it drifts. */
  baselineBins: number;
  status: DriftStatus;
}

/**
 * Judges one signal's field counts against its baseline counts (same bins). Fewer than
 * `minSamples` field counts (or an empty baseline): `insufficient-data`. Binned signals
 * drift when the JS distance reaches {@link jsThreshold}; the predicted class
 * (categorical) drifts when the chi-square p-value is below `chiSquareP` up to
 * `largeSample` counts, and by the JS rule above that.
 *
 * @throws {RangeError} naming the signal when the lengths differ or a count is negative or not finite.
 */
export function signalDrift(name: string, field: ArrayLike<number>, baseline: ArrayLike<number>, thresholds: Partial<DriftThresholds> = {}): SignalDrift {
  const t = resolveThresholds(thresholds);
  checkLengths(field, baseline, `signal "${name}"`);
  const sampleSize = totalOf(field, `signal "${name}" field counts`);
  const baselineSize = totalOf(baseline, `signal "${name}" baseline counts`);
  const kind = signalKind(name);
  const byChiSquare = kind === 'categorical' && sampleSize <= t.largeSample;
  const method = byChiSquare ? 'chi-square' : 'jensen-shannon';
  let baselineBins = 0;
  for (let i = 0; i < baseline.length; i++) if (baseline[i]! > 0) baselineBins++;
  if (sampleSize === 0 || baselineSize === 0) {
    // Nothing to compare: no statistic, and never enough data (minSamples may be 0).
    const threshold = byChiSquare ? t.chiSquareP : t.jsDistance;
    return { name, kind, method, statistic: byChiSquare ? 1 : 0, threshold, jsDistance: 0, psi: 0, pValue: kind === 'categorical' ? 1 : null, sampleSize, baselineSize, baselineBins, status: 'insufficient-data' };
  }
  const jsDistance = jensenShannonDistance(field, baseline);
  const psi = populationStabilityIndex(field, baseline);
  const pValue = kind === 'categorical' ? chiSquareTest(field, baseline).pValue : null;
  const enough = sampleSize >= t.minSamples;
  if (byChiSquare) {
    const status = !enough ? 'insufficient-data' : pValue! < t.chiSquareP ? 'drift' : 'ok';
    return { name, kind, method, statistic: pValue!, threshold: t.chiSquareP, jsDistance, psi, pValue, sampleSize, baselineSize, baselineBins, status };
  }
  const threshold = jsThreshold(sampleSize, baselineSize, baselineBins, t);
  const status = !enough ? 'insufficient-data' : jsDistance >= threshold ? 'drift' : 'ok';
  return { name, kind, method, statistic: jsDistance, threshold, jsDistance, psi, pValue, sampleSize, baselineSize, baselineBins, status };
}

/** A version's verdict over its signals. */
export interface DriftVerdict {
  /** `insufficient-data` when no signal has enough data; else `drift` or `ok` by the share rule. */
  status: DriftStatus;
  /** The largest signal sample size (each signal counts every prediction it could compute). */
  sampleSize: number;
  /** Signals that drifted. */
  drifted: number;
  /** Signals with enough data to be judged. */
  evaluated: number;
  /** Every signal present in both the baseline and the field, in baseline order. */
  signals: SignalDrift[];
}

/**
 * Judges a window (or merged windows) of field counts against a version's baseline.
 * Only signals present in both are evaluated, in baseline order. The version drifts when
 * `drifted ≥ signalShare × evaluated` (Evidently's dataset-drift rule), is `ok` otherwise,
 * and `insufficient-data` when no signal has enough data. A signal whose baseline holds
 * counts in one bin only (constant in training) is in `evaluated` only when it drifts.
 *
 * @param baseline the manifest's `baseline.signals` (`{ name, edges, counts }[]`; edges are not needed).
 * @param field signal name → counts over the same bins.
 * @throws {RangeError} naming the signal when its counts do not match its baseline's bins or are not finite counts ≥ 0.
 */
export function evaluateDrift(
  baseline: readonly { name: string; counts: readonly number[] }[],
  field: Readonly<Record<string, ArrayLike<number>>>,
  thresholds: Partial<DriftThresholds> = {},
): DriftVerdict {
  const t = resolveThresholds(thresholds);
  const signals: SignalDrift[] = [];
  for (const b of baseline) {
    if (!Object.hasOwn(field, b.name) || field[b.name] === undefined) continue;
    signals.push(signalDrift(b.name, field[b.name]!, b.counts, t));
  }
  let judged = 0;
  let evaluated = 0;
  let drifted = 0;
  let sampleSize = 0;
  for (const s of signals) {
    sampleSize = Math.max(sampleSize, s.sampleSize);
    if (s.status === 'insufficient-data') continue;
    judged++;
    // A signal constant in training (all its baseline counts in one bin: a border block
    // no training digit inked) can only show that something appeared where training had
    // nothing. Counted as `ok` it would dilute the share: 18 of the MNIST CNN's 54
    // signals are such blocks, so a rotation that moves ink between the other blocks
    // could never reach half. It votes only when it drifts.
    if (s.baselineBins < 2 && s.status !== 'drift') continue;
    evaluated++;
    if (s.status === 'drift') drifted++;
  }
  const status: DriftStatus = judged === 0 ? 'insufficient-data' : evaluated > 0 && drifted >= t.signalShare * evaluated ? 'drift' : 'ok';
  return { status, sampleSize, drifted, evaluated, signals };
}
