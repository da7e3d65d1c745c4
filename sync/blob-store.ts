/**
 * Content-addressed artifact storage: `DATA_DIR/blobs/<sha256>`. A blob is written to
 * a temporary file, synced, then renamed into place, so a reader (or a crash) never
 * sees a partial blob; identical bytes are stored once, and one blob may belong to
 * many versions. A file name is only ever made from a 64-hex digest, so no request
 * can name a path outside the folder.
 *
 * Blobs are only removed through the store (`Store.removeUnreferencedBlobs`), which
 * checks under a lock that no `files` row references them; a publish checks under the
 * same lock that its blobs are still there before its rows commit (see publish.ts).
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../format/node.ts';

const DIGEST = /^[0-9a-f]{64}$/;

/** The blob folder of one endpoint. */
export class BlobStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
    mkdirSync(this.dir, { recursive: true });
  }

  /** The file of a blob. @throws TypeError when `sha256` is not a lower-case hex digest. */
  pathOf(sha256: string): string {
    if (!DIGEST.test(sha256)) throw new TypeError(`not a SHA-256 hex digest: ${JSON.stringify(sha256.slice(0, 80))}`);
    return join(this.dir, sha256);
  }

  /** True when the blob is stored with the expected size. */
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

  /**
   * Stores `data` under `sha256`, which the caller has already checked against the
   * bytes. Durable when it resolves: the file and the folder entry are synced.
   * Resolves to true when this call wrote the blob, false when it was already stored.
   */
  async put(sha256: string, data: Uint8Array): Promise<boolean> {
    const target = this.pathOf(sha256);
    if (await this.has(sha256, data.byteLength)) return false;
    await writeFileAtomic(target, data, { mkdir: false });
    return true;
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

  /** How many blobs are stored (temporary files not counted). */
  count(): number {
    return readdirSync(this.dir).filter((name) => DIGEST.test(name)).length;
  }
}
