/**
 * Content-addressed artifact storage, behind one interface so the endpoint does not care
 * where the bytes are: {@link FileBlobStore} (`DATA_DIR/blobs/<sha256>`, the default on
 * SQLite) and `PostgresBlobStore` (the `blobs` table of the endpoint's PostgreSQL
 * database, the default with `DATABASE_URL`, so replicas keep nothing on disk). An object
 * store would be a third implementation.
 *
 * The publish protocol (sync/publish.ts) is the same for all of them: `stage` writes what
 * must exist before the version's row transaction, `forInsert` says how that transaction
 * makes sure the blobs are there when its rows commit, and `removeUnreferenced` takes back
 * what a losing or failing publish staged. A blob is only ever removed while no committed
 * `files` row references it, under the lock the insert takes.
 */
import type { VersionBlobs } from './store/store.ts';

/** Where a blob's bytes are sent from: a file to stream, or a reader of byte ranges. */
export type BlobSource =
  | { readonly file: string }
  /** Bytes `start` to `end`, both inclusive. */
  | { readonly read: (start: number, end: number) => Promise<Uint8Array> };

/** The artifact blobs of one endpoint, named by their SHA-256 (lower-case hex). */
export interface BlobStore {
  /** `files` (`DATA_DIR/blobs`) or `database` (the PostgreSQL store's `blobs` table). */
  readonly kind: 'files' | 'database';
  /** True when the blob is stored with the expected size. */
  has(sha256: string, bytes: number): Promise<boolean>;
  /**
   * Stores `data` under `sha256`, which the caller has already checked against the bytes;
   * durable when it resolves. Resolves to true when this call wrote the blob, false when
   * it was already stored. A blob put outside a publish is unreferenced until a version
   * names it (and {@link removeUnreferenced} may take it).
   */
  put(sha256: string, data: Uint8Array): Promise<boolean>;
  /**
   * The whole blob, in memory (a manifest to parse, a JSON file to compress).
   * @throws SyncError `INTERNAL` when it is not stored.
   */
  read(sha256: string): Promise<Buffer>;
  /** Where to send the blob from (sync/send-representation.ts streams a file or reads the range it needs). */
  source(sha256: string): BlobSource;
  /** How many blobs are stored. */
  count(): Promise<number>;
  /**
   * A publish's first step: writes what must be stored before its row transaction
   * (`blobs`, by digest). Resolves to the digests this call wrote, which the publish
   * hands to {@link removeUnreferenced} if it does not create the version.
   */
  stage(blobs: ReadonlyMap<string, Uint8Array>): Promise<string[]>;
  /** What the publish passes to `Store.insertVersion` for `blobs` (see {@link VersionBlobs}). */
  forInsert(blobs: ReadonlyMap<string, Uint8Array>): VersionBlobs;
  /**
   * Removes each blob of `sha256s` that no `files` row references, under the lock
   * `Store.insertVersion` takes on that digest: a concurrent publish that references the
   * blob either commits first (and the blob stays) or finds it gone and writes it again.
   * Resolves to the removed digests.
   */
  removeUnreferenced(sha256s: readonly string[]): Promise<string[]>;
}

const DIGEST = /^[0-9a-f]{64}$/;

/** True for a lower-case SHA-256 hex digest, the only blob name there is. */
export const isBlobDigest = (name: string): boolean => DIGEST.test(name);

/** @throws TypeError when `sha256` is not a lower-case hex digest (so no request can name anything else). */
export function checkBlobDigest(sha256: string): void {
  if (!DIGEST.test(sha256)) throw new TypeError(`not a SHA-256 hex digest: ${JSON.stringify(sha256.slice(0, 80))}`);
}
