/**
 * The registry's refusals and rules beyond the happy paths of routes.test.ts, over
 * SQLite and PostgreSQL: packages the runtime would refuse (tampered, incomplete,
 * misnamed), the format's name rule (65 characters refused like any bad name, 64
 * taken), alias validation, the canary side of each device, the signed index and the
 * `production` fallback of `latest`, and paths that try to leave the registry.
 */
import { beforeAll, expect, it } from 'vitest';
import { parseRegistryIndex, verifyManifestSignature, type BuiltPackage } from '../../format/index.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { registryClient, TEST_MODEL, TEST_ORIGIN } from '../../test-support/sync/registry-client.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';
import { canaryBucket } from '../registry-model.ts';

const NAME = TEST_MODEL;
const SHARD = 'tfjs-fp32/group1-shard1of1.bin';

describeMatrix(
  'sync registry',
  (t) => {
    let v1: BuiltPackage;
    let v2: BuiltPackage;
    const { get, publishAt, moveAlias } = registryClient(() => t.server);
    const publish = (pkg: BuiltPackage) => publishAt(`${pkg.manifest.name}/versions/${pkg.manifest.version}`, publishBody(pkg));
    const errorOf = (res: TestResponse) => [res.status, res.json?.error?.code];

    beforeAll(async () => {
      v1 = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: t.server.publisher });
      v2 = await buildMnistPackage({ name: NAME, version: '1.1.0', signingKey: t.server.publisher, createdAt: '2026-11-20T10:00:00.000Z' });
    }, 60_000);

    it('refuses packages the runtime would refuse, and stores nothing', async () => {
      const before = await t.server.counts();
      const tampered = publishBody(v1);
      const shard = Buffer.from(tampered.files[SHARD], 'base64');
      shard[100] ^= 1;
      tampered.files[SHARD] = shard.toString('base64');
      expect(errorOf(await publishAt(`${NAME}/versions/1.0.0`, tampered))).toEqual([422, 'INTEGRITY_MISMATCH']);

      const missing = publishBody(v1);
      delete missing.files['tfjs-fp32/model.json'];
      expect(errorOf(await publishAt(`${NAME}/versions/1.0.0`, missing))).toEqual([422, 'INTEGRITY_MISMATCH']);

      const stray = publishBody(v1);
      stray.files['../../sync.db'] = 'AAAA';
      expect(errorOf(await publishAt(`${NAME}/versions/1.0.0`, stray))).toEqual([400, 'BAD_REQUEST']);

      expect(errorOf(await publishAt(`${NAME}/versions/1.0.1`, publishBody(v1)))).toEqual([422, 'MANIFEST_INVALID']);
      expect(errorOf(await publishAt('other-model/versions/1.0.0', publishBody(v1)))).toEqual([422, 'MANIFEST_INVALID']);
      expect(errorOf(await publishAt(`${NAME}/versions/not-semver`, publishBody(v1)))).toEqual([400, 'BAD_REQUEST']);

      const garbage = { ...publishBody(v1), manifest: Buffer.from('{"format":"edgeloop/1"}').toString('base64') };
      expect(errorOf(await publishAt(`${NAME}/versions/1.0.0`, garbage))[1]).toBe('MANIFEST_INVALID');
      expect(await t.server.counts()).toEqual(before);
    });

    it('refuses a 65-character name on every route the way it refuses any bad name, storing nothing; 64 characters are a name', async () => {
      const long = 'a'.repeat(65);
      const before = await t.server.counts();
      for (const name of ['Bad_Name', long]) {
        expect(errorOf(await publishAt(`${name}/versions/1.0.0`, publishBody(v1))), name).toEqual([400, 'BAD_REQUEST']);
        expect(errorOf(await get(`/v1/models/${name}/resolve/latest`)), name).toEqual([400, 'BAD_REQUEST']);
        expect(errorOf(await get(`/v1/models/${name}`)), name).toEqual([400, 'BAD_REQUEST']);
        const telemetry = await request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: makeBatch({ events: 1, model: name }) });
        expect(errorOf(telemetry), name).toEqual([400, 'BAD_REQUEST']);
      }
      expect(await t.server.counts()).toEqual(before);

      const longest = await buildMnistPackage({ name: 'a'.repeat(64), version: '1.0.0', signingKey: t.server.publisher });
      expect((await publish(longest)).status).toBe(201);
      expect(await get(`/v1/models/${'a'.repeat(64)}/resolve/latest`)).toMatchObject({ status: 200, json: { version: '1.0.0' } });
    });

    it('validates alias moves, puts each device on its canaryBucket side, and records who moved the alias', async () => {
      expect((await publish(v1)).status).toBe(201);
      expect((await publish(v2)).status).toBe(201);
      expect(errorOf(await moveAlias('stable', { version: '9.9.9' }))[0]).toBe(404);
      expect((await moveAlias('stable', { version: '1.0.0', canary: { version: '1.1.0', percent: 101 } })).status).toBe(400);

      expect((await moveAlias('stable', { version: '1.0.0', canary: { version: '1.1.0', percent: 30 } })).json).toEqual({
        alias: 'stable',
        version: '1.0.0',
        canary: { version: '1.1.0', percent: 30 },
      });
      const devices = Array.from({ length: 200 }, (_, i) => `device-${i}`);
      const sides = await Promise.all(devices.map(async (device) => (await get(`/v1/models/${NAME}/resolve/stable?device=${device}`)).json.version as string));
      sides.forEach((version, i) => expect(version).toBe(canaryBucket(devices[i], NAME, 'stable') < 30 ? '1.1.0' : '1.0.0'));

      expect((await moveAlias('stable', { version: '1.0.0' })).json).toEqual({ alias: 'stable', version: '1.0.0', canary: null });
      const history = (await get(`/v1/models/${NAME}/aliases/stable/history`)).json.history as Array<{ version: string; canary: unknown; by: string }>;
      expect(history.map((h) => [h.version, h.canary])).toEqual([
        ['1.0.0', null],
        ['1.0.0', { version: '1.1.0', percent: 30 }],
      ]);
      expect(history[0].by).toMatch(/^admin:[0-9a-f]{12}$/);
    });

    it('signs index.json with the index key, and `latest` falls back to the production alias', async () => {
      const res = await get(`/registry/${NAME}/index.json`);
      const bytes = new Uint8Array(res.body);
      expect(parseRegistryIndex(bytes, NAME).aliases).toEqual({ stable: '1.0.0', latest: '1.1.0' });
      const sig = await get(`/registry/${NAME}/index.sig`);
      await expect(verifyManifestSignature(bytes, new Uint8Array(sig.body), [t.server.indexKey.publicKey])).resolves.toBeDefined();

      expect((await moveAlias('production', { version: '1.0.0' })).status).toBe(200);
      const moved = parseRegistryIndex(new Uint8Array((await get(`/registry/${NAME}/index.json`)).body), NAME);
      expect(moved.aliases).toEqual({ production: '1.0.0', stable: '1.0.0', latest: '1.0.0' });
    });

    it('moves an alias only while it is what the caller expected (`expect`): a stale move is 409 CONFLICT and writes nothing', async () => {
      for (const v of [v1, v2]) expect([200, 201]).toContain((await publish(v)).status);
      expect((await moveAlias('guarded', { version: '1.0.0', canary: { version: '1.1.0', percent: 50 } })).status).toBe(200);
      const split = { version: '1.0.0', canary: { version: '1.1.0', percent: 50 } };
      // Two workers judged the same split; both try to act at once: exactly one does.
      const [promote, rollback] = await Promise.all([moveAlias('guarded', { version: '1.1.0', expect: split }), moveAlias('guarded', { version: '1.0.0', expect: split })]);
      const outcomes = [promote, rollback].map((r) => r.status).sort();
      expect(outcomes).toEqual([200, 409]);
      const lost = promote.status === 409 ? promote : rollback;
      const won = promote.status === 200 ? promote : rollback;
      expect(errorOf(lost)).toEqual([409, 'CONFLICT']);
      expect(lost.json.error.message).toMatch(/alias guarded of .* has moved since it was read \(it is now 1\.[01]\.0\); nothing changed/);
      const history = (await get(`/v1/models/${NAME}/aliases/guarded/history`)).json.history as Array<{ version: string }>;
      expect(history.map((h) => h.version)).toEqual([won.json.version, '1.0.0']);
      expect((await get(`/v1/models/${NAME}/resolve/guarded?device=d`)).json.version).toBe(won.json.version);
      // An unset alias is never "as expected".
      expect(errorOf(await moveAlias('never-set', { version: '1.0.0', expect: { version: '1.0.0' } }))).toEqual([409, 'CONFLICT']);
    });

    it('serves only files the stored manifest lists: no path leaves the registry', async () => {
      for (const path of ['1.0.0/../../../sync.db', '1.0.0/%2e%2e/%2e%2e/sync.db', '1.0.0/..%2f..%2fsync.db', '1.0.0/tfjs-fp32/other.bin', '1.0.0/blobs', '9.9.9/manifest.json', '1.0.0/%00']) {
        const res = await get(`/registry/${NAME}/${path}`);
        expect([400, 404], path).toContain(res.status);
        expect(res.json?.error?.code, path).toMatch(/^(NOT_FOUND|BAD_REQUEST)$/);
      }
    });

    it('exposes the ETag header to the configured origin', async () => {
      const allowed = await get(`/registry/${NAME}/index.json`, { origin: TEST_ORIGIN });
      expect(String(allowed.headers['access-control-expose-headers'])).toContain('ETag');
    });
  },
  { options: { corsOrigins: [TEST_ORIGIN] } },
);
