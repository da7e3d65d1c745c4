/**
 * Artifact blobs in PostgreSQL (`blobs`: sha256, size, bytes as `bytea`), the default
 * with `DATABASE_URL`: every endpoint replica over the database serves the same bytes
 * and none keeps anything on disk.
 *
 * Publishing: the blobs are written in the transaction that inserts the version's rows
 * (`Store.insertVersion` with `{ rows }`, after the `files` rows, in digest order so two
 * publishes sharing blobs wait for each other rather than deadlock). So there is nothing
 * to race: a version never commits without its blobs, and a publish that loses the race
 * for its version, or fails, rolls its blob rows back with everything else — only the
 * winner's blobs stay, and `stage` has nothing to write beforehand. {@link removeUnreferenced}
 * (for blobs `put` outside a publish) takes the same per-digest advisory locks as the
 * file store's removal: exclusive, where a publish takes them shared, so a removal either
 * commits before a publish that references the blob (which then writes it again, its
 * `ON CONFLICT DO NOTHING` finding no row) or sees that publish's `files` row.
 *
 * Serving: a range request reads only its slice (`substring`, on bytes stored
 * uncompressed out of line, see migration 008). A whole-file GET, and a compressible
 * JSON file, read the whole value into memory for the request: tens of MB per
 * concurrent download of a large artifact, acceptable for now (devices cache by the
 * immutable ETag and resume by range); a streaming reader (chunked `substring`, or an
 * object store) is the next step if that memory matters. pg receives `bytea` as hex
 * text (its binary result mode decodes values as UTF-8 strings, which breaks bytes), so
 * a read briefly holds a string twice the size of the bytes as well; parameters go out
 * binary (a Buffer is sent as is).
 */
import type pg from 'pg';
import { checkBlobDigest, isBlobDigest, type BlobSource, type BlobStore } from '../blob-store.ts';
import { SyncError } from '../errors.ts';
import { blobDigestsOf } from './store-rows.ts';
import type { VersionBlobs } from './store.ts';

type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

/**
 * Takes the advisory lock of each blob digest in `$1` (sorted by the caller, so two
 * transactions always lock in the same order), exclusive for a removal, shared for a
 * publish. The key is a 64-bit hash of the digest; a collision only serialises more.
 */
export const BLOB_LOCK_SQL = (fn: 'pg_advisory_xact_lock' | 'pg_advisory_xact_lock_shared') =>
  `SELECT ${fn}(hashtextextended(d, 0)) FROM (SELECT d FROM unnest($1::text[]) WITH ORDINALITY AS t(d, n) ORDER BY n) AS ordered`;

const INSERT_SQL = 'INSERT INTO blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING';

/** The PostgreSQL implementation of {@link BlobStore}; `PostgresStore.blobs` is one over the store's pool. */
export class PostgresBlobStore implements BlobStore {
  readonly kind = 'database' as const;

  constructor(
    readonly pool: pg.Pool,
    readonly transaction: Transaction,
  ) {}

  async has(sha256: string, bytes: number): Promise<boolean> {
    if (!isBlobDigest(sha256)) return false;
    const { rows } = await this.pool.query<{ size: string }>('SELECT size FROM blobs WHERE sha256 = $1', [sha256]);
    return rows[0] !== undefined && Number(rows[0].size) === bytes;
  }

  async put(sha256: string, data: Uint8Array): Promise<boolean> {
    checkBlobDigest(sha256);
    const inserted = await this.pool.query(INSERT_SQL, [sha256, data.byteLength, toBuffer(data)]);
    return inserted.rowCount === 1;
  }

  /** Writes `blobs` (by digest) in the caller's transaction, in digest order; what is already stored is kept. */
  async insertWith(client: pg.PoolClient, blobs: ReadonlyMap<string, Uint8Array>): Promise<void> {
    for (const sha256 of blobDigestsOf(blobs.keys())) {
      checkBlobDigest(sha256);
      const data = blobs.get(sha256)!;
      await client.query(INSERT_SQL, [sha256, data.byteLength, toBuffer(data)]);
    }
  }

  read(sha256: string): Promise<Buffer> {
    return this.#read(sha256, 'bytes', []);
  }

  source(sha256: string): BlobSource {
    checkBlobDigest(sha256);
    // substring() counts from 1.
    return { read: (start, end) => this.#read(sha256, 'substring(bytes FROM $2::int FOR $3::int)', [start + 1, end - start + 1]) };
  }

  async #read(sha256: string, column: string, params: number[]): Promise<Buffer> {
    checkBlobDigest(sha256);
    const { rows } = await this.pool.query<{ bytes: Buffer }>(`SELECT ${column} AS bytes FROM blobs WHERE sha256 = $1`, [sha256, ...params]);
    if (rows[0] === undefined) throw new SyncError('INTERNAL', `blob ${sha256} is missing from the database's blobs table`);
    return rows[0].bytes;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM blobs');
    return rows[0]!.n;
  }

  /** Nothing: the blobs go in with the rows ({@link forInsert}). */
  async stage(): Promise<string[]> {
    return [];
  }

  forInsert(blobs: ReadonlyMap<string, Uint8Array>): VersionBlobs {
    return { rows: blobs };
  }

  async removeUnreferenced(sha256s: readonly string[]): Promise<string[]> {
    const digests = blobDigestsOf(sha256s);
    digests.forEach(checkBlobDigest);
    if (digests.length === 0) return [];
    return this.transaction(async (client) => {
      await client.query(BLOB_LOCK_SQL('pg_advisory_xact_lock'), [digests]);
      const { rows } = await client.query<{ sha256: string }>(
        'DELETE FROM blobs b WHERE b.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = b.sha256) RETURNING b.sha256',
        [digests],
      );
      return rows.map((r) => r.sha256).sort();
    });
  }
}

const toBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
