/**
 * The device's labelled examples (`model.feedback`), in IndexedDB, in the runtime's
 * worker. Every example stays here until the user deletes it; one the user chose to share
 * also waits in the outbox (the `outbox` index) until the endpoint took it, then records
 * when. An example's id is its content hash (`feedbackExampleId`): the same input with the
 * same label is one record, however often it is given.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { EdgeloopError, type FeedbackInputDtype } from '../../format/index.ts';

/** One labelled example as stored. */
export interface StoredExample {
  /** `feedbackExampleId(model, label, input, bytes)`: the endpoint gives it the same id. */
  id: string;
  model: string;
  /** The version that made the prediction. */
  version: string;
  label: string;
  predicted?: string;
  /** When the user labelled it (RFC 3339). */
  createdAt: string;
  shape: number[];
  dtype: FeedbackInputDtype;
  /** The model's input tensor (after the manifest's preprocessing), little-endian. */
  data: ArrayBuffer;
  /** The user chose to share it. */
  shared: boolean;
  /** 1 while a shared example waits to be sent (absent otherwise: IndexedDB leaves it out of the index). */
  outbox?: 1;
  /** When the endpoint took it. */
  sentAt?: string;
  /** The endpoint refused it for good: its error code. */
  refused?: string;
}

interface ExampleSchema extends DBSchema {
  examples: { key: string; value: StoredExample; indexes: { byModel: string; outbox: number } };
}

/** How many examples the device holds. */
export interface ExampleCounts {
  /** All kept on this device. */
  stored: number;
  /** Of those, the ones the user chose to share. */
  shared: number;
  /** Shared ones still waiting to be sent. */
  pending: number;
  /** Shared ones the endpoint took. */
  sent: number;
  /** Shared ones the endpoint refused for good (a label or version it does not know): kept here, not sent again. */
  refused: number;
}

const DB_VERSION = 2;

/** The example store of one database. */
export class ExampleStore {
  readonly #name: string;
  #opened: Promise<IDBPDatabase<ExampleSchema>> | undefined;

  /** Opens nothing yet: the database is made on first use, so a runtime never given an example has none. */
  constructor(name: string) {
    this.#name = name;
  }

  get #db(): Promise<IDBPDatabase<ExampleSchema>> {
    this.#opened ??= openDB<ExampleSchema>(this.#name, DB_VERSION, {
      upgrade(db, oldVersion) {
        // Version 1 was the app's own store (RGBA pixels, random ids), before the runtime kept examples.
        if (oldVersion < 2 && db.objectStoreNames.contains('examples')) db.deleteObjectStore('examples');
        const store = db.createObjectStore('examples', { keyPath: 'id' });
        store.createIndex('byModel', 'model');
        store.createIndex('outbox', 'outbox');
      },
    }).catch((cause: unknown) => {
      throw new EdgeloopError('STORE_UNAVAILABLE', `IndexedDB could not be opened for labelled examples (${(cause as Error)?.message ?? String(cause)}); private mode or storage disabled?`, { cause });
    });
    return this.#opened;
  }

  /**
   * Stores `example`, or (same id) keeps the one there: sharing it later puts it in the
   * outbox; nothing else changes. Resolves to the record as stored and whether it was new.
   */
  async add(example: StoredExample): Promise<{ record: StoredExample; added: boolean }> {
    const tx = (await this.#db).transaction('examples', 'readwrite');
    const existing = await tx.store.get(example.id);
    let record = example;
    if (existing) {
      record = existing;
      if (example.shared && !existing.shared) record = { ...existing, shared: true, outbox: 1 };
    }
    if (record !== existing) await tx.store.put(record);
    await tx.done;
    return { record, added: !existing };
  }

  /** The shared examples waiting to be sent, oldest first (at most `limit`). */
  async outbox(limit: number): Promise<StoredExample[]> {
    const all = await (await this.#db).getAllFromIndex('examples', 'outbox', 1, limit);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Takes examples out of the outbox: sent (at `sentAt`) or refused (with the code). */
  async settle(ids: readonly string[], outcome: { sentAt: string } | { refused: string }): Promise<void> {
    const tx = (await this.#db).transaction('examples', 'readwrite');
    for (const id of ids) {
      const record = await tx.store.get(id);
      if (!record?.outbox) continue;
      const { outbox: _, ...rest } = record;
      await tx.store.put({ ...rest, ...outcome });
    }
    await tx.done;
  }

  /** Counts, for one model or all. */
  async counts(model?: string): Promise<ExampleCounts> {
    const db = await this.#db;
    const all = model === undefined ? await db.getAll('examples') : await db.getAllFromIndex('examples', 'byModel', model);
    const shared = all.filter((e) => e.shared);
    return {
      stored: all.length,
      shared: shared.length,
      pending: shared.filter((e) => e.outbox).length,
      sent: shared.filter((e) => e.sentAt).length,
      refused: shared.filter((e) => e.refused).length,
    };
  }

  /** Deletes the examples of one model, or all (shared ones not yet sent go with them); resolves to how many. */
  async clear(model?: string): Promise<number> {
    const tx = (await this.#db).transaction('examples', 'readwrite');
    const keys = model === undefined ? await tx.store.getAllKeys() : await tx.store.index('byModel').getAllKeys(model);
    for (const key of keys) await tx.store.delete(key);
    await tx.done;
    return keys.length;
  }

  close(): void {
    void this.#opened?.then((db) => db.close()).catch(() => undefined);
  }
}
