/**
 * The counts of one telemetry window, and how two windows merge: bin by bin, key by
 * key, by plain integer addition. Addition is exact, commutative and associative, so
 * the endpoint may sum windows from any number of devices in any order.
 */

/** What one window counted: nothing else is kept. */
export interface WindowCounts {
  /** Predictions counted. */
  predictionCount: number;
  /** Baseline signal name → counts in the baseline's bins. */
  signals: Record<string, number[]>;
  /** Predicted class index (decimal) → count. */
  predictions: Record<string, number>;
  /** Counts in the bins of `LATENCY_EDGES_MS`. */
  latency: number[];
  /** Error code → count. */
  errors: Record<string, number>;
}

function addArrays(a: readonly number[], b: readonly number[], what: string): number[] {
  if (a.length !== b.length) throw new RangeError(`cannot merge ${what}: ${a.length} bins and ${b.length} bins`);
  return a.map((v, i) => v + b[i]!);
}

function addMaps(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value;
  return out;
}

/**
 * The merge of two windows of the same model version (same signals and bins).
 *
 * @throws {RangeError} when a signal has different bin counts in the two.
 */
export function mergeWindowCounts(a: WindowCounts, b: WindowCounts): WindowCounts {
  const signals: Record<string, number[]> = { ...a.signals };
  for (const [name, counts] of Object.entries(b.signals)) signals[name] = name in signals ? addArrays(signals[name]!, counts, `signal "${name}"`) : [...counts];
  return {
    predictionCount: a.predictionCount + b.predictionCount,
    signals,
    predictions: addMaps(a.predictions, b.predictions),
    latency: addArrays(a.latency, b.latency, 'latency'),
    errors: addMaps(a.errors, b.errors),
  };
}
