/**
 * The telemetry queue, in its own IndexedDB database (worker side): closed windows wait
 * here across reloads and offline days. Bounded: beyond `maxEvents` the oldest queued
 * event is dropped and counted. A flush first *seals* a batch — its events move into the
 * one pending batch, under a fresh batch id, in one transaction — and only then sends it,
 * so a retry (even after a reload) sends the same batch id and the endpoint counts it once.
 *
 * Dropped events are counted twice in `meta`: `dropped`, every drop so far (for
 * `status()`), and `droppedUnreported`, the queue's drops the endpoint has not yet been
 * told of.
 * Sealing a batch stores the unreported count in it (so every retry sends the same
 * `dropped`), and the endpoint's acknowledgement takes that many off. The arithmetic is
 * in the pure functions below (unit-tested); the IndexedDB side runs in e2e.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { DriftEvent } from './drift-event.ts';

/** A batch sealed for sending; it stays until the endpoint acknowledges it. */
export interface SealedBatch {
  batchId: string;
  deviceId: string;
  events: DriftEvent[];
  sealedAt: number;
  /**
   * Events dropped and not yet reported when the batch was sealed, sent as the body's
   * `dropped`; absent when none (and in batches sealed by older versions).
   */
  dropped?: number;
}

/** The queue's drop counters. */
export interface DropCounts {
  /** Every event dropped so far, from the full queue or refused by the endpoint (`status().droppedEvents`). */
  total: number;
  /** Events dropped from the full queue that no acknowledged batch has reported yet. */
  unreported: number;
}

/** The endpoint's largest `dropped` (sync/schemas.ts `telemetryBody`). */
export const MAX_REPORTED_DROPS = 1_000_000_000;

/** The counters after `count` more events were dropped from the full queue. */
export function addDrops(counts: DropCounts, count: number): DropCounts {
  return { total: counts.total + count, unreported: counts.unreported + count };
}

/** What a batch sealed now reports as `dropped` (`undefined` for none). */
export function dropsToReport(counts: DropCounts): number | undefined {
  return counts.unreported > 0 ? Math.min(counts.unreported, MAX_REPORTED_DROPS) : undefined;
}

/**
 * The counters once the endpoint answered `batch` for good. Acknowledged: its reported
 * drops are off the unreported count (drops since its sealing stay). Refused: nothing
 * was reported, and its own events count in `total` — not in what is reported, which
 * is the queue's drops only (the endpoint knows what it refused).
 */
export function settleDrops(counts: DropCounts, batch: Pick<SealedBatch, 'events' | 'dropped'>, refused: boolean): DropCounts {
  if (refused) return { total: counts.total + batch.events.length, unreported: counts.unreported };
  return { total: counts.total, unreported: Math.max(0, counts.unreported - (batch.dropped ?? 0)) };
}

interface QueueSchema extends DBSchema {
  events: { key: number; value: DriftEvent };
  batches: { key: string; value: SealedBatch };
  meta: { key: string; value: string | number };
}

const DB_VERSION = 1;
const PENDING = 'pending';

type MetaStore = IDBPObjectStore<QueueSchema, ArrayLike<'events' | 'batches' | 'meta'>, 'meta', 'readwrite'>;

async function readDrops(meta: MetaStore): Promise<DropCounts> {
  const total = Number((await meta.get('dropped')) ?? 0);
  // Databases from before `droppedUnreported` never reported a drop.
  return { total, unreported: Number((await meta.get('droppedUnreported')) ?? total) };
}

async function writeDrops(meta: MetaStore, counts: DropCounts): Promise<void> {
  await meta.put(counts.total, 'dropped');
  await meta.put(counts.unreported, 'droppedUnreported');
}

/** The queue; one per runtime worker. */
export class TelemetryQueue {
  readonly #db: Promise<IDBPDatabase<QueueSchema>>;
  readonly #maxEvents: number;

