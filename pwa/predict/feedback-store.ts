/**
 * Labelled examples the user gave on this device ("Wrong? Tell us the right label"),
 * kept for the retraining loop.
 *
 * Privacy, by design:
 * - An example stays in this browser's IndexedDB (database `edgeloop-feedback`, store
 *   `examples`) on this device. This module never touches the network: it has no
 *   fetch, no beacon, no sync. Sharing examples (issue 13) must be a separate, explicit
 *   switch the user turns on, and read from here through {@link FeedbackStore.list}.
 * - An example holds only what the model saw: the input image at the model's input size,
 *   the label the user chose, what the model predicted, the model name and version, and
 *   when. No device id, no location, no account.
 * - The user can see how many are stored and delete them all ({@link FeedbackStore.clear});
 *   clearing the site's data in the browser deletes them too.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** One labelled example as stored. */
export interface FeedbackExample {
  /** A random UUID. */
  id: string;
  /** The model's package name (`mnist-cnn`). */
  model: string;
  /** The model version that made the prediction. */
  version: string;
  /** The label the user says is right (one of the manifest's output labels). */
  label: string;
  /** The label the model predicted (top-1). */
  predicted: string;
  /** ISO 8601 time the example was stored. */
  createdAt: string;
  width: number;
  height: number;
  /** RGBA pixels, `width × height × 4`, as `new ImageData(pixels, width, height)` takes them. */
  pixels: Uint8ClampedArray;
}

/** What {@link FeedbackStore.add} takes: the store fills in `id` and `createdAt`. */
export type NewFeedbackExample = Omit<FeedbackExample, 'id' | 'createdAt'>;

interface FeedbackSchema extends DBSchema {
  examples: { key: string; value: FeedbackExample; indexes: { byModel: string } };
}

/** The database the examples live in. */
export const FEEDBACK_DB_NAME = 'edgeloop-feedback';
const DB_VERSION = 1;

/** The device's store of labelled examples. */
export interface FeedbackStore {
  /** Stores an example; resolves to it as stored. */
  add(example: NewFeedbackExample): Promise<FeedbackExample>;
  /** How many examples are stored, for one model or for all. */
  count(model?: string): Promise<number>;
  /** The stored examples, oldest first, for one model or for all. */
  list(model?: string): Promise<FeedbackExample[]>;
  /** Deletes the examples of one model, or all; resolves to how many were deleted. */
  clear(model?: string): Promise<number>;
  /** Closes the database connection. */
  close(): Promise<void>;
}

/** Opens (creating on first use) the feedback store. */
export async function openFeedbackStore(dbName: string = FEEDBACK_DB_NAME): Promise<FeedbackStore> {
  const db = await openDB<FeedbackSchema>(dbName, DB_VERSION, {
    upgrade(database) {
      const examples = database.createObjectStore('examples', { keyPath: 'id' });
      examples.createIndex('byModel', 'model');
    },
  });
  return new IndexedDbFeedbackStore(db);
}

function checkExample(example: NewFeedbackExample): void {
  for (const key of ['model', 'version', 'label', 'predicted'] as const) {
    if (typeof example?.[key] !== 'string' || example[key] === '') throw new TypeError(`a feedback example needs a non-empty ${key}`);
  }
  const { width, height, pixels } = example;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`width and height must be positive integers (got ${width}×${height})`);
  if (!(pixels instanceof Uint8ClampedArray) || pixels.length !== width * height * 4) {
    throw new RangeError(`pixels must be a Uint8ClampedArray of width × height × 4 = ${width * height * 4} RGBA bytes`);
  }
}

class IndexedDbFeedbackStore implements FeedbackStore {
  readonly #db: IDBPDatabase<FeedbackSchema>;

  constructor(db: IDBPDatabase<FeedbackSchema>) {
    this.#db = db;
  }

  async add(example: NewFeedbackExample): Promise<FeedbackExample> {
    checkExample(example);
    const stored: FeedbackExample = { ...example, pixels: new Uint8ClampedArray(example.pixels), id: crypto.randomUUID(), createdAt: new Date().toISOString() };
    await this.#db.add('examples', stored);
    return stored;
  }

  count(model?: string): Promise<number> {
    return model === undefined ? this.#db.count('examples') : this.#db.countFromIndex('examples', 'byModel', model);
  }

  async list(model?: string): Promise<FeedbackExample[]> {
    const all = model === undefined ? await this.#db.getAll('examples') : await this.#db.getAllFromIndex('examples', 'byModel', model);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async clear(model?: string): Promise<number> {
    const tx = this.#db.transaction('examples', 'readwrite');
    let deleted = 0;
    if (model === undefined) {
      deleted = await tx.store.count();
      await tx.store.clear();
    } else {
      for (let cursor = await tx.store.index('byModel').openCursor(model); cursor; cursor = await cursor.continue()) {
        await cursor.delete();
        deleted++;
      }
    }
    await tx.done;
    return deleted;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
