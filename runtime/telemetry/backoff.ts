/**
 * Retry delays after a failed flush: exponential with full jitter (AWS's "Exponential
 * Backoff And Jitter"): attempt `n` (from 0) waits a uniform time in
 * `[0, min(maxMs, baseMs · 2ⁿ)]`, so devices that failed together do not retry together.
 */
import type { Random } from './laplace-noise.ts';

/** Backoff bounds. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay. @defaultValue 1000 */
  baseMs?: number;
  /** Largest ceiling. @defaultValue 300000 (5 minutes) */
  maxMs?: number;
}

/** The ceiling of attempt `n`'s delay (before jitter). */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 1000, maxMs = 300_000 } = options;
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** The delay before retry `attempt` (0 = first retry), jittered by `random`. */
export function backoffDelay(attempt: number, random: Random, options: BackoffOptions = {}): number {
  return Math.round(random() * backoffCeiling(attempt, options));
}
