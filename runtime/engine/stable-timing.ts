/**
 * How `auto` times one candidate backend: until its timings are stable, not for a fixed
 * number of runs. A cold engine under-rates itself for a while — onnxruntime-web's 27 MB
 * wasm starts in V8's baseline tier (Liftoff) and its first runs of a MobileNetV2 take
 * 150–250 ms before TurboFan code settles them near 25 ms; tfjs's JavaScript dispatch
 * warms up the same way on a small model — so a choice made on three cold runs is noise.
 *
 * The rule ({@link stabilityVerdict}, pure): time warm runs (never the compiling first
 * one) in rounds of at least {@link StabilityRule.roundMs}; score a candidate by the lowest
 * median of {@link StabilityRule.window} consecutive rounds (one lucky round cannot win,
 * a busy core only ever adds time); stop when that score has not improved by more than
 * {@link StabilityRule.tolerance} over the last {@link StabilityRule.patience} rounds, when
 * the candidate is hopeless against the best so far, or at the time cap.
 */

/** The knobs of the stability rule. */
export interface StabilityRule {
  /** Rounds per rolling median. @defaultValue 3 */
  readonly window: number;
  /** Rounds the score must stay within `tolerance` over to count as stable. @defaultValue 4 */
  readonly patience: number;
  /** "Stopped improving": the score improved by less than this fraction. @defaultValue 0.03 */
  readonly tolerance: number;
  /** Timed work (ms) a candidate gets at least, so a sub-millisecond model warms its JIT. @defaultValue 150 */
  readonly minTimedMs: number;
  /** Timed work (ms) a candidate gets at most: its score is then what it reached. @defaultValue 3000 */
  readonly maxTimedMs: number;
  /** Rounds a candidate gets at most. @defaultValue 60 */
  readonly maxRounds: number;
  /** A round runs the model this long at least (several runs when one is shorter), so timer resolution and scheduling noise stay small. @defaultValue 4 */
  readonly roundMs: number;
  /** A candidate whose settled score is this many times the best so far stops being timed. @defaultValue 3 */
  readonly hopelessFactor: number;
  /**
   * A candidate whose compiling first run (or any run) takes this many times the best
   * score so far is hopeless at once. Large, because a cold engine runs up to ~10× its
   * settled time at first. @defaultValue 25
   */
  readonly firstRunFactor: number;
  /** … but a first run under this many ms is never hopeless: it is mostly fixed compile cost, which says little about a small model's warm runs. @defaultValue 1000 */
  readonly firstRunFloorMs: number;
  /** The settled-score hopeless test waits for this much timed work (a cold engine is still speeding up before). @defaultValue 1000 */
  readonly hopelessAfterMs: number;
  /** … or this many rounds, whichever comes first. @defaultValue 12 */
  readonly hopelessAfterRounds: number;
  /** Rounds before a candidate can count as stable (at least `window + patience`). @defaultValue 0 */
  readonly minRounds: number;
}

/** The rule `auto` uses. */
export const STABILITY_RULE: StabilityRule = Object.freeze({
  window: 3,
  patience: 4,
  tolerance: 0.03,
  minTimedMs: 150,
  maxTimedMs: 3000,
  maxRounds: 60,
  roundMs: 4,
  hopelessFactor: 3,
  firstRunFactor: 25,
  firstRunFloorMs: 1000,
  hopelessAfterMs: 1000,
  hopelessAfterRounds: 12,
  minRounds: 0,
});

/** Why timing a candidate stopped. */
export type TimingStop = 'stable' | 'cap' | 'hopeless';

/** The verdict after one more round: go on, or stop and why. */
export type StabilityVerdict = { done: false } | { done: true; stop: TimingStop };

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A candidate's score: the lowest median of `window` consecutive rounds among the first
 * `count` rounds (the median of all of them while there are fewer than `window`).
 */
