/**
 * Fixed-bin histograms, the one binning rule shared with the trainer's baseline
 * (`trainer/eval/signal-histogram.ts`): `n + 1` edges make `n` bins, bin `i` holds
 * `edges[i] ≤ x < edges[i+1]`, and the outer bins are open — a value below `edges[0]`
 * counts in the first bin, one at or above the last edge in the last bin, `NaN` in the
 * first. So every value lands in exactly one bin and field counts add up exactly.
 */

/**
 * Latency bin edges in milliseconds (15 edges, 14 bins). Fixed here, never derived from
 * field data, so every device's latency counts merge at the endpoint. Above 60 s counts
 * in the last bin.
 */
export const LATENCY_EDGES_MS: readonly number[] = Object.freeze([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 60_000]);

/**
 * The bin of `value` under strictly increasing `edges` (open outer bins; `NaN` → 0).
 * A binary search: O(log bins).
 */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 2;
  if (!(value >= edges[1]!)) return 0;
  if (value >= edges[last]!) return last;
  let lo = 1;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= value) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** A histogram over fixed edges: the edges are shared, the counts are its own. */
export class FixedHistogram {
  readonly counts: number[];

  constructor(readonly edges: readonly number[]) {
    if (edges.length < 2 || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && !(e > edges[i - 1]!)))) {
      throw new RangeError(`histogram edges [${edges.join(', ')}] must be 2 or more finite numbers increasing strictly`);
    }
    this.counts = new Array<number>(edges.length - 1).fill(0);
  }

  /** Counts one value (out-of-range values in the outer bins). */
  add(value: number): void {
    this.counts[binIndex(this.edges, value)]!++;
  }
}