  constructor(databaseName: string, maxEvents: number) {
    this.#maxEvents = maxEvents;
    this.#db = openDB<QueueSchema>(databaseName, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('events', { autoIncrement: true });
        db.createObjectStore('batches');
        db.createObjectStore('meta');
      },
    });
  }

  /** Queues one event, dropping (and counting) the oldest beyond the bound. */
  async push(event: DriftEvent): Promise<void> {
    const tx = (await this.#db).transaction(['events', 'meta'], 'readwrite');
    await tx.objectStore('events').add(event);
    let excess = (await tx.objectStore('events').count()) - this.#maxEvents;
    if (excess > 0) {
      let cursor = await tx.objectStore('events').openCursor();
      let dropped = 0;
      while (cursor && excess > 0) {
        await cursor.delete();
        dropped++;
        excess--;
        cursor = await cursor.continue();
      }
      const meta = tx.objectStore('meta');
      await writeDrops(meta, addDrops(await readDrops(meta), dropped));
    }
    await tx.done;
  }

  /**
   * The pending batch, or a new one sealed from the oldest queued events while `fits`
   * accepts them (at least one), carrying the drops not yet reported; `undefined` when
   * nothing waits.
   */
  async sealedBatch(deviceId: string, fits: (events: readonly DriftEvent[]) => boolean, newBatchId: () => string, now: number): Promise<SealedBatch | undefined> {
    const tx = (await this.#db).transaction(['events', 'batches', 'meta'], 'readwrite');
    const pending = await tx.objectStore('batches').get(PENDING);
    if (pending) {
      await tx.done;
      return pending;
    }
    const events: DriftEvent[] = [];
    let cursor = await tx.objectStore('events').openCursor();
    while (cursor) {
      events.push(cursor.value);
      if (events.length > 1 && !fits(events)) {
        events.pop();
        break;
      }
      await cursor.delete();
      cursor = await cursor.continue();
    }
    if (events.length === 0) {
      await tx.done;
      return undefined;
    }
    const batch: SealedBatch = { batchId: newBatchId(), deviceId, events, sealedAt: now };
    const dropped = dropsToReport(await readDrops(tx.objectStore('meta')));
    if (dropped !== undefined) batch.dropped = dropped;
    await tx.objectStore('batches').put(batch, PENDING);
    await tx.done;
    return batch;
  }

  /**
   * Forgets the pending batch once the endpoint acknowledged it (its reported drops are
   * then reported) or refused it for good (then its events count as dropped).
   */
  async settle(batchId: string, dropped = false): Promise<void> {
    const tx = (await this.#db).transaction(['batches', 'meta'], 'readwrite');
    const pending = await tx.objectStore('batches').get(PENDING);
    if (pending?.batchId === batchId) {
      await tx.objectStore('batches').delete(PENDING);
      const meta = tx.objectStore('meta');
      await writeDrops(meta, settleDrops(await readDrops(meta), pending, dropped));
    }
    await tx.done;
  }

  /**
   * The endpoint refused the pending batch as too large (nothing was stored): its first
   * half becomes a new pending batch under a new id, the rest goes back to the front of
   * the queue. Returns false when the batch holds one event (it cannot be split).
   */
  async split(batchId: string, newBatchId: () => string): Promise<boolean> {
    const tx = (await this.#db).transaction(['events', 'batches'], 'readwrite');
    const pending = await tx.objectStore('batches').get(PENDING);
    if (pending?.batchId !== batchId || pending.events.length < 2) {
      await tx.done;
      return false;
    }
    const half = Math.ceil(pending.events.length / 2);
    const first = await tx.objectStore('events').openKeyCursor();
    // Keys below the oldest queued one keep the returned events first in line.
    const base = Math.min(first ? Number(first.key) : 0, 0) - pending.events.length;
    for (const [i, event] of pending.events.slice(half).entries()) await tx.objectStore('events').put(event, base + i);
    await tx.objectStore('batches').put({ ...pending, batchId: newBatchId(), events: pending.events.slice(0, half) }, PENDING);
    await tx.done;
    return true;
  }

  /** Events waiting (queued plus the pending batch's), the pending batch id, and how many were dropped. */
  async counts(): Promise<{ queued: number; pendingBatchId: string | null; dropped: number }> {
    const db = await this.#db;
    const tx = db.transaction(['events', 'batches', 'meta'], 'readonly');
    const [queued, pending, dropped] = await Promise.all([tx.objectStore('events').count(), tx.objectStore('batches').get(PENDING), tx.objectStore('meta').get('dropped')]);
    await tx.done;
    return { queued: queued + (pending?.events.length ?? 0), pendingBatchId: pending?.batchId ?? null, dropped: Number(dropped ?? 0) };
  }

  /** The install id, made (a random UUID) on first use; `reset` replaces it. */
  async installId(reset = false): Promise<string> {
    const tx = (await this.#db).transaction('meta', 'readwrite');
    let id = reset ? undefined : await tx.store.get('installId');
    if (typeof id !== 'string') {
      id = crypto.randomUUID();
      await tx.store.put(id, 'installId');
    }
    await tx.done;
    return id;
  }

  /** Closes the database. */
  async close(): Promise<void> {
    (await this.#db).close();
  }
}