export function timingScore(rounds: readonly number[], window: number, count = rounds.length): number {
  if (count <= 0) return Infinity;
  if (count < window) return median(rounds.slice(0, count));
  let best = Infinity;
  for (let end = window; end <= count; end++) best = Math.min(best, median(rounds.slice(end - window, end)));
  return best;
}

/**
 * Whether to time another round of a candidate, given its rounds so far (ms per run),
 * the timed work spent on it and the best score of the candidates timed before it
 * (`Infinity` for the first).
 */
export function stabilityVerdict(rounds: readonly number[], timedMs: number, bestMs: number, rule: StabilityRule = STABILITY_RULE): StabilityVerdict {
  const n = rounds.length;
  if (n === 0) return { done: false };
  const score = timingScore(rounds, rule.window);
  if (rounds[n - 1]! > Math.max(rule.firstRunFactor * bestMs, rule.firstRunFloorMs)) return { done: true, stop: 'hopeless' };
  const settledEnough = timedMs >= rule.hopelessAfterMs || n >= rule.hopelessAfterRounds;
  if (settledEnough && score > rule.hopelessFactor * bestMs) return { done: true, stop: 'hopeless' };
  if (n >= Math.max(rule.minRounds, rule.window + rule.patience) && timedMs >= rule.minTimedMs) {
    const before = timingScore(rounds, rule.window, n - rule.patience);
    if (score >= (1 - rule.tolerance) * before) return { done: true, stop: 'stable' };
  }
  if (timedMs >= rule.maxTimedMs || n >= rule.maxRounds) return { done: true, stop: 'cap' };
  return { done: false };
}

/** What timing one candidate found. */
export interface CandidateTiming {
  /** The score (ms per run): see {@link timingScore}; the first run's time when it was hopeless at once. */
  scoreMs: number;
  /** The compiling first run (ms). */
  firstRunMs: number;
  /** Timed warm runs (not counting the first). */
  runs: number;
  /** Why timing stopped. */
  stop: TimingStop;
}

/**
 * Times `run` (one call of the model): one compiling run, then rounds until
 * {@link stabilityVerdict} says stop. `bestMs` is the best score so far (`Infinity` when
 * none). `firstRun`, when given, is the compiling run's time already measured by the
 * caller (it may have raced it against a deadline).
 */
export async function timeUntilStable(
  run: () => Promise<unknown>,
  bestMs: number,
  options: { rule?: StabilityRule; firstRunMs?: number; now?: () => number; gap?: () => Promise<void> } = {},
): Promise<CandidateTiming> {
  const rule = options.rule ?? STABILITY_RULE;
  const now = options.now ?? (() => performance.now());
  let firstRunMs = options.firstRunMs;
  if (firstRunMs === undefined) {
    const start = now();
    await run();
    firstRunMs = now() - start;
  }
  if (firstRunMs > Math.max(rule.firstRunFactor * bestMs, rule.firstRunFloorMs)) return { scoreMs: firstRunMs, firstRunMs, runs: 0, stop: 'hopeless' };
  const rounds: number[] = [];
  let timedMs = 0;
  let runs = 0;
  let perRound = 1;
  for (;;) {
    let ms = 0;
    for (let i = 0; i < perRound; i++) {
      // The gap (not timed) lets the engine go idle between calls, as it does between a
      // page's predictions: a thread pool that must be woken for every call shows it here.
      if (options.gap) await options.gap();
      const start = now();
      await run();
      ms += now() - start;
    }
    timedMs += ms;
    runs += perRound;
    rounds.push(ms / perRound);
    // After the first warm run, batch sub-`roundMs` runs into rounds (not with gaps: each run is timed on its own then).
    if (rounds.length === 1 && !options.gap) perRound = Math.min(32, Math.max(1, Math.ceil(rule.roundMs / Math.max(ms, 1e-3))));
    const verdict = stabilityVerdict(rounds, timedMs, bestMs, rule);
    if (verdict.done) return { scoreMs: timingScore(rounds, rule.window), firstRunMs, runs, stop: verdict.stop };
  }
}
