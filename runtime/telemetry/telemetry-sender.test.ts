import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { TelemetryBatch } from '../../format/index.ts';
import { telemetryBody } from '../../sync/schemas.ts';
import type { DriftEvent } from './drift-event.ts';
import { addDrops, dropsToReport, settleDrops, type DropCounts, type SealedBatch, type TelemetryQueue } from './telemetry-queue.ts';
import { batchBody, fitsOneBatch, TelemetrySender } from './telemetry-sender.ts';
import type { TelemetrySettings } from './telemetry-settings.ts';

const event = (hour: number, bins = 10, signals = 1): DriftEvent => ({
  type: 'drift',
  model: 'm',
  version: '1.0.0',
  windowStart: new Date(Date.UTC(2026, 11, 1, hour)).toISOString(),
  windowEnd: new Date(Date.UTC(2026, 11, 1, hour, 30)).toISOString(),
  signals: Object.fromEntries(Array.from({ length: signals }, (_, s) => [`s${s}`, new Array<number>(bins).fill(1)])),
  predictions: { 0: 1, 1: 2 },
  latencyMs: { edges: [0, 1, 2], counts: [1, 1] },
  errors: {},
});

describe("fitsOneBatch (the endpoint's per-batch limits)", () => {
  it('takes windows from at most 24 distinct hours', () => {
    expect(fitsOneBatch(Array.from({ length: 24 }, (_, h) => event(h)))).toBe(true);
    expect(fitsOneBatch(Array.from({ length: 25 }, (_, h) => event(h)))).toBe(false);
    // Many windows of one hour share their cells.
    expect(fitsOneBatch(Array.from({ length: 500 }, () => event(3)))).toBe(true);
    expect(fitsOneBatch(Array.from({ length: 501 }, () => event(3)))).toBe(false);
  });

  it('keeps the aggregate cells (hour × signal bin, class, latency bin…) at most 20,000', () => {
    // 64 signals × 100 bins = 6,400 cells an hour: three hours fit, four do not.
    expect(fitsOneBatch([0, 1, 2].map((h) => event(h, 100, 64)))).toBe(true);
    expect(fitsOneBatch([0, 1, 2, 3].map((h) => event(h, 100, 64)))).toBe(false);
  });
});

const ajv = new Ajv({ strict: false });
addFormats.default(ajv);
const validateBody = ajv.compile(telemetryBody);

/**
 * The queue's contract in memory (sealing, settling, the drop arithmetic it shares with
 * telemetry-queue.ts); the IndexedDB version runs in e2e/telemetry.spec.ts.
 */
class MemoryQueue {
  events: DriftEvent[] = [];
  pending?: SealedBatch;
  drops: DropCounts = { total: 0, unreported: 0 };

  async sealedBatch(deviceId: string, fits: (events: readonly DriftEvent[]) => boolean, newBatchId: () => string, now: number): Promise<SealedBatch | undefined> {
    if (this.pending) return this.pending;
    let n = 0;
    while (n < this.events.length && (n === 0 || fits(this.events.slice(0, n + 1)))) n++;
    if (n === 0) return undefined;
    const batch: SealedBatch = { batchId: newBatchId(), deviceId, events: this.events.splice(0, n), sealedAt: now };
    const dropped = dropsToReport(this.drops);
    if (dropped !== undefined) batch.dropped = dropped;
    return (this.pending = structuredClone(batch));
  }

  async settle(batchId: string, refused = false): Promise<void> {
    if (this.pending?.batchId !== batchId) return;
    this.drops = settleDrops(this.drops, this.pending, refused);
    this.pending = undefined;
  }

  async split(): Promise<boolean> {
    return false;
  }
}

describe('TelemetrySender', () => {
  const settings = { url: 'https://sync.test/v1/telemetry', token: 't' } as TelemetrySettings;

  function senderWith(statuses: number[]) {
    const queue = new MemoryQueue();
    const bodies: TelemetryBatch[] = [];
    let ids = 0;
    const sender = new TelemetrySender(settings, queue as unknown as TelemetryQueue, {
      now: () => Date.parse('2026-12-01T03:30:00Z'),
      newBatchId: () => `00000000-0000-4000-8000-00000000000${ids++}`,
      fetch: async (_url, init) => {
        bodies.push(JSON.parse(String(init!.body)) as TelemetryBatch);
        const status = statuses.shift() ?? 200;
        return new Response(JSON.stringify(status < 300 ? { accepted: bodies.at(-1)!.events.length } : { error: { code: 'UNAVAILABLE' } }), { status });
      },
    });
    return { queue, bodies, sender };
  }

  it('sends the dropped count sealed with the batch, the same on every retry, and resets it only once acknowledged', async () => {
    const { queue, bodies, sender } = senderWith([503, 200, 200]);
    queue.events.push(event(1), event(2));
    queue.drops = addDrops(queue.drops, 5);
    expect((await sender.flush('device')).ok).toBe(false);
    // Two more drop while the batch waits for its retry.
    queue.drops = addDrops(queue.drops, 2);
    expect((await sender.flush('device')).ok).toBe(true);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]!.batchId).toBe(bodies[0]!.batchId);
    expect(bodies.map((b) => b.dropped)).toEqual([5, 5]);
    expect(queue.drops).toEqual({ total: 7, unreported: 2 });
    // The next batch reports the two dropped since; then nothing is left to report.
    queue.events.push(event(3));
    await sender.flush('device');
    expect(bodies[2]!.dropped).toBe(2);
    expect(queue.drops).toEqual({ total: 7, unreported: 0 });
    for (const body of bodies) expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
  });

  it('a refused batch reports nothing: its dropped count goes with the next batch', async () => {
    const { queue, bodies, sender } = senderWith([422, 200]);
    queue.events.push(event(1));
    queue.drops = addDrops(queue.drops, 1);
    await sender.flush('device');
    expect(bodies[0]!.dropped).toBe(1);
    // The refused event counts as dropped on the device; the report stays the queue's drops.
    expect(queue.drops).toEqual({ total: 2, unreported: 1 });
    queue.events.push(event(2));
    await sender.flush('device');
    expect(bodies[1]!.dropped).toBe(1);
    expect(queue.drops).toEqual({ total: 2, unreported: 0 });
  });
});

describe('batchBody', () => {
  const sealed: SealedBatch = { batchId: '0b6c4f5e-3f0e-4a59-9d0b-6a8e2f0d9c11', deviceId: '7d3f1a52-0c1e-4c7b-a5f9-2b8e6d4c1a90', events: [event(1)], sealedAt: 0 };

  it('has no dropped field when nothing was dropped (or the batch predates the field)', () => {
    const body = batchBody(sealed, Date.parse('2026-12-01T03:30:00Z'));
    expect(body).toEqual({ schema: 1, batchId: sealed.batchId, deviceId: sealed.deviceId, sentAt: '2026-12-01T03:30:00.000Z', events: sealed.events });
    expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
  });

  it("carries the batch's dropped count", () => {
    const body = batchBody({ ...sealed, dropped: 12 }, Date.parse('2026-12-01T03:30:00Z'));
    expect(body.dropped).toBe(12);
    expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
  });
});
