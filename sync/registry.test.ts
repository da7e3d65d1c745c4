import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, parseManifest, parseRegistryIndex, sha256Hex, verifyManifestSignature, type BuiltPackage, type SigningKeyPair } from '../format/index.ts';
import { canaryBucket } from './registry-model.ts';
import { buildMnistPackage, publishBodyOf, startTestServer, type TestServer } from './test-server.ts';

const ADMIN = 'admin-token-for-tests-0001';
const APP = 'app-token-for-tests-0001';
const ORIGIN = 'https://app.example.com';

let publisher: SigningKeyPair;
let indexKey: SigningKeyPair;
let t: TestServer;
let v1: BuiltPackage;
let v11: BuiltPackage;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function publish(pkg: BuiltPackage, token = ADMIN, path = `${pkg.manifest.name}/versions/${pkg.manifest.version}`, body: unknown = publishBodyOf(pkg)) {
  const res = await fetch(`${t.url}/v1/models/${path}`, {
    method: 'PUT',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function putAlias(alias: string, body: unknown, token = ADMIN) {
  const res = await fetch(`${t.url}/v1/models/mnist-centroid/aliases/${alias}`, {
    method: 'PUT',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function stored() {
  return { rows: await t.server.store.countRows(), blobs: t.server.blobs.count() };
}

beforeAll(async () => {
  [publisher, indexKey] = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair()]);
  t = await startTestServer({
    store: 'sqlite',
    adminTokens: [ADMIN],
    appTokens: [APP],
    publisherKeys: [publisher.publicKey],
    indexKey: { publicKey: indexKey.publicKey, privateKey: indexKey.privateKey },
    corsOrigins: [ORIGIN],
  });
  v1 = await buildMnistPackage('1.0.0', publisher, { seed: 1 });
  v11 = await buildMnistPackage('1.1.0', publisher, { seed: 2 });
});

afterAll(async () => {
  await t?.stop();
});

describe('publish', () => {
  it('refuses requests without an admin token and stores nothing', async () => {
    const before = await stored();
    expect(await publish(v1, '')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await publish(v1, 'not-a-known-token')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await publish(v1, APP)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await stored()).toEqual(before);
  });

  it('refuses packages the runtime would refuse, and stores nothing', async () => {
    const before = await stored();
    const stranger = await generateSigningKeyPair();
    const untrusted = await buildMnistPackage('1.0.0', stranger);
    expect((await publish(untrusted)).body.error.code).toBe('SIGNATURE_UNTRUSTED');

    const unsigned = publishBodyOf(v1);
    delete unsigned.signature;
    expect(await publish(v1, ADMIN, undefined, unsigned)).toMatchObject({ status: 422, body: { error: { code: 'SIGNATURE_MISSING' } } });

    const tampered = publishBodyOf(v1);
    const shard = Buffer.from(tampered.files['tfjs-int8/group1-shard1of1.bin'], 'base64');
    shard[100] ^= 1;
    tampered.files['tfjs-int8/group1-shard1of1.bin'] = shard.toString('base64');
    expect(await publish(v1, ADMIN, undefined, tampered)).toMatchObject({ status: 422, body: { error: { code: 'INTEGRITY_MISMATCH' } } });

    const missing = publishBodyOf(v1);
    delete missing.files['tfjs-int8/model.json'];
    expect((await publish(v1, ADMIN, undefined, missing)).body.error.code).toBe('INTEGRITY_MISMATCH');

    const extra = publishBodyOf(v1);
    extra.files['../../sync.db'] = 'AAAA';
    expect(await publish(v1, ADMIN, undefined, extra)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });

    expect(await publish(v1, ADMIN, 'mnist-centroid/versions/1.0.1')).toMatchObject({ status: 422, body: { error: { code: 'MANIFEST_INVALID' } } });
    expect(await publish(v1, ADMIN, 'other-model/versions/1.0.0')).toMatchObject({ status: 422, body: { error: { code: 'MANIFEST_INVALID' } } });
    expect((await publish(v1, ADMIN, 'mnist-centroid/versions/not-semver')).status).toBe(400);

    const garbage = { ...publishBodyOf(v1), manifest: Buffer.from('{"format":"edgeloop/1"}').toString('base64') };
    expect((await publish(v1, ADMIN, undefined, garbage)).body.error.code).toBe('MANIFEST_INVALID');
    expect(await stored()).toEqual(before);
  });

  it('publishes a signed package, acknowledges an identical republish and refuses other bytes', async () => {
    const created = await publish(v1);
    const artifactBytes = [...v1.files.values()].reduce((sum, f) => sum + f.byteLength, 0);
    expect(created).toEqual({ status: 201, body: { name: 'mnist-centroid', version: '1.0.0', bytes: artifactBytes } });
    const after = await stored();
    expect(after.rows).toMatchObject({ models: 1, versions: 1, files: 4 });

    expect(await publish(v1)).toEqual({ status: 200, body: created.body });

    const other = await buildMnistPackage('1.0.0', publisher, { seed: 3 });
    expect(await publish(other)).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await stored()).toEqual(after);

    // The stored bytes are the published ones.
    const manifest = new Uint8Array(await (await fetch(`${t.url}/registry/mnist-centroid/1.0.0/manifest.json`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    expect(manifest).toEqual(v1.manifestBytes);
    expect(await publish(v11)).toMatchObject({ status: 201 });
  });
});

describe('models and aliases', () => {
  it('lists models and versions with their manifest metrics', async () => {
    const list = await (await fetch(`${t.url}/v1/models`)).json();
    expect(list).toEqual({ models: [{ name: 'mnist-centroid', versions: 2, latest: '1.1.0' }] });
    const model = await (await fetch(`${t.url}/v1/models/mnist-centroid`)).json();
    expect(model.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(model.versions[0].metrics).toEqual(v1.manifest.metrics);
    expect((await fetch(`${t.url}/v1/models/no-such-model`)).status).toBe(404);
  });

  it('moves aliases with a canary split that is stable per device, and keeps the history', async () => {
    expect((await putAlias('stable', { version: '1.0.0' }, APP)).status).toBe(403);
    expect((await putAlias('stable', { version: '9.9.9' })).status).toBe(404);
    expect((await putAlias('stable', { version: '1.0.0', canary: { version: '1.1.0', percent: 101 } })).status).toBe(400);

    expect(await putAlias('stable', { version: '1.0.0', canary: { version: '1.1.0', percent: 30 } })).toEqual({
      status: 200,
      body: { alias: 'stable', version: '1.0.0', canary: { version: '1.1.0', percent: 30 } },
    });
    const resolve = async (device: string) => (await (await fetch(`${t.url}/v1/models/mnist-centroid/resolve/stable?device=${device}`)).json()).version as string;
    const devices = Array.from({ length: 200 }, (_, i) => `device-${i}`);
    const first = await Promise.all(devices.map(resolve));
    const again = await Promise.all(devices.map(resolve));
    expect(again).toEqual(first);
    first.forEach((version, i) => expect(version).toBe(canaryBucket(devices[i], 'mnist-centroid', 'stable') < 30 ? '1.1.0' : '1.0.0'));
    const share = first.filter((v) => v === '1.1.0').length / devices.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);

    // Rollback: move the alias back without a canary.
    expect((await putAlias('stable', { version: '1.0.0' })).body).toEqual({ alias: 'stable', version: '1.0.0', canary: null });
    expect(new Set(await Promise.all(devices.map(resolve)))).toEqual(new Set(['1.0.0']));

    const { history } = await (await fetch(`${t.url}/v1/models/mnist-centroid/aliases/stable/history`)).json();
    expect(history.map((h: { version: string; canary: unknown }) => [h.version, h.canary])).toEqual([
      ['1.0.0', null],
      ['1.0.0', { version: '1.1.0', percent: 30 }],
    ]);
    expect(history[0].by).toMatch(/^admin:[0-9a-f]{12}$/);
    expect(Date.parse(history[0].at)).toBeGreaterThanOrEqual(Date.parse(history[1].at));
  });
});

describe('static registry layout', () => {
  it('serves a signed index.json with an ETag, 304 on If-None-Match, and a new ETag after an alias move', async () => {
    const res = await fetch(`${t.url}/registry/mnist-centroid/index.json`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const index = parseRegistryIndex(bytes, 'mnist-centroid');
    expect(index.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(index.aliases).toEqual({ stable: '1.0.0', latest: '1.1.0' });
    expect(Date.parse(index.expires)).toBeGreaterThan(Date.now() + 86_400_000 - 600_000);
    const sig = new Uint8Array(await (await fetch(`${t.url}/registry/mnist-centroid/index.sig`)).arrayBuffer());
    await expect(verifyManifestSignature(bytes, sig, [indexKey.publicKey])).resolves.toBeDefined();

    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}/);
    const cached = await fetch(`${t.url}/registry/mnist-centroid/index.json`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');

    await putAlias('production', { version: '1.0.0' });
    const moved = await fetch(`${t.url}/registry/mnist-centroid/index.json`, { headers: { 'if-none-match': etag } });
    expect(moved.status).toBe(200);
    expect(parseRegistryIndex(new Uint8Array(await moved.arrayBuffer())).aliases).toEqual({ production: '1.0.0', stable: '1.0.0', latest: '1.0.0' });
    expect((await fetch(`${t.url}/registry/no-such-model/index.json`)).status).toBe(404);
  });

  it('serves version files immutably, with ranges, ETags and compressed JSON', async () => {
    const shard = v1.files.get('tfjs-int8/group1-shard1of1.bin')!;
    const url = `${t.url}/registry/mnist-centroid/1.0.0/tfjs-int8/group1-shard1of1.bin`;
    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(full.headers.get('etag')).toBe(`"${await sha256Hex(shard)}"`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(shard);

    const part = await fetch(url, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${shard.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(shard.subarray(1000, 2000));
    const rest = await fetch(url, { headers: { range: `bytes=${shard.byteLength - 10}-` } });
    expect(new Uint8Array(await rest.arrayBuffer())).toEqual(shard.subarray(shard.byteLength - 10));
    const beyond = await fetch(url, { headers: { range: `bytes=${shard.byteLength}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${shard.byteLength}`);
    expect((await fetch(url, { headers: { 'if-none-match': full.headers.get('etag')! } })).status).toBe(304);

    const gz = await fetch(`${t.url}/registry/mnist-centroid/1.0.0/manifest.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(parseManifest(new Uint8Array(await gz.arrayBuffer()))).toEqual(v1.manifest);
    const raw = await import('node:http').then(
      (http) =>
        new Promise<Buffer>((resolve, reject) => {
          http.get(`${t.url}/registry/mnist-centroid/1.0.0/tfjs-int8/model.json`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
          });
        }),
    );
    expect(new Uint8Array(gunzipSync(raw))).toEqual(v1.files.get('tfjs-int8/model.json'));
  });

  it('serves only files the stored manifest lists: no path leaves the registry', async () => {
    for (const path of [
      '1.0.0/../../../sync.db',
      '1.0.0/%2e%2e/%2e%2e/sync.db',
      '1.0.0/..%2f..%2fsync.db',
      '1.0.0/tfjs-int8/other.bin',
      '1.0.0/blobs',
      '9.9.9/manifest.json',
      '1.0.0/%00',
    ]) {
      const res = await fetch(`${t.url}/registry/mnist-centroid/${path}`);
      expect([400, 404], path).toContain(res.status);
      expect((await res.json()).error.code).toMatch(/^(NOT_FOUND|BAD_REQUEST)$/);
    }
  });

  it('answers CORS only for configured origins', async () => {
    const allowed = await fetch(`${t.url}/registry/mnist-centroid/index.json`, { headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('ETag');
    const other = await fetch(`${t.url}/registry/mnist-centroid/index.json`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
