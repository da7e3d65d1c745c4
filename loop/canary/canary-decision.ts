/**
 * Promote or roll back a canary, by a stated rule, from the field's telemetry of both
 * sides over the same time and device classes: after enough canary windows, the canary
 * is rolled back when it errs more, drifts more, is less sure of itself or is slower than
 * the version it would replace; otherwise it is promoted. Pure: figures in, decision and
 * its reasons out (the worker gathers the figures from the endpoint and acts).
 */

/** One side's figures over the comparison range. */
export interface SideFigures {
  version: string;
  /** Telemetry windows judged. */
  windows: number;
  /** Of those, judged drifted. */
  driftedWindows: number;
  predictions: number;
  errors: number;
  /** Mean top-1 confidence (from the binned `confidence` signal), or null without data. */
  meanConfidence: number | null;
  /** 95th percentile of prediction latency (ms, from the summed histogram), or null without data. */
  latencyP95: number | null;
}

/** The rule. */
export interface CanaryRule {
  /** Canary windows needed before deciding. @defaultValue 3 */
  minWindows: number;
  /** Roll back when the canary's error rate exceeds the stable one by this much (absolute) … @defaultValue 0.01 */
  maxErrorRateIncrease: number;
  /** … and by this factor. @defaultValue 2 */
  maxErrorRateRatio: number;
  /** Roll back when the canary's share of drifted windows exceeds the stable one's by this much. @defaultValue 0.25 */
  maxDriftShareIncrease: number;
  /** Roll back when the canary's mean confidence is this much lower. @defaultValue 0.05 */
  maxConfidenceDrop: number;
  /** Roll back when the canary's latency p95 is this many times the stable one (and 1 ms more). @defaultValue 1.5 */
  maxLatencyRatio: number;
}

export const DEFAULT_CANARY_RULE: Readonly<CanaryRule> = Object.freeze({
  minWindows: 3,
  maxErrorRateIncrease: 0.01,
  maxErrorRateRatio: 2,
  maxDriftShareIncrease: 0.25,
  maxConfidenceDrop: 0.05,
  maxLatencyRatio: 1.5,
});

/** What to do. */
export interface CanaryDecision {
  action: 'wait' | 'promote' | 'rollback';
  reasons: string[];
  stable: SideFigures;
  canary: SideFigures;
  rule: CanaryRule;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const rate = (errors: number, predictions: number) => (predictions + errors > 0 ? errors / (predictions + errors) : 0);

/** Decides by the rule. */
export function decideCanary(stable: SideFigures, canary: SideFigures, rule: CanaryRule = DEFAULT_CANARY_RULE): CanaryDecision {
  const decide = (action: CanaryDecision['action'], reasons: string[]): CanaryDecision => ({ action, reasons, stable, canary, rule });
  if (canary.windows < rule.minWindows) return decide('wait', [`${canary.windows} canary windows so far; deciding needs ${rule.minWindows}`]);
  const reasons: string[] = [];
  const [se, ce] = [rate(stable.errors, stable.predictions), rate(canary.errors, canary.predictions)];
  if (ce > se + rule.maxErrorRateIncrease && ce > se * rule.maxErrorRateRatio) reasons.push(`error rate ${pct(ce)} vs ${pct(se)} on ${stable.version}`);
  const [sd, cd] = [stable.windows ? stable.driftedWindows / stable.windows : 0, canary.driftedWindows / canary.windows];
  if (cd > sd + rule.maxDriftShareIncrease) reasons.push(`${pct(cd)} of its windows drifted vs ${pct(sd)} on ${stable.version}`);
  if (canary.meanConfidence !== null && stable.meanConfidence !== null && canary.meanConfidence < stable.meanConfidence - rule.maxConfidenceDrop) {
    reasons.push(`mean confidence ${canary.meanConfidence.toFixed(3)} vs ${stable.meanConfidence.toFixed(3)} on ${stable.version}`);
  }
  if (canary.latencyP95 !== null && stable.latencyP95 !== null && canary.latencyP95 > stable.latencyP95 * rule.maxLatencyRatio + 1) {
    reasons.push(`latency p95 ${canary.latencyP95.toFixed(1)} ms vs ${stable.latencyP95.toFixed(1)} ms on ${stable.version}`);
  }
  if (reasons.length > 0) return decide('rollback', reasons);
  return decide('promote', [`${canary.windows} windows: not worse than ${stable.version} on errors, drift, confidence or latency`]);
}

/** The mean of a binned signal, each bin at its midpoint (edges `n + 1` for `n` counts). */
export function binnedMean(edges: readonly number[], counts: readonly number[]): number | null {
  let total = 0;
  let sum = 0;
  counts.forEach((count, i) => {
    const lo = edges[i];
    const hi = edges[i + 1];
    if (lo === undefined || hi === undefined) return;
    total += count;
    sum += count * ((lo + hi) / 2);
  });
  return total > 0 ? sum / total : null;
}

/** The `q` quantile (0..1) of a latency histogram (`counts[i]` between `edges[i]` and `edges[i + 1]`): the upper edge of the bin where it falls. */
export function histogramQuantile(edges: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= q * total) return edges[i + 1] ?? edges.at(-1)!;
  }
  return edges.at(-1)!;
}
