/**
 * Artifact blobs as files: `DATA_DIR/blobs/<sha256>`. A blob is written to a temporary
 * file, synced, then renamed into place, so a reader (or a crash) never sees a partial
 * blob; identical bytes are stored once, and one blob may belong to many versions. A
 * file name is only ever made from a 64-hex digest, so no request can name a path
 * outside the folder.
 *
 * A publish writes its blobs first, then inserts its rows; the insert checks, under the
 * store's blob locks, that the blobs are still there (`hasSync`: SQLite transactions are
 * synchronous, so the check must not yield). Blobs are only removed through the store
 * (`Store.removeUnreferencedBlobs`), which checks under the same locks that no `files`
 * row references them.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../format/node.ts';
import { checkBlobDigest, isBlobDigest, type BlobSource, type BlobStore } from './blob-store.ts';
import { SyncError } from './errors.ts';
import type { Store, VersionBlobs } from './store/store.ts';

/** The blob folder of one endpoint. */
export class FileBlobStore implements BlobStore {
  readonly kind = 'files' as const;
  readonly dir: string;
  readonly #store: Pick<Store, 'removeUnreferencedBlobs'>;

  /** Creates `dataDir/blobs` if needed; `store` holds the blob locks (its `removeUnreferencedBlobs`). */
  constructor(dataDir: string, store: Pick<Store, 'removeUnreferencedBlobs'>) {
    this.dir = join(dataDir, 'blobs');
    this.#store = store;
    mkdirSync(this.dir, { recursive: true });
  }

  /** The file of a blob. @throws TypeError when `sha256` is not a lower-case hex digest. */
  pathOf(sha256: string): string {
    checkBlobDigest(sha256);
    return join(this.dir, sha256);
  }

  async has(sha256: string, bytes: number): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).size === bytes;
    } catch {
      return false;
    }
  }

  /**
   * {@link has}, synchronously: for checks that must not yield to the event loop (inside
   * a store transaction).
   */
  hasSync(sha256: string, bytes: number): boolean {
    try {
      return statSync(this.pathOf(sha256)).size === bytes;
    } catch {
      return false;
    }
  }

  /** Durable when it resolves: the file and the folder entry are synced. */
  async put(sha256: string, data: Uint8Array): Promise<boolean> {
    const target = this.pathOf(sha256);
    if (await this.has(sha256, data.byteLength)) return false;
    await writeFileAtomic(target, data, { mkdir: false });
    return true;
  }

  async read(sha256: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
      throw new SyncError('INTERNAL', `blob ${sha256} is missing from ${this.dir}`, { cause });
    }
  }

  source(sha256: string): BlobSource {
    return { file: this.pathOf(sha256) };
  }

  async stage(blobs: ReadonlyMap<string, Uint8Array>): Promise<string[]> {
    const written: string[] = [];
    for (const [sha256, bytes] of blobs) if (await this.put(sha256, bytes)) written.push(sha256);
    return written;
  }

  forInsert(blobs: ReadonlyMap<string, Uint8Array>): VersionBlobs {
    return () => [...blobs].every(([sha256, bytes]) => this.hasSync(sha256, bytes.byteLength));
  }

  removeUnreferenced(sha256s: readonly string[]): Promise<string[]> {
    return this.#store.removeUnreferencedBlobs(sha256s, (sha256) => this.removeSync(sha256));
  }

  /**
   * Deletes a blob, synchronously (so a store can call it while it holds the lock that
   * keeps publishes from referencing it). A blob already gone is not an error.
   */
  removeSync(sha256: string): void {
    try {
      unlinkSync(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Temporary files are not counted. */
  async count(): Promise<number> {
    return readdirSync(this.dir).filter(isBlobDigest).length;
  }
}
