/**
 * The queue's drop bookkeeping (the pure part of telemetry-queue.ts; the IndexedDB
 * transactions around it run in real Chromium, e2e/telemetry.spec.ts): drops accumulate
 * until a batch reports them, a retry reports the same number, and only the
 * endpoint's acknowledgement takes them off.
 */
import { describe, expect, it } from 'vitest';
import type { DriftEvent } from './drift-event.ts';
import { addDrops, dropsToReport, MAX_REPORTED_DROPS, settleDrops, type DropCounts } from './telemetry-queue.ts';

const events = (n: number) => new Array<DriftEvent>(n);
const none: DropCounts = { total: 0, unreported: 0 };

describe('drop bookkeeping', () => {
  it('reports nothing until something is dropped', () => {
    expect(dropsToReport(none)).toBeUndefined();
  });

  it('reports every drop since the last acknowledged batch, once', () => {
    let counts = addDrops(addDrops(none, 3), 2);
    const reported = dropsToReport(counts);
    expect(reported).toBe(5);
    // Two more drop while the sealed batch waits: they wait for the next batch.
    counts = addDrops(counts, 2);
    expect(dropsToReport(counts)).toBe(7);
    counts = settleDrops(counts, { events: events(4), dropped: reported }, false);
    expect(counts).toEqual({ total: 7, unreported: 2 });
    expect(dropsToReport(counts)).toBe(2);
    counts = settleDrops(counts, { events: events(1), dropped: 2 }, false);
    expect(counts).toEqual({ total: 7, unreported: 0 });
    expect(dropsToReport(counts)).toBeUndefined();
  });

  it('a refused batch reported nothing; its own events count as dropped on the device, not in the report', () => {
    const counts = settleDrops(addDrops(none, 5), { events: events(4), dropped: 5 }, true);
    expect(counts).toEqual({ total: 9, unreported: 5 });
    expect(dropsToReport(counts)).toBe(5);
  });

  it('an acknowledged batch sealed without drops (or by an older version) changes nothing', () => {
    expect(settleDrops({ total: 3, unreported: 3 }, { events: events(2) }, false)).toEqual({ total: 3, unreported: 3 });
  });

  it("caps a report at the endpoint's maximum; the rest goes in later batches", () => {
    let counts = addDrops(none, MAX_REPORTED_DROPS + 10);
    expect(dropsToReport(counts)).toBe(MAX_REPORTED_DROPS);
    counts = settleDrops(counts, { events: events(1), dropped: MAX_REPORTED_DROPS }, false);
    expect(dropsToReport(counts)).toBe(10);
  });
});
