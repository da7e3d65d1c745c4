/**
 * Durable commits that do not stop the event loop. With `synchronous=FULL`, SQLite
 * fsyncs the WAL inside each commit, on the event loop (better-sqlite3 is synchronous):
 * 5 ms on an idle disk, 50 ms and more under ingest's write load, during which no
 * request is parsed or checked. {@link WalSync.commit} runs the transaction with
 * `synchronous=NORMAL` (the WAL frames are written, not synced), then fsyncs the WAL
 * file on Node's thread pool and resolves after that: the same guarantee — a WAL commit
 * is durable once the file holding its frames is synced — while the event loop goes on.
 * One fsync covers every commit made before it started.
 *
 * Frames a checkpoint copies into the database file are synced by that checkpoint
 * (SQLite syncs the WAL, then the database, at `NORMAL` and above) before the WAL can
 * be restarted over them, so a descriptor that outlives a restart syncs nothing that
 * matters less. See https://www.sqlite.org/wal.html#durability.
 */
import type Database from 'better-sqlite3';
import { closeSync, existsSync, fsync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';

interface Waiter {
  done: () => void;
  fail: (error: unknown) => void;
}

/** Commits made durable by an fsync of the WAL off the event loop. */
export class WalSync {
  readonly #db: Database.Database;
  readonly #fd: number;
  readonly #normal: Database.Statement;
  readonly #full: Database.Statement;
  /** Commits waiting for the next fsync. */
  #waiting: Waiter[] = [];
  #syncing = false;
  #closed = false;

  private constructor(db: Database.Database, fd: number) {
    this.#db = db;
    this.#fd = fd;
    this.#normal = db.prepare('PRAGMA synchronous = NORMAL');
    this.#full = db.prepare('PRAGMA synchronous = FULL');
  }

  /**
   * For a connection at `synchronous=FULL` in WAL mode on `dataDir/sync.db`; `null` where
   * there is no WAL file to sync (the caller then lets SQLite sync each commit).
   */
  static open(db: Database.Database, dataDir: string): WalSync | null {
    db.prepare('SELECT count(*) FROM sqlite_master').get(); // the WAL exists once the connection has read
    const path = join(dataDir, 'sync.db-wal');
    if (!existsSync(path)) return null;
    // The WAL's directory entry must survive a power cut too.
    const dir = openSync(dataDir, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return new WalSync(db, openSync(path, 'r+'));
  }

  /**
   * Runs `work` in one IMMEDIATE transaction committed without SQLite's fsync, and
   * resolves with its result once an fsync of the WAL that started after the commit has
   * finished. A throwing `work` rolls back and rejects at once.
   */
  commit<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the SQLite store is closed'));
    let result: T;
    this.#normal.run();
    try {
      result = this.#db.transaction(work).immediate();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.#full.run();
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ done: () => resolve(result), fail: reject });
      if (!this.#syncing) this.#sync();
    });
  }

  #sync(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#syncing = true;
    fsync(this.#fd, (error) => {
      this.#syncing = false;
      for (const w of waiting) {
        if (error) w.fail(error);
        else w.done();
      }
      // Commits made while this fsync ran may have missed it.
      if (this.#waiting.length > 0) this.#sync();
      else if (this.#closed) closeSync(this.#fd);
    });
  }

  /** Waits for the fsync in flight, then closes the descriptor (after the database). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#syncing) closeSync(this.#fd);
    else await new Promise<void>((resolve) => this.#waiting.push({ done: resolve, fail: () => resolve() }));
  }
}
