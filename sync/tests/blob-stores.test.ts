/**
 * The blob stores behind one interface (sync/blob-store.ts), over each store: files under
 * `DATA_DIR/blobs` on SQLite, PostgreSQL's `blobs` table on PostgreSQL. Both keep the
 * publish protocol's promises: a version never commits without its blobs, concurrent
 * publishes of one version leave only the winner's, a failed insert leaves none it wrote,
 * and a removal racing a publish never takes a blob a committed row references.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { sha256Hex, type BuiltPackage } from '../../format/index.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request } from '../../test-support/sync/http.ts';
import { ensurePostgres, startPostgres } from '../../test-support/sync/postgres.ts';
import { startServer } from '../../test-support/sync/test-server.ts';

/** The digests of everything a publish of `pkg` stores. */
const digestsOf = async (pkg: BuiltPackage): Promise<string[]> =>
  Promise.all([pkg.manifestBytes, pkg.signature!, ...pkg.files.values()].map((bytes) => sha256Hex(bytes)));

/** Random bytes and their digest: a blob no package shares. */
async function freshBlob(size: number): Promise<{ sha256: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  return { sha256: await sha256Hex(bytes), bytes };
}

describeMatrix('blob stores', (t) => {
  const blobs = () => t.server.sync.blobs;
  const publish = (pkg: BuiltPackage) =>
    request(t.server.url, `/v1/models/${pkg.manifest.name}/versions/${pkg.manifest.version}`, { method: 'PUT', token: t.server.adminToken, json: publishBody(pkg), timeoutMs: 30_000 });

  async function expectServed(pkg: BuiltPackage): Promise<void> {
    const { name, version } = pkg.manifest;
    for (const [path, bytes] of [['manifest.json', pkg.manifestBytes], ['manifest.sig', pkg.signature!], ...pkg.files] as const) {
      const res = await request(t.server.url, `/registry/${name}/${version}/${path}`);
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(Buffer.compare(res.body, Buffer.from(bytes)), path).toBe(0);
    }
  }

  it('keeps blobs where the store says: PostgreSQL rows (nothing on disk) or DATA_DIR/blobs files', () => {
    expect(blobs().kind).toBe(t.store === 'postgres' ? 'database' : 'files');
    expect(existsSync(join(t.server.dataDir, 'blobs'))).toBe(t.store === 'sqlite');
  });

  it('puts a blob once, answers has() by digest and size, reads it whole and by range, and counts it', async () => {
    const store = blobs();
    const { sha256, bytes } = await freshBlob(300_000);
    const before = await store.count();
    expect(await store.has(sha256, bytes.byteLength)).toBe(false);
    expect(await store.put(sha256, bytes)).toBe(true);
    expect(await store.put(sha256, bytes)).toBe(false);
    expect(await store.count()).toBe(before + 1);
    expect(await store.has(sha256, bytes.byteLength)).toBe(true);
    expect(await store.has(sha256, bytes.byteLength - 1)).toBe(false);
    expect(Buffer.compare(await store.read(sha256), bytes)).toBe(0);

    const source = store.source(sha256);
    if ('read' in source) {
      expect(Buffer.compare(Buffer.from(await source.read(0, bytes.byteLength - 1)), bytes)).toBe(0);
      expect(Buffer.compare(Buffer.from(await source.read(1000, 1999)), bytes.subarray(1000, 2000))).toBe(0);
      expect(Buffer.compare(Buffer.from(await source.read(bytes.byteLength - 1, bytes.byteLength - 1)), bytes.subarray(-1))).toBe(0);
    } else {
      expect(source.file).toBe(join(t.server.dataDir, 'blobs', sha256));
    }

    const missing = (await freshBlob(10)).sha256;
    await expect(store.read(missing)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(() => store.source('../sync.db')).toThrow(TypeError);
    await expect(store.has('ABC', 1)).resolves.toBe(false);
    expect(await store.removeUnreferenced([sha256])).toEqual([sha256]);
    expect(await store.count()).toBe(before);
  });

  it('serves a blob with the ETag, 304 and Range answers devices cache and resume by', async () => {
    const pkg = await buildMnistPackage({ name: 'blob-serving', version: '1.0.0', signingKey: t.server.publisher });
    expect((await publish(pkg)).status).toBe(201);
    const [path, bytes] = [...pkg.files].find(([p]) => p.endsWith('.bin'))!;
    const url = `/registry/blob-serving/1.0.0/${path}`;
    const etag = `"${await sha256Hex(bytes)}"`;
    const whole = await request(t.server.url, url);
    expect(whole.status).toBe(200);
    expect(whole.headers).toMatchObject({ etag, 'cache-control': 'public, max-age=31536000, immutable', 'accept-ranges': 'bytes', 'content-length': String(bytes.byteLength) });
    expect(Buffer.compare(whole.body, Buffer.from(bytes))).toBe(0);
    expect((await request(t.server.url, url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const part = await request(t.server.url, url, { headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${bytes.byteLength}`);
    expect(Buffer.compare(part.body, Buffer.from(bytes.subarray(100, 1100)))).toBe(0);
    const tail = await request(t.server.url, url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.compare(tail.body, Buffer.from(bytes.subarray(-10)))).toBe(0);
    expect((await request(t.server.url, url, { headers: { range: `bytes=${bytes.byteLength}-` } })).status).toBe(416);
    const head = await request(t.server.url, url, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.byteLength]).toEqual([200, String(bytes.byteLength), 0]);
  });

  it('removes only unreferenced blobs: a published version keeps every one of its own', async () => {
    const pkg = await buildMnistPackage({ name: 'blob-removal', version: '1.0.0', signingKey: t.server.publisher });
    expect((await publish(pkg)).status).toBe(201);
    const referenced = await digestsOf(pkg);
    const stray = await freshBlob(1000);
    await blobs().put(stray.sha256, stray.bytes);
    expect(await blobs().removeUnreferenced([...referenced, stray.sha256])).toEqual([stray.sha256]);
    for (const sha256 of referenced) expect(await t.server.blobDigests()).toContain(sha256);
    await expectServed(pkg);
  });

  it('leaves only the winner\'s blobs when 8 publishes of one version with two byte sets race', async () => {
    const name = 'blob-race';
    const a = await buildMnistPackage({ name, version: '1.0.0', signingKey: t.server.publisher, createdAt: '2026-11-01T10:00:00.000Z' });
    const b = await buildMnistPackage({ name, version: '1.0.0', signingKey: t.server.publisher, createdAt: '2026-11-02T10:00:00.000Z' });
    const before = await t.server.blobDigests();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => publish(i % 2 === 0 ? a : b)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(answers.map((r) => r.text.slice(0, 200)))).toEqual([200, 200, 200, 201, 409, 409, 409, 409]);
    const served = await request(t.server.url, `/registry/${name}/1.0.0/manifest.json`);
    const winner = Buffer.compare(served.body, Buffer.from(a.manifestBytes)) === 0 ? a : b;
    const loser = winner === a ? b : a;
    const after = await t.server.blobDigests();
    expect(after).toEqual(new Set([...before, ...(await digestsOf(winner))]));
    expect(after.has(await sha256Hex(loser.manifestBytes))).toBe(false);
    await expectServed(winner);
  });

  it('writes no blob when the version\'s rows fail to commit', async () => {
    const name = 'blob-doomed';
    await failInserts(t.server.store === 'postgres' ? { databaseUrl: t.server.databaseUrl! } : { sqliteFile: join(t.server.dataDir, 'sync.db') }, name);
    const pkg = await buildMnistPackage({ name, version: '1.0.0', signingKey: t.server.publisher, createdAt: '2026-11-03T10:00:00.000Z' });
    const before = await t.server.counts();
    const digestsBefore = await t.server.blobDigests();
    const res = await publish(pkg);
    expect([res.status, res.json?.error?.code]).toEqual([500, 'INTERNAL']);
    expect(await t.server.blobDigests()).toEqual(digestsBefore);
    expect(await t.server.counts()).toEqual(before);
  });

  it('never removes a blob that a publish racing the removal commits a row for', async () => {
    for (let round = 0; round < 6; round++) {
      const pkg = await buildMnistPackage({ name: 'blob-removal-race', version: `2.0.${round}`, signingKey: t.server.publisher, createdAt: `2026-11-04T10:00:0${round}.000Z` });
      const digests = await digestsOf(pkg);
      const bytes = [pkg.manifestBytes, pkg.signature!, ...pkg.files.values()];
      // Stored already but unreferenced (an earlier publish that crashed): the publish reuses them while a removal sweeps them.
      await Promise.all(digests.map((d, i) => blobs().put(d, bytes[i]!)));
      const [res] = await Promise.all([publish(pkg), blobs().removeUnreferenced(digests), blobs().removeUnreferenced(digests.slice(0, 2))]);
      expect(res.status, res.text.slice(0, 200)).toBe(201);
      expect(await blobs().removeUnreferenced(digests)).toEqual([]);
      for (const [i, d] of digests.entries()) expect(await blobs().has(d, bytes[i]!.byteLength), d).toBe(true);
      await expectServed(pkg);
    }
  });
});

/**
 * Makes every insert of `name`'s version rows fail: at COMMIT on PostgreSQL (a deferred
 * constraint trigger, so the blob rows are already written in the transaction), at the
 * `files` insert on SQLite (after the blob files were written).
 */
async function failInserts(target: { databaseUrl: string } | { sqliteFile: string }, name: string): Promise<void> {
  if ('sqliteFile' in target) {
    const db = new Database(target.sqliteFile);
    try {
      db.exec(`CREATE TRIGGER doomed_files AFTER INSERT ON files WHEN NEW.name = '${name}' BEGIN SELECT RAISE(ABORT, 'doomed by the test'); END`);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE FUNCTION doomed_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'doomed by the test'; END $$`);
    await client.query(
      `CREATE CONSTRAINT TRIGGER doomed_versions AFTER INSERT ON versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.name = '${name}') EXECUTE FUNCTION doomed_version()`,
    );
  } finally {
    await client.end();
  }
}

const postgresFound = ensurePostgres();
if (!postgresFound.ok) console.warn(`\n!!! SKIPPING the files-on-PostgreSQL blob test: ${postgresFound.reason}\n`);

it.skipIf(!postgresFound.ok)('serves blobs from files on PostgreSQL when SYNC_BLOB_STORE is files, writing no blob rows', async () => {
  const postgres = await startPostgres();
  const server = await startServer({ store: 'postgres', databaseUrl: postgres.databaseUrl, options: { blobStore: 'files' } });
  try {
    expect(server.sync.blobs.kind).toBe('files');
    const pkg = await buildMnistPackage({ name: 'files-on-pg', version: '1.0.0', signingKey: server.publisher });
    const res = await request(server.url, '/v1/models/files-on-pg/versions/1.0.0', { method: 'PUT', token: server.adminToken, json: publishBody(pkg) });
    expect(res.status, res.text).toBe(201);
    const counts = await server.counts();
    expect(counts.tables['public.blobs']).toBe(0);
    expect(counts.blobs).toBe(2 + pkg.files.size);
    const shard = [...pkg.files].find(([p]) => p.endsWith('.bin'))!;
    const served = await request(server.url, `/registry/files-on-pg/1.0.0/${shard[0]}`);
    expect(Buffer.compare(served.body, Buffer.from(shard[1]))).toBe(0);
  } finally {
    await server.close();
    await postgres.stop();
  }
}, 120_000);
