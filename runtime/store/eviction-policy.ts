/**
 * The store's eviction and quota-retry policy, as pure functions: which versions may
 * go, which go to make room, and what to do when the browser refuses a write although
 * its estimate said there was room. The installer carries them out.
 */

/** A stored version, as the policy sees it. */
export interface EvictableVersion {
  name: string;
  version: string;
  bytes: number;
  /** ms since epoch of the last load. */
  lastUsedAt: number;
  pinned: boolean;
  /** The model's active version. */
  active: boolean;
  /** Some page has it loaded. */
  loaded: boolean;
}

/**
 * Versions that may be evicted, least recently used first: never the active version,
 * a pinned one, one loaded anywhere, or `keep` (the version being installed).
 */
export function evictionCandidates<T extends EvictableVersion>(versions: readonly T[], keep: { name: string; version: string }): T[] {
  return versions
    .filter((v) => !(v.name === keep.name && v.version === keep.version) && !v.active && !v.pinned && !v.loaded)
    .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
}

/** The outcome of {@link planEviction}. */
export type EvictionPlan<T> =
  | { fits: true; evict: T[] }
  /** Even evicting every candidate leaves too little: evict nothing. */
  | { fits: false; freeableBytes: number };

/**
 * Which candidates (least recently used first) to evict so `neededBytes` fit in
 * `availableBytes`: the fewest from the front of the list; all or nothing.
 */
export function planEviction<T extends { bytes: number }>(neededBytes: number, availableBytes: number, candidates: readonly T[]): EvictionPlan<T> {
  const evict: T[] = [];
  let freeable = Math.max(0, availableBytes);
  for (const v of candidates) {
    if (freeable >= neededBytes) break;
    evict.push(v);
    freeable += v.bytes;
  }
  return freeable >= neededBytes ? { fits: true, evict } : { fits: false, freeableBytes: freeable };
}

/** Waits after an eviction before evicting another: the browser frees space a little later. */
export const QUOTA_SETTLE_DELAYS_MS: readonly number[] = Object.freeze([250, 500, 750, 1000]);

/** What to do after the browser refused a write (`QUOTA_EXCEEDED`). */
export type QuotaStep = { action: 'wait'; ms: number } | { action: 'evict' };

/**
 * The quota-retry policy: after an eviction, retry the write after each of
 * {@link QUOTA_SETTLE_DELAYS_MS} (the browser frees an evicted version's space a little
 * later); once those are spent, evict the next candidate. One step at a time: writes
 * failing together must not each evict.
 */
export class QuotaRetry {
  #waits = 0;

  /** The next step after a refused write. */
  next(): QuotaStep {
    if (this.#waits > 0) {
      const ms = QUOTA_SETTLE_DELAYS_MS[QUOTA_SETTLE_DELAYS_MS.length - this.#waits]!;
      this.#waits--;
      return { action: 'wait', ms };
    }
    return { action: 'evict' };
  }

  /** Records that a version was evicted: the next refusals wait for the space first. */
  evicted(): void {
    this.#waits = QUOTA_SETTLE_DELAYS_MS.length;
  }
}
