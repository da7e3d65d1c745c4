/**
 * Who may do what: without a token, with an unknown one, or with a device (app) token
 * on an admin route, every write is refused (401 / 403) and nothing is stored: the
 * rows of every table and the blob files are counted before and after. Publishing
 * with a valid admin token but a package signed by an untrusted key, or unsigned, is
 * refused the same way.
 */
import { beforeAll, expect, it } from 'vitest';
import { generateSigningKeyPair, type BuiltPackage } from '../../format/index.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';

const NAME = 'mnist-centroid';

describeMatrix('sync auth', (t) => {
  let pkg: BuiltPackage;
  beforeAll(async () => {
    pkg = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: t.server.publisher });
  }, 60_000);

  /** The routes that write, each with a valid body, and the kind of token each needs. */
  const writes = () => [
    { what: 'publish', method: 'PUT', path: `/v1/models/${NAME}/versions/1.0.0`, json: publishBody(pkg), needs: 'admin' as const },
    { what: 'move an alias', method: 'PUT', path: `/v1/models/${NAME}/aliases/stable`, json: { version: '1.0.0' }, needs: 'admin' as const },
    { what: 'send telemetry', method: 'POST', path: '/v1/telemetry', json: makeBatch({ events: 5 }), needs: 'app' as const },
  ];

  const expectError = (res: TestResponse, status: number, code: string) => {
    expect(res.status, res.text).toBe(status);
    expect(res.json?.error?.code).toBe(code);
    expect(typeof res.json?.error?.message).toBe('string');
  };

  it('refuses every write without a token, with a malformed header or an unknown token (401), and stores nothing', async () => {
    const before = await t.server.counts();
    for (const route of writes()) {
      const send = (headers: Record<string, string>) => request(t.server.url, route.path, { method: route.method, json: route.json, headers });
      expectError(await send({}), 401, 'UNAUTHORIZED');
      expectError(await send({ authorization: 'Bearer wrong-token' }), 401, 'UNAUTHORIZED');
      expectError(await send({ authorization: 'Bearer ' }), 401, 'UNAUTHORIZED');
      expectError(await send({ authorization: `Basic ${Buffer.from(`user:${t.server.adminToken}`).toString('base64')}` }), 401, 'UNAUTHORIZED');
      // A known token with a suffix or in another case is another token.
      const token = route.needs === 'admin' ? t.server.adminToken : t.server.appToken;
      expectError(await send({ authorization: `Bearer ${token}x` }), 401, 'UNAUTHORIZED');
      expectError(await send({ authorization: `Bearer ${token.toUpperCase()}` }), 401, 'UNAUTHORIZED');
    }
    expect(await t.server.counts()).toEqual(before);
  });

  it('refuses an app token on admin routes (403), and stores nothing', async () => {
    const before = await t.server.counts();
    for (const route of writes().filter((r) => r.needs === 'admin')) {
      expectError(await request(t.server.url, route.path, { method: route.method, json: route.json, token: t.server.appToken }), 403, 'FORBIDDEN');
    }
    expectError(await request(t.server.url, `/v1/telemetry/summary?model=${NAME}`, { token: t.server.appToken }), 403, 'FORBIDDEN');
    expectError(await request(t.server.url, `/v1/telemetry/summary?model=${NAME}`), 401, 'UNAUTHORIZED');
    expect(await t.server.counts()).toEqual(before);
  });

  it('refuses a package signed by an untrusted key, and an unsigned one, even from an admin (422), and stores nothing', async () => {
    const before = await t.server.counts();
    const stranger = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: await generateSigningKeyPair() });
    const untrusted = await request(t.server.url, `/v1/models/${NAME}/versions/1.0.0`, { method: 'PUT', token: t.server.adminToken, json: publishBody(stranger) });
    expectError(untrusted, 422, 'SIGNATURE_UNTRUSTED');

    const unsigned = await buildMnistPackage({ name: NAME, version: '1.0.0' });
    const missing = await request(t.server.url, `/v1/models/${NAME}/versions/1.0.0`, { method: 'PUT', token: t.server.adminToken, json: publishBody(unsigned) });
    expectError(missing, 422, 'SIGNATURE_MISSING');

    // The trusted key's signature over other bytes.
    const forged = { ...publishBody(pkg), signature: publishBody(await buildMnistPackage({ name: NAME, version: '2.0.0', signingKey: t.server.publisher })).signature };
    expectError(await request(t.server.url, `/v1/models/${NAME}/versions/1.0.0`, { method: 'PUT', token: t.server.adminToken, json: forged }), 422, 'SIGNATURE_INVALID');
    expect(await t.server.counts()).toEqual(before);
    expect((await request(t.server.url, `/registry/${NAME}/1.0.0/manifest.json`)).status).toBe(404);
  });

  it('lets the right tokens through (so the refusals above are about the token, not the body)', async () => {
    const before = await t.server.counts();
    const [publish, alias, telemetry] = writes();
    expect((await request(t.server.url, publish.path, { method: 'PUT', json: publish.json, token: t.server.adminToken })).status).toBe(201);
    expect((await request(t.server.url, alias.path, { method: 'PUT', json: alias.json, token: t.server.adminToken })).status).toBe(200);
    expect((await request(t.server.url, telemetry.path, { method: 'POST', json: telemetry.json, token: t.server.appToken })).status).toBe(200);
    const after = await t.server.counts();
    expect(after.blobs).toBeGreaterThan(before.blobs);
    expect(Object.values(after.tables).reduce((a, b) => a + b, 0)).toBeGreaterThan(Object.values(before.tables).reduce((a, b) => a + b, 0));
  });
});
