/**
 * Issue 10's hostile registry requests (test-support/sync/hostile-registry-cases.ts), over each
 * store: every row must get its status and error code, store nothing (rows and blobs
 * counted) and leave the server answering. Beside the table, the races and orders that
 * need several requests: concurrent publishes of one version (only the winner's blobs
 * stay on disk, a blob another version shares survives), versions beyond 2^53, and
 * concurrent alias moves.
 */
import { beforeAll, expect, it } from 'vitest';
import { generateSigningKeyPair, parseRegistryIndex, sha256Hex, type BuiltPackage } from '../../format/index.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { TEST_ORIGIN } from '../../test-support/sync/registry-client.ts';
import { REGISTRY_CASES, variantOf, withEmptyFile, type HostileRequest, type HostileSeeds } from '../../test-support/sync/hostile-registry-cases.ts';

const NAME = 'hostile-registry';
const SHARD = 'tfjs-fp32/group1-shard1of1.bin';

describeMatrix(
  'hostile registry requests',
  (t) => {
    let seeds: HostileSeeds;
    const send = (r: HostileRequest): Promise<TestResponse> => {
      const token = r.token === 'admin' ? t.server.adminToken : r.token === 'app' ? t.server.appToken : r.token === 'bogus' ? 'not-a-token-of-this-endpoint' : undefined;
      return request(t.server.url, r.path, { method: r.method, token, headers: r.headers, json: r.json, body: r.body, timeoutMs: 20_000 });
    };
    const publish = (name: string, pkg: BuiltPackage) =>
      send({ method: 'PUT', path: `/v1/models/${name}/versions/${pkg.manifest.version}`, token: 'admin', json: publishBody(pkg) });
    const blobNames = async () => new Set(await t.server.blobDigests());

    beforeAll(async () => {
      const key = t.server.publisher;
      const published = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: key });
      const stranger = await generateSigningKeyPair();
      const [conflicting, fresh, strangerPkg, empty] = await Promise.all([
        variantOf(published, key, '2026-11-02T10:00:00.000Z'),
        variantOf(published, key, '2026-11-03T10:00:00.000Z', undefined, '3.0.0'),
        variantOf(published, stranger, '2026-11-03T10:00:00.000Z', undefined, '3.0.0'),
        withEmptyFile(published, key, '1.1.0'),
      ]);
      for (const pkg of [published, empty]) {
        const res = await publish(NAME, pkg);
        expect(res.status, res.text).toBe(201);
      }
      seeds = {
        name: NAME,
        published,
        conflicting,
        fresh,
        stranger: strangerPkg,
        empty: { version: '1.1.0', path: 'tfjs-fp32/empty.bin' },
        shard: { path: SHARD, size: published.files.get(SHARD)!.byteLength },
        manifestSha256: await sha256Hex(published.manifestBytes),
        origin: TEST_ORIGIN,
      };
    }, 60_000);

    it.each(REGISTRY_CASES.map((c) => [`${c.item} ${c.what}`, c] as const))('%s', async (_title, c) => {
      const before = await t.server.counts();
      const res = await send(c.request(seeds));
      expect(res.status, res.text.slice(0, 300)).toBe(c.status);
      if (c.code !== undefined) expect(JSON.parse(res.text).error.code, res.text.slice(0, 300)).toBe(c.code);
      for (const [name, expected] of Object.entries(c.headers?.(seeds) ?? {})) {
        const actual = res.headers[name];
        if (expected instanceof RegExp) expect(String(actual), name).toMatch(expected);
        else expect(actual, name).toBe(expected);
      }
      await c.check?.(res, seeds, send);
      expect(await t.server.counts()).toEqual(before);
      expect((await request(t.server.url, '/healthz')).status).toBe(200);
    });

    it('#6: of 8 concurrent publishes of one version with two byte sets, one wins and only its blobs stay on disk', async () => {
      const name = 'race-blobs';
      const key = t.server.publisher;
      const base = await buildMnistPackage({ name, version: '5.0.0', signingKey: key });
      // Two byte sets: other manifest, signature and shard bytes (model.json is the same blob in both).
      const a = await variantOf(base, key, '2026-11-05T10:00:00.000Z', (bytes) => bytes);
      const b = await variantOf(base, key, '2026-11-06T10:00:00.000Z', (bytes) => Uint8Array.from(bytes, (v, i) => (i === 0 ? v ^ 1 : v)));
      const before = await blobNames();
      const rowsBefore = (await t.server.counts()).tables;
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => publish(name, i % 2 === 0 ? a : b)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201), JSON.stringify(answers.map((r) => r.text))).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s === 409)).toHaveLength(4);

      const served = await send({ method: 'GET', path: `/registry/${name}/5.0.0/manifest.json` });
      const winner = Buffer.compare(served.body, Buffer.from(a.manifestBytes)) === 0 ? a : b;
      const winnerBlobs = await blobsOf(winner);
      expect(await blobNames()).toEqual(new Set([...before, ...winnerBlobs]));
      const rows = (await t.server.counts()).tables;
      expect(tableCount(rows, 'versions') - tableCount(rowsBefore, 'versions')).toBe(1);
      expect(tableCount(rows, 'files') - tableCount(rowsBefore, 'files')).toBe(2 + winner.files.size);
      await expectServed(name, winner);
    }, 60_000);

    it('#6: a loser never removes a blob that another version publishing at the same time shares', async () => {
      const name = 'race-shared';
      const key = t.server.publisher;
      const base = await buildMnistPackage({ name, version: '6.0.0', signingKey: key });
      const flip = (bytes: Uint8Array) => Uint8Array.from(bytes, (v, i) => (i === 1 ? v ^ 1 : v));
      const a = await variantOf(base, key, '2026-11-07T10:00:00.000Z');
      const b = await variantOf(base, key, '2026-11-08T10:00:00.000Z', flip);
      // 6.0.1 carries b's shard: when b loses 6.0.0, the shard must stay for 6.0.1.
      const c = await variantOf(base, key, '2026-11-09T10:00:00.000Z', flip, '6.0.1');
      const before = await blobNames();
      const answers = await Promise.all([a, b, b, a, c, b, a, c, b].map((pkg) => publish(name, pkg)));
      expect(answers.every((r) => [200, 201, 409].includes(r.status)), JSON.stringify(answers.map((r) => r.text))).toBe(true);
      const served = await send({ method: 'GET', path: `/registry/${name}/6.0.0/manifest.json` });
      const winner = Buffer.compare(served.body, Buffer.from(a.manifestBytes)) === 0 ? a : b;
      expect(await blobNames()).toEqual(new Set([...before, ...(await blobsOf(winner)), ...(await blobsOf(c))]));
      await expectServed(name, winner);
      await expectServed(name, c);
    }, 60_000);

    it('#8: orders versions beyond 2^53 by their digits in latest, index.json and the version list', async () => {
      const name = 'huge-versions';
      const key = t.server.publisher;
      const versions = ['9007199254740993.0.0', '9007199254740992.0.0', '1.0.0-9007199254740993', '1.0.0-9007199254740992'];
      for (const version of versions) {
        const res = await publish(name, await buildMnistPackage({ name, version, signingKey: key }));
        expect(res.status, res.text).toBe(201);
      }
      const list = await send({ method: 'GET', path: '/v1/models' });
      expect(list.status, list.text).toBe(200);
      expect(list.json.models.find((m: { name: string }) => m.name === name).latest).toBe('9007199254740993.0.0');
      const model = await send({ method: 'GET', path: `/v1/models/${name}` });
      expect(model.json.versions.map((v: { version: string }) => v.version)).toEqual([
        '1.0.0-9007199254740992',
        '1.0.0-9007199254740993',
        '9007199254740992.0.0',
        '9007199254740993.0.0',
      ]);
      const index = parseRegistryIndex((await send({ method: 'GET', path: `/registry/${name}/index.json` })).body);
      expect(index.aliases.latest).toBe('9007199254740993.0.0');
      expect((await send({ method: 'GET', path: `/v1/models/${name}/resolve/latest` })).json.version).toBe('9007199254740993.0.0');
    }, 60_000);

    it('held: concurrent alias moves end on one of them, each recorded once in the history', async () => {
      const moves = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? '1.0.0' : '1.1.0'));
      const before = tableCount((await t.server.counts()).tables, 'alias_history');
      const answers = await Promise.all(moves.map((version) => send({ method: 'PUT', path: `/v1/models/${NAME}/aliases/race`, token: 'admin', json: { version } })));
      expect(answers.map((r) => r.status)).toEqual(moves.map(() => 200));
      const history = (await send({ method: 'GET', path: `/v1/models/${NAME}/aliases/race/history` })).json.history;
      expect(history).toHaveLength(moves.length);
      expect(tableCount((await t.server.counts()).tables, 'alias_history') - before).toBe(moves.length);
      const resolved = (await send({ method: 'GET', path: `/v1/models/${NAME}/resolve/race` })).json.version;
      expect(resolved).toBe(history[0].version);
    }, 60_000);

    /** The blob digests a package needs: manifest, signature and every file. */
    async function blobsOf(pkg: BuiltPackage): Promise<string[]> {
      return Promise.all([pkg.manifestBytes, pkg.signature!, ...pkg.files.values()].map((bytes) => sha256Hex(bytes)));
    }

    async function expectServed(name: string, pkg: BuiltPackage): Promise<void> {
      for (const [path, bytes] of [['manifest.json', pkg.manifestBytes], ['manifest.sig', pkg.signature!], ...pkg.files] as const) {
        const res = await send({ method: 'GET', path: `/registry/${name}/${pkg.manifest.version}/${path}` });
        expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
        expect(Buffer.compare(res.body, Buffer.from(bytes)), path).toBe(0);
      }
    }
  },
  { options: { corsOrigins: [TEST_ORIGIN] } },
);

/** A table's row count whichever way the store names it (`files` in SQLite, `public.files` in PostgreSQL). */
function tableCount(tables: Record<string, number>, name: string): number {
  return tables[name] ?? tables[`public.${name}`] ?? 0;
}
