/**
 * Telemetry batches in the shape of docs/SYNC-API.md, made from a seed so a failing
 * case can be replayed. Each event is what a device's drift sketch would send for one
 * hour: signal histograms, predictions per class, a latency histogram, error counts.
 */
import { randomUUID } from 'node:crypto';
import type { DriftEvent as WireDriftEvent, TelemetryBatch as WireTelemetryBatch } from '../../format/index.ts';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';

/** An event with every count present and a device class, as the test batches make them. */
export type DriftEvent = WireDriftEvent & Required<Pick<WireDriftEvent, 'deviceClass' | 'signals' | 'predictions' | 'latencyMs' | 'errors'>>;
/** A batch of such events. */
export type TelemetryBatch = Omit<WireTelemetryBatch, 'events'> & { events: DriftEvent[] };

/** Options of {@link makeBatch}. */
export interface MakeBatchOptions {
  /** @defaultValue a random UUID */
  batchId?: string;
  /** @defaultValue 50 */
  events?: number;
  /** @defaultValue 'mnist-centroid' */
  model?: string;
  /** @defaultValue '1.0.0' */
  version?: string;
  /** @defaultValue 'd-' + seed */
  deviceId?: string;
  /** Start of the hour the events describe. @defaultValue '2026-11-23T16:00:00.000Z' */
  windowStart?: string;
  /** @defaultValue 1 */
  seed?: number;
}

/** mulberry32, the trainer's seeded generator: enough for test data, replayable from a seed. */
export const seededRandom = createSeededRandom;

/** Fixed latency bin edges (ms) every generated event uses. */
export const LATENCY_EDGES = [1, 2, 5, 10, 50];

/** Makes one valid batch of drift events. */
export function makeBatch(options: MakeBatchOptions = {}): TelemetryBatch {
  const seed = options.seed ?? 1;
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const windowStart = options.windowStart ?? '2026-11-23T16:00:00.000Z';
  const windowEnd = new Date(Date.parse(windowStart) + 3_600_000).toISOString();
  const events: DriftEvent[] = [];
  for (let i = 0; i < (options.events ?? 50); i++) {
    events.push({
      type: 'drift',
      model: options.model ?? 'mnist-centroid',
      version: options.version ?? '1.0.0',
      deviceClass: rand() < 0.5 ? 'phone-wasm' : 'desktop-webgpu',
      windowStart,
      windowEnd,
      signals: { mean_intensity: [int(5), int(20), int(20), int(10), int(5), int(2)], confidence: [int(3), int(6), int(30)] },
      predictions: { [String(int(10))]: 1 + int(10), [String(int(10))]: 1 + int(10) },
      latencyMs: { edges: LATENCY_EDGES, counts: [int(5), int(20), int(10), int(2)] },
      errors: rand() < 0.1 ? { INFERENCE_FAILED: 1 } : {},
    });
  }
  return { schema: 1, batchId: options.batchId ?? randomUUID(), deviceId: options.deviceId ?? `d-${seed}`, sentAt: windowEnd, events };
}
