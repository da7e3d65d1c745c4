/**
 * The telemetry queue, in its own IndexedDB database (worker side): closed windows wait
 * here across reloads and offline days. Bounded: beyond `maxEvents` the oldest queued
 * event is dropped and counted. A flush first *seals* a batch — its events move into the
 * one pending batch, under a fresh batch id, in one transaction — and only then sends it,
 * so a retry (even after a reload) sends the same batch id and the endpoint counts it once.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DriftEvent } from './drift-event.ts';

/** A batch sealed for sending; it stays until the endpoint acknowledges it. */
export interface SealedBatch {
  batchId: string;
  deviceId: string;
  events: DriftEvent[];
  sealedAt: number;
}

interface QueueSchema extends DBSchema {
  events: { key: number; value: DriftEvent };
  batches: { key: string; value: SealedBatch };
  meta: { key: string; value: string | number };
}

const DB_VERSION = 1;
const PENDING = 'pending';

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
      await meta.put(Number((await meta.get('dropped')) ?? 0) + dropped, 'dropped');
    }
    await tx.done;
  }

  /**
   * The pending batch, or a new one sealed from the oldest queued events while `fits`
   * accepts them (at least one); `undefined` when nothing waits.
   */
  async sealedBatch(deviceId: string, fits: (events: readonly DriftEvent[]) => boolean, newBatchId: () => string, now: number): Promise<SealedBatch | undefined> {
    const tx = (await this.#db).transaction(['events', 'batches'], 'readwrite');
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
    await tx.objectStore('batches').put(batch, PENDING);
    await tx.done;
    return batch;
  }

  /** Forgets the pending batch once the endpoint acknowledged it (or refused it for good: then its events count as dropped). */
  async settle(batchId: string, dropped = false): Promise<void> {
    const tx = (await this.#db).transaction(['batches', 'meta'], 'readwrite');
    const pending = await tx.objectStore('batches').get(PENDING);
    if (pending?.batchId === batchId) {
      await tx.objectStore('batches').delete(PENDING);
      if (dropped) await tx.objectStore('meta').put(Number((await tx.objectStore('meta').get('dropped')) ?? 0) + pending.events.length, 'dropped');
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
