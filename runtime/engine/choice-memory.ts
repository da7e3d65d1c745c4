/**
 * The remembered `auto` choices, in their own IndexedDB database (not the model
 * store's: a cleared model store keeps them, and each can change its schema alone). One
 * record per key (see choice-record.ts). The memory only ever saves time: where
 * IndexedDB is missing or fails, it warns once and the loads measure as before.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { parseChoiceRecord, type ChoiceRecord } from './choice-record.ts';

/** The database the choices live in. */
export const CHOICE_DB_NAME = 'edgeloop-backend-choice';
const DB_VERSION = 1;

interface ChoiceSchema extends DBSchema {
  choices: { key: string; value: ChoiceRecord };
}

/** Reads and writes remembered choices; opens the database on first use. */
export class ChoiceMemory {
  readonly #name: string;
  #db: Promise<IDBPDatabase<ChoiceSchema> | undefined> | undefined;
  #warned = false;
  /** Writes not yet done, so `close` can wait for them. */
  readonly #pending = new Set<Promise<unknown>>();

  /** @param name the database. @defaultValue {@link CHOICE_DB_NAME} */
  constructor(name: string = CHOICE_DB_NAME) {
    this.#name = name;
  }

  /** The record of `key`, or `undefined` (none, damaged — then deleted — or no IndexedDB). */
  async get(key: string): Promise<ChoiceRecord | undefined> {
    const db = await this.#open();
    if (!db) return undefined;
    try {
      const value: unknown = await db.get('choices', key);
      if (value === undefined) return undefined;
      const record = parseChoiceRecord(value);
      if (!record) this.#track(db.delete('choices', key));
      return record;
    } catch (error) {
      this.#warn('read', error);
      return undefined;
    }
  }

  /** Saves `record`; resolves once written (never rejects: a failure is a warning). */
  put(record: ChoiceRecord): Promise<void> {
    return this.#write((db) => db.put('choices', record));
  }

  /** Changes the record of `key`, if there is one, in one transaction; resolves once written (never rejects). */
  update(key: string, change: (record: ChoiceRecord) => ChoiceRecord): Promise<void> {
    return this.#write(async (db) => {
      const tx = db.transaction('choices', 'readwrite');
      const record = parseChoiceRecord(await tx.store.get(key));
      if (record) await tx.store.put(change(record));
      await tx.done;
    });
  }

  /** Waits for the writes under way, then closes the database. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    const db = await this.#db;
    db?.close();
    this.#db = undefined;
  }

  #write(write: (db: IDBPDatabase<ChoiceSchema>) => Promise<unknown>): Promise<void> {
    const done = (async () => {
      const db = await this.#open();
      if (db) await write(db);
    })().catch((error: unknown) => this.#warn('write', error));
    this.#track(done);
    return done;
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.#warn('write', error)).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  #open(): Promise<IDBPDatabase<ChoiceSchema> | undefined> {
    this.#db ??= (async () => {
      if (typeof indexedDB === 'undefined') return undefined;
      try {
        const db = await openDB<ChoiceSchema>(this.#name, DB_VERSION, {
          upgrade(db) {
            db.createObjectStore('choices', { keyPath: 'key' });
          },
          // Another tab deleting or upgrading the database must not wait on this worker:
          // close, and open again at the next use.
          blocking: () => {
            db.close();
            this.#db = undefined;
          },
        });
        return db;
      } catch (error) {
        this.#warn('open', error);
        return undefined;
      }
    })();
    return this.#db;
  }

  #warn(what: string, error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    console.warn(`edgeloop: the remembered backend choices could not ${what} IndexedDB (${error instanceof Error ? error.message : String(error)}); auto measures every load`);
  }
}
