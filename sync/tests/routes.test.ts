/**
 * Every route of docs/SYNC-API.md against a real endpoint on a random loopback port,
 * over SQLite and over PostgreSQL: publishing a real signed package, immutability,
 * listing, aliases with a canary split and rollback, the static registry layout the
 * runtime installs from (index.json with ETag/304, files with Range), telemetry with
 * a retried batch, the summary, and the operational routes.
 */
import { gunzipSync } from 'node:zlib';
import { beforeAll, expect, it } from 'vitest';
import { parseRegistryIndex, sha256Hex, type BuiltPackage } from '../../format/index.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request } from '../../test-support/sync/http.ts';
import { buildMnistPackage } from '../../test-support/mnist-package.ts';
import { registryClient, TEST_MODEL, TEST_ORIGIN } from '../../test-support/sync/registry-client.ts';
import { LATENCY_EDGES, makeBatch } from '../../test-support/sync/telemetry-batch.ts';

const NAME = TEST_MODEL;
const ORIGIN = TEST_ORIGIN;
const SHARD = 'tfjs-fp32/group1-shard1of1.bin';

describeMatrix(
  'sync routes',
  (t) => {
    let v1: BuiltPackage;
    let v2: BuiltPackage;
    const admin = () => t.server.adminToken;
    const { get, publish, moveAlias } = registryClient(() => t.server);

    beforeAll(async () => {
      v1 = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: t.server.publisher });
      v2 = await buildMnistPackage({ name: NAME, version: '1.1.0', signingKey: t.server.publisher, createdAt: '2026-11-20T10:00:00.000Z' });
    }, 60_000);

    it('answers healthz and readyz', async () => {
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz')).status).toBe(200);
    });

    it('publishes a signed package (201), accepts the identical bytes again (200) and refuses other bytes for the same version (409)', async () => {
      const first = await publish(v1);
      expect(first.status, first.text).toBe(201);
      const fileBytes = [...v1.files.values()].reduce((n, f) => n + f.byteLength, 0);
      expect(first.json).toEqual({ name: NAME, version: '1.0.0', bytes: fileBytes });

      const again = await publish(v1);
      expect(again.status, again.text).toBe(200);
      expect(again.json).toEqual(first.json);

      const before = await t.server.counts();
      const other = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: t.server.publisher, createdAt: '2026-11-02T10:00:00.000Z' });
      const conflict = await publish(other);
      expect(conflict.status, conflict.text).toBe(409);
      expect(conflict.json.error.code).toBe('CONFLICT');
      expect(await t.server.counts()).toEqual(before);
      // The first bytes stay the version's bytes.
      const served = await get(`/registry/${NAME}/1.0.0/manifest.json`);
      expect(Buffer.compare(served.body, Buffer.from(v1.manifestBytes))).toBe(0);

      expect((await publish(v2)).status).toBe(201);
    });

    it('refuses a package whose URL names another version than its manifest', async () => {
      const res = await publish(v1, '9.9.9');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await get(`/v1/models/${NAME}`)).json.versions.map((v: { version: string }) => v.version)).not.toContain('9.9.9');
    });

    it('lists models and the versions of one model with their metrics', async () => {
      const list = await get('/v1/models');
      expect(list.status).toBe(200);
      expect(list.json.models).toContainEqual({ name: NAME, versions: 2, latest: '1.1.0' });

      const model = await get(`/v1/models/${NAME}`);
      expect(model.status).toBe(200);
      expect(model.json.name).toBe(NAME);
      const versions = model.json.versions as Array<{ version: string; publishedAt: string; bytes: number; metrics: Record<string, number> }>;
      expect(versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
      for (const v of versions) {
        expect(v.metrics).toEqual(v1.manifest.metrics);
        expect(Number.isNaN(Date.parse(v.publishedAt))).toBe(false);
        expect(v.bytes).toBeGreaterThan(0);
      }
      expect((await get('/v1/models/no-such-model')).status).toBe(404);
    });

    it('moves an alias with a canary split, resolves devices stably, keeps history and rolls back', async () => {
      const stable = await moveAlias('stable', { version: '1.0.0' });
      expect(stable.status, stable.text).toBe(200);
      expect(stable.json).toMatchObject({ alias: 'stable', version: '1.0.0' });

      const canary = await moveAlias('stable', { version: '1.0.0', canary: { version: '1.1.0', percent: 10 } });
      expect(canary.status, canary.text).toBe(200);
      expect(canary.json).toMatchObject({ alias: 'stable', version: '1.0.0', canary: { version: '1.1.0', percent: 10 } });

      const model = await get(`/v1/models/${NAME}`);
      expect(model.json.aliases).toContainEqual({ alias: 'stable', version: '1.0.0', canary: { version: '1.1.0', percent: 10 } });

      const devices = Array.from({ length: 400 }, (_, i) => `device-${i}`);
      const resolve = async (device: string) => {
        const res = await get(`/v1/models/${NAME}/resolve/stable?device=${device}`);
        expect(res.status).toBe(200);
        return res.json.version as string;
      };
      const first = await Promise.all(devices.map(resolve));
      const onCanary = first.filter((v) => v === '1.1.0').length;
      expect(new Set(first)).toEqual(new Set(['1.0.0', '1.1.0']));
      // 10% of 400 is 40; a fair hash lands well inside 15..70.
      expect(onCanary).toBeGreaterThan(15);
      expect(onCanary).toBeLessThan(70);
      expect(await Promise.all(devices.map(resolve))).toEqual(first);

      // Rollback: move the alias back, no canary.
      expect((await moveAlias('stable', { version: '1.0.0' })).status).toBe(200);
      expect(new Set(await Promise.all(devices.slice(0, 100).map(resolve)))).toEqual(new Set(['1.0.0']));

      const history = await get(`/v1/models/${NAME}/aliases/stable/history`);
      expect(history.status).toBe(200);
      const entries = history.json.history as Array<{ version: string; canary: unknown; at: string; by: unknown }>;
      expect(entries).toHaveLength(3);
      expect(entries.map((e) => e.canary ?? null)).toEqual([null, { version: '1.1.0', percent: 10 }, null]);
      const times = entries.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      // An alias cannot point at a version that was never published; it stays where it was.
      const missing = await moveAlias('stable', { version: '7.0.0' });
      expect(missing.status).toBeGreaterThanOrEqual(400);
      expect(missing.status).toBeLessThan(500);
      expect((await resolve('device-1'))).toBe('1.0.0');
      expect((await moveAlias('latest', { version: '1.1.0' })).status).toBe(200);
    });

    it('serves a valid index.json with an ETag, 304 on If-None-Match, and a new ETag after an alias moves', async () => {
      const res = await get(`/registry/${NAME}/index.json`);
      expect(res.status).toBe(200);
      const index = parseRegistryIndex(new Uint8Array(res.body), NAME);
      expect(index.versions.map((v) => v.version).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(index.aliases).toMatchObject({ stable: '1.0.0', latest: '1.1.0' });
      const ttl = Date.parse(index.expires) - Date.now();
      // The server issues index.json per 5-minute window (stable bytes and ETag), so `expires` lies between TTL − 5 min and TTL ahead.
      expect(ttl).toBeGreaterThan(86_400_000 - 310_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000 + 1_000);

      const etag = res.headers.etag;
      expect(etag).toBeTruthy();
      const cached = await get(`/registry/${NAME}/index.json`, { 'if-none-match': String(etag) });
      expect(cached.status).toBe(304);
      expect(cached.body.byteLength).toBe(0);

      expect((await moveAlias('stable', { version: '1.1.0' })).status).toBe(200);
      const moved = await get(`/registry/${NAME}/index.json`, { 'if-none-match': String(etag) });
      expect(moved.status).toBe(200);
      expect(moved.headers.etag).not.toBe(etag);
      expect(parseRegistryIndex(new Uint8Array(moved.body), NAME).aliases.stable).toBe('1.1.0');
      expect((await get('/registry/no-such-model/index.json')).status).toBe(404);
    });

    it('serves package files byte for byte, immutable, with Range, gzip and CORS for the configured origin only', async () => {
      const manifest = await get(`/registry/${NAME}/1.0.0/manifest.json`);
      expect(manifest.status).toBe(200);
      expect(Buffer.compare(manifest.body, Buffer.from(v1.manifestBytes))).toBe(0);
      expect(manifest.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(String(manifest.headers.etag)).toContain(await sha256Hex(v1.manifestBytes));
      expect(manifest.headers['cross-origin-resource-policy']).toBe('cross-origin');

      const sig = await get(`/registry/${NAME}/1.0.0/manifest.sig`);
      expect(Buffer.compare(sig.body, Buffer.from(v1.signature as Uint8Array))).toBe(0);

      const shardBytes = Buffer.from(v1.files.get(SHARD) as Uint8Array);
      const shard = await get(`/registry/${NAME}/1.0.0/${SHARD}`);
      expect(shard.status).toBe(200);
      expect(shard.headers['accept-ranges']).toBe('bytes');
      expect(Buffer.compare(shard.body, shardBytes)).toBe(0);

      const part = await get(`/registry/${NAME}/1.0.0/${SHARD}`, { range: 'bytes=1000-1999' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 1000-1999/${shardBytes.byteLength}`);
      expect(Buffer.compare(part.body, shardBytes.subarray(1000, 2000))).toBe(0);
      const tail = await get(`/registry/${NAME}/1.0.0/${SHARD}`, { range: `bytes=${shardBytes.byteLength - 10}-` });
      expect(tail.status).toBe(206);
      expect(Buffer.compare(tail.body, shardBytes.subarray(shardBytes.byteLength - 10))).toBe(0);
      expect((await get(`/registry/${NAME}/1.0.0/${SHARD}`, { range: `bytes=${shardBytes.byteLength + 5}-` })).status).toBe(416);

      const gz = await get(`/registry/${NAME}/1.0.0/manifest.json`, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(Buffer.compare(gunzipSync(gz.body), Buffer.from(v1.manifestBytes))).toBe(0);

      const allowed = await get(`/registry/${NAME}/1.0.0/manifest.json`, { origin: ORIGIN });
      expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
      const other = await get(`/registry/${NAME}/1.0.0/manifest.json`, { origin: 'https://evil.example.net' });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();

      expect((await get(`/registry/${NAME}/1.0.0/tfjs-fp32/nope.bin`)).status).toBe(404);
      expect((await get(`/registry/${NAME}/3.0.0/manifest.json`)).status).toBe(404);
    });

    it('accepts a telemetry batch once: a retried batchId is acknowledged as a duplicate and counted once', async () => {
      const batch = makeBatch({ events: 50, seed: 7, windowStart: '2026-11-23T16:00:00.000Z' });
      const send = () => request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: batch });
      const first = await send();
      expect(first.status, first.text).toBe(200);
      expect(first.json).toEqual({ batchId: batch.batchId, accepted: 50, duplicate: false });
      const retry = await send();
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual({ batchId: batch.batchId, accepted: 50, duplicate: true });

      const unknownSchema = await request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: { ...batch, batchId: 'other-batch', schema: 2 } });
      expect(unknownSchema.status).toBe(400);
      expect(unknownSchema.json.error.code).toBe('BAD_REQUEST');

      const summary = await request(t.server.url, `/v1/telemetry/summary?model=${NAME}&version=1.0.0&from=2026-11-23T00:00:00.000Z&to=2026-11-24T00:00:00.000Z`, { token: admin() });
      expect(summary.status, summary.text).toBe(200);
      const expected = expectedSummary(batch.events);
      expect(summarise(summary.json)).toEqual(expected);

      const outside = await request(t.server.url, `/v1/telemetry/summary?model=${NAME}&from=2026-11-25T00:00:00.000Z&to=2026-11-26T00:00:00.000Z`, { token: admin() });
      expect(outside.status).toBe(200);
      expect(summarise(outside.json).events).toBe(0);
    });

    it('names its store on readyz and answers 404 JSON for an unknown route', async () => {
      expect((await get('/healthz')).json).toEqual({ status: 'ok' });
      expect((await get('/readyz')).json).toEqual({ status: 'ready', store: t.store });
      const missing = await get('/no/such/route');
      expect(missing.status).toBe(404);
      expect(missing.json.error.code).toBe('NOT_FOUND');
    });

    it('exposes Prometheus metrics and an OpenAPI document of the routes', async () => {
      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.text).toMatch(/^sync_http_requests_total\{[^}]*route="[^"]+"[^}]*status="200"[^}]*\} \d+/m);
      const events = /^sync_telemetry_events_total(?:\{[^}]*\})? (\d+)/m.exec(metrics.text);
      expect(Number(events?.[1])).toBe(50);
      expect(metrics.text).toMatch(/^sync_rejects_total\{[^}]*code="BAD_REQUEST"[^}]*\} [1-9]/m);
      expect(metrics.text).toMatch(/^sync_store_seconds_bucket\{/m);

      const openapi = await get('/openapi.json');
      expect(openapi.status).toBe(200);
      expect(String(openapi.json.openapi)).toMatch(/^3\./);
      const paths = Object.keys(openapi.json.paths);
      for (const path of ['/v1/telemetry', '/v1/models', '/v1/telemetry/summary']) expect(paths).toContain(path);
      expect(paths.some((p) => p.startsWith('/v1/models/{name}/versions/{version}'))).toBe(true);
      expect(openapi.json.paths['/v1/telemetry'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(500);
      expect(openapi.json.paths['/v1/models/{name}/versions/{version}'].put.security).toEqual([{ bearer: [] }]);
    });
  },
  { options: { corsOrigins: [ORIGIN] } },
);

/** Totals a summary over its rows: what the batch's events add up to. */
interface Totals {
  events: number;
  predictions: Record<string, number>;
  signals: Record<string, number[]>;
  latency: number[];
  errors: Record<string, number>;
}

function addInto(target: Record<string, number>, source: Record<string, number>): void {
  for (const [k, v] of Object.entries(source)) target[k] = (target[k] ?? 0) + v;
}

function addBins(target: Record<string, number[]>, key: string, bins: number[]): void {
  const into = (target[key] ??= []);
  bins.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
}

function expectedSummary(events: ReturnType<typeof makeBatch>['events']): Totals {
  const totals: Totals = { events: 0, predictions: {}, signals: {}, latency: [], errors: {} };
  const latency: Record<string, number[]> = {};
  for (const e of events) {
    totals.events++;
    addInto(totals.predictions, e.predictions);
    for (const [k, bins] of Object.entries(e.signals)) addBins(totals.signals, k, bins);
    addBins(latency, e.latencyMs.edges.join(','), e.latencyMs.counts);
    addInto(totals.errors, e.errors);
  }
  totals.latency = latency[LATENCY_EDGES.join(',')] ?? [];
  return totals;
}

/** Reads the summary response (rows per model version and hour) into {@link Totals}. */
function summarise(json: any): Totals {
  const totals: Totals = { events: 0, predictions: {}, signals: {}, latency: [], errors: {} };
  const latency: Record<string, number[]> = {};
  for (const row of json.buckets) {
    totals.events += row.events;
    addInto(totals.predictions, row.predictions ?? {});
    for (const [k, bins] of Object.entries(row.signals ?? {})) addBins(totals.signals, k, bins as number[]);
    for (const h of row.latencyMs ?? []) addBins(latency, h.edges.join(','), h.counts);
    addInto(totals.errors, row.errors ?? {});
  }
  totals.latency = latency[LATENCY_EDGES.join(',')] ?? [];
  return totals;
}
