/**
 * A closed window in the endpoint's event format (`sync/schemas.ts` `driftEvent`,
 * docs/SYNC-API.md "Telemetry"): counts, window bounds, model name and version, the
 * device class, and the ε of the Laplace noise when the counts carry some. Nothing
 * else; the schema refuses unknown fields.
 */
import type { DriftEvent as WireDriftEvent } from '../../format/index.ts';
import { LATENCY_EDGES_MS } from './histogram.ts';
import { noisyCount, type Random } from './laplace-noise.ts';
import type { WindowCounts } from './window-counts.ts';

/** One `drift` event as the runtime builds it: the wire type with every count map present. */
export type DriftEvent = WireDriftEvent & Required<Pick<WireDriftEvent, 'signals' | 'predictions' | 'latencyMs' | 'errors'>>;

/** What a window is about, besides its counts. */
export interface WindowMeta {
  model: string;
  version: string;
  deviceClass: string | null;
  startMs: number;
  endMs: number;
}

/**
 * The event of a closed window; with `noise`, every count gets Laplace noise (rounded,
 * clamped ≥ 0) and the event says so in `epsilon`, so the endpoint knows the counts' scale.
 */
export function toDriftEvent(meta: WindowMeta, counts: WindowCounts, noise?: { epsilon: number; random: Random }): DriftEvent {
  const n = noise ? (c: number) => noisyCount(c, noise.epsilon, noise.random) : (c: number) => c;
  const mapCounts = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, n(v)]));
  const event: DriftEvent = {
    type: 'drift',
    model: meta.model,
    version: meta.version,
    windowStart: new Date(meta.startMs).toISOString(),
    windowEnd: new Date(Math.max(meta.startMs, meta.endMs)).toISOString(),
    signals: Object.fromEntries(Object.entries(counts.signals).map(([name, c]) => [name, c.map(n)])),
    predictions: mapCounts(counts.predictions),
    latencyMs: { edges: [...LATENCY_EDGES_MS], counts: counts.latency.map(n) },
    errors: mapCounts(counts.errors),
  };
  if (meta.deviceClass !== null) event.deviceClass = meta.deviceClass;
  if (noise) event.epsilon = noise.epsilon;
  return event;
}
