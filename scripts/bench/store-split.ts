/**
 * The store benchmark's arithmetic: the median split of a set of loads (total, bytes,
 * engine set-up, first run, the rest), and the markdown tables. Kept apart from the
 * browser driving (store-bench.ts) so it can be read and tested on its own.
 */
import type { StoreTiming } from '../../pwa/bench-store.ts';
import { percentile, round } from './stats.ts';

/** Medians, in ms, of each part of a set of loads to first prediction (each part's own median). */
export interface LoadSplit {
  total_ms: number;
  bytes_ms: number;
  engine_ms: number;
  first_run_ms: number;
  other_ms: number;
}

/** One row of `bench store`. */
export interface StoreEntry {
  model: string;
  /** The artifact every side loaded, and its bytes. */
  artifact: string;
  bytes: number;
  /** Cold: from the loopback server; warm: from IndexedDB; floor: the same bytes in memory, engine only; cold over emulated Fast 4G. */
  cold_loopback: LoadSplit;
  warm: LoadSplit;
  floor: LoadSplit;
  cold_fast4g: LoadSplit;
  offline_first_prediction_ms: number;
  /** warm ÷ cold over loopback (a loopback link costs almost nothing: no target). */
  cache_vs_network: number;
  /** warm ÷ cold over Fast 4G. */
  cache_vs_fast4g: number;
  /** warm ÷ floor (medians). */
  warm_vs_floor: number;
  /**
   * The median of warm ÷ floor within each round (the two loads ran back to back): less
   * moved by a busy machine than the ratio of medians, which a slow spell on one side
   * of the alternation skews.
   */
  warm_vs_floor_paired: number;
  /** With `--compare-integrity`: the warm load with each load-time check, medians, and their paired ratio. */
  integrity?: { checksum_warm_ms: number; sha256_warm_ms: number; checksum_vs_sha256_paired: number };
}

/** Targets of issue 17, item 4. */
export const TARGETS = { cache_vs_fast4g_max: 0.5, warm_vs_floor_max: 1.2 } as const;

/** The median split of `timings` (empty → RangeError, as {@link percentile}). */
export function medianSplit(timings: readonly StoreTiming[]): LoadSplit {
  const median = (pick: (t: StoreTiming) => number) => round(percentile(timings.map(pick), 50), 1);
  return {
    total_ms: median((t) => t.ms),
    bytes_ms: median((t) => t.bytesMs),
    engine_ms: median((t) => t.engineMs),
    first_run_ms: median((t) => t.firstRunMs),
    other_ms: median((t) => t.otherMs),
  };
}

/** The entry of one model from its samples. */
export function storeEntry(
  model: string,
  artifact: string,
  bytes: number,
  samples: { network: StoreTiming[]; cache: StoreTiming[]; floor: StoreTiming[]; fast4g: StoreTiming[]; offline: StoreTiming[] },
): StoreEntry {
  const warm = medianSplit(samples.cache);
  const cold_loopback = medianSplit(samples.network);
  const floor = medianSplit(samples.floor);
  const cold_fast4g = medianSplit(samples.fast4g);
  return {
    model,
    artifact,
    bytes,
    cold_loopback,
    warm,
    floor,
    cold_fast4g,
    offline_first_prediction_ms: medianSplit(samples.offline).total_ms,
    cache_vs_network: round(warm.total_ms / cold_loopback.total_ms),
    cache_vs_fast4g: round(warm.total_ms / cold_fast4g.total_ms),
    warm_vs_floor: round(warm.total_ms / floor.total_ms),
    warm_vs_floor_paired: round(percentile(samples.cache.map((t, i) => t.ms / samples.floor[i]!.ms), 50)),
  };
}

/** The two tables: the ratios against their targets, and where each load's time went. */
export function storeTables(entries: readonly StoreEntry[]): string {
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const ratios = [
    `| model | bytes | warm (store) ms | floor ms | cold loopback ms | cold Fast 4G ms | offline ms | warm_vs_floor | paired | ≤ ${TARGETS.warm_vs_floor_max} | cache_vs_fast4g | ≤ ${TARGETS.cache_vs_fast4g_max} | cache_vs_network |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|:-:|--:|:-:|--:|',
    ...entries.map(
      (e) =>
        `| ${e.model} | ${e.bytes} | ${e.warm.total_ms} | ${e.floor.total_ms} | ${e.cold_loopback.total_ms} | ${e.cold_fast4g.total_ms} | ${e.offline_first_prediction_ms} | ${e.warm_vs_floor.toFixed(3)} | ${e.warm_vs_floor_paired.toFixed(3)} | ${yes(e.warm_vs_floor <= TARGETS.warm_vs_floor_max)} | ${e.cache_vs_fast4g.toFixed(3)} | ${yes(e.cache_vs_fast4g <= TARGETS.cache_vs_fast4g_max)} | ${e.cache_vs_network.toFixed(3)} |`,
    ),
  ];
  const split = [
    '| model | load | total ms | bytes ms | engine set-up ms | first run ms | other ms |',
    '|---|---|--:|--:|--:|--:|--:|',
    ...entries.flatMap((e) =>
      (
        [
          ['warm (store)', e.warm],
          ['floor (in memory)', e.floor],
          ['cold loopback', e.cold_loopback],
          ['cold Fast 4G', e.cold_fast4g],
        ] as const
      ).map(([name, s]) => `| ${e.model} | ${name} | ${s.total_ms} | ${s.bytes_ms} | ${s.engine_ms} | ${s.first_run_ms} | ${s.other_ms} |`),
    ),
  ];
  return `${ratios.join('\n')}\n\n${split.join('\n')}`;
}
