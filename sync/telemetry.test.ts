import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../format/index.ts';
import { resolveSyncConfig } from './config.ts';
import { isSyncError } from './errors.ts';
import { mnistDigits, startTestServer, type TestServer } from './test-server.ts';

const ADMIN = 'admin-token-for-tests-0002';
const APP = 'app-token-for-tests-0002';
const EDGES = [0, 0.05, 0.1, 0.15, 0.2, 1];

let t: TestServer;
let publicKey: string;

/** A drift event computed from real digits: the mean intensity histogram of `count` images of `digit`. */
function driftEvent(digit: number, count: number, windowStart = '2026-11-23T16:00:00Z') {
  const pixels = mnistDigits(digit, count);
  const bins = new Array<number>(EDGES.length - 1).fill(0);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let p = 0; p < 784; p++) sum += pixels[i * 784 + p];
    const mean = sum / 784 / 255;
    bins[Math.max(0, EDGES.findIndex((edge) => mean < edge) - 1)]++;
  }
  return {
    type: 'drift',
    model: 'mnist-centroid',
    version: '1.0.0',
    deviceClass: 'phone-wasm',
    windowStart,
    windowEnd: new Date(Date.parse(windowStart) + 3_600_000).toISOString(),
    signals: { mean_intensity: bins },
    predictions: { [String(digit)]: count },
    latencyMs: { edges: [1, 2, 5, 10, 50], counts: [0, count, 0, 0] },
    errors: { INFERENCE_FAILED: 1 },
  };
}

function batch(events: unknown[], batchId = randomUUID()) {
  return { schema: 1, batchId, deviceId: 'd-123', sentAt: '2026-11-23T17:00:00Z', events };
}

async function send(body: unknown, { token = APP, contentType = 'application/json', raw }: { token?: string; contentType?: string; raw?: BodyInit } = {}) {
  const res = await fetch(`${t.url}/v1/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function summary(query = '', token = ADMIN) {
  const res = await fetch(`${t.url}/v1/telemetry/summary${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  publicKey = (await generateSigningKeyPair()).publicKey;
  t = await startTestServer({ adminTokens: [ADMIN], appTokens: [APP], publisherKeys: [publicKey] });
});

afterAll(async () => {
  await t?.stop();
});

describe('telemetry', () => {
  it('stores a batch once: a retried batchId is acknowledged as a duplicate and not counted again', async () => {
    const events = [driftEvent(3, 20), driftEvent(7, 10), driftEvent(3, 5, '2026-11-23T18:10:00Z')];
    const body = batch(events);
    expect(await send(body)).toEqual({ status: 200, body: { batchId: body.batchId, accepted: 3, duplicate: false } });
    expect(await send(body)).toEqual({ status: 200, body: { batchId: body.batchId, accepted: 3, duplicate: true } });
    expect((await t.server.store.countRows()).telemetry_batches).toBe(1);

    const { body: s } = await summary('?model=mnist-centroid&version=1.0.0');
    expect(s.buckets.map((b: { hour: string; events: number }) => [b.hour, b.events])).toEqual([
      ['2026-11-23T16:00:00.000Z', 2],
      ['2026-11-23T18:00:00.000Z', 1],
    ]);
    const first = s.buckets[0];
    expect(first.predictions).toEqual({ 3: 20, 7: 10 });
    const expectedBins = events[0].signals.mean_intensity.map((n, i) => n + events[1].signals.mean_intensity[i]);
    expect(first.signals.mean_intensity).toEqual(expectedBins);
    expect(expectedBins.reduce((a, b) => a + b, 0)).toBe(30);
    expect(first.latencyMs).toEqual([{ edges: [1, 2, 5, 10, 50], counts: [0, 30, 0, 0] }]);
    expect(first.errors).toEqual({ INFERENCE_FAILED: 2 });
    expect(first.deviceClasses).toEqual({ 'phone-wasm': 2 });

    const { body: later } = await summary('?from=2026-11-23T17:00:00Z');
    expect(later.buckets.map((b: { hour: string }) => b.hour)).toEqual(['2026-11-23T18:00:00.000Z']);
  });

  it('sums concurrent batches exactly', async () => {
    const bodies = Array.from({ length: 40 }, () => batch(Array.from({ length: 50 }, () => driftEvent(1, 2, '2026-11-24T09:00:00Z'))));
    const results = await Promise.all(bodies.map((b) => send(b)));
    expect(results.every((r) => r.status === 200 && r.body.duplicate === false)).toBe(true);
    const { body: s } = await summary('?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z');
    expect(s.buckets).toHaveLength(1);
    expect(s.buckets[0].events).toBe(2000);
    expect(s.buckets[0].predictions).toEqual({ 1: 4000 });
  });

  it('refuses what the schema does not admit with 4xx JSON errors, storing nothing', async () => {
    const before = await t.server.store.countRows();
    const cases: [string, Awaited<ReturnType<typeof send>>, number, string][] = [
      ['unknown schema', await send({ ...batch([driftEvent(1, 1)]), schema: 2 }), 400, 'BAD_REQUEST'],
      ['extra key', await send({ ...batch([driftEvent(1, 1)]), extra: true }), 400, 'BAD_REQUEST'],
      ['extra event key', await send(batch([{ ...driftEvent(1, 1), note: 'x' }])), 400, 'BAD_REQUEST'],
      ['501 events', await send(batch(Array.from({ length: 501 }, () => ({ ...driftEvent(1, 1), signals: {} })))), 400, 'BAD_REQUEST'],
      ['negative count', await send(batch([{ ...driftEvent(1, 1), predictions: { 1: -1 } }])), 400, 'BAD_REQUEST'],
      ['bad latency bins', await send(batch([{ ...driftEvent(1, 1), latencyMs: { edges: [1, 2, 3], counts: [1] } }])), 400, 'BAD_REQUEST'],
      ['string count', await send(batch([{ ...driftEvent(1, 1), predictions: { 1: '3' } }])), 400, 'BAD_REQUEST'],
      ['too large', await send(undefined, { raw: JSON.stringify({ ...batch([]), deviceId: 'x'.repeat(1_100_000) }) }), 413, 'PAYLOAD_TOO_LARGE'],
      ['text/plain', await send(batch([driftEvent(1, 1)]), { contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['bad JSON', await send(undefined, { raw: '{"schema": 1,' }), 400, 'BAD_REQUEST'],
      ['bad UTF-8', await send(undefined, { raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }), 400, 'BAD_REQUEST'],
      ['proto key', await send(undefined, { raw: '{"__proto__": {"x": 1}}' }), 400, 'BAD_REQUEST'],
      ['no token', await send(batch([driftEvent(1, 1)]), { token: '' }), 401, 'UNAUTHORIZED'],
      ['unknown token', await send(batch([driftEvent(1, 1)]), { token: 'nope' }), 401, 'UNAUTHORIZED'],
    ];
    for (const [name, result, status, code] of cases) {
      expect([name, result.status, result.body.error?.code]).toEqual([name, status, code]);
    }
    expect(await t.server.store.countRows()).toEqual(before);
  });

  it('keeps the summary for admins', async () => {
    expect(await summary('', APP)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await summary('', '')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect((await summary('?from=yesterday')).status).toBe(400);
  });
});

describe('rate limits', () => {
  it('answers 429 RATE_LIMITED past the per-token limit', async () => {
    const limited = await startTestServer({ adminTokens: [ADMIN], appTokens: [APP], publisherKeys: [publicKey], rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${limited.url}/v1/telemetry`, {
          method: 'POST',
          headers: { authorization: `Bearer ${APP}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch([driftEvent(2, 1)])),
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect((await res.json()).error.code).toBe('RATE_LIMITED');
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await limited.server.store.countRows()).telemetry_batches).toBe(3);
    } finally {
      await limited.stop();
    }
  });
});

describe('operations', () => {
  it('reports health, readiness, metrics and an OpenAPI document', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready', store: 'sqlite' });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^sync_telemetry_events_total 2003$/m);
    expect(metrics).toMatch(/^sync_http_requests_total\{route="\/v1\/telemetry",status="200"\} \d+$/m);
    expect(metrics).toMatch(/^sync_rejects_total\{code="BAD_REQUEST"\} \d+$/m);
    expect(metrics).toMatch(/^sync_store_seconds_count \d+$/m);
    const openapi = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(openapi.openapi).toBe('3.0.3');
    expect(openapi.paths['/v1/telemetry'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(500);
    expect(openapi.paths['/v1/models/{name}/versions/{version}'].put.security).toEqual([{ bearer: [] }]);
    expect((await fetch(`${t.url}/no/such/route`)).status).toBe(404);
  });
});

describe('configuration', () => {
  it('names what is missing or malformed', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (error) {
        return isSyncError(error) ? `${error.code}: ${error.message}` : String(error);
      }
    };
    expect(codeOf(() => resolveSyncConfig({}, {}))).toMatch(/^CONFIG_INVALID: SYNC_ADMIN_TOKENS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a' }))).toMatch(/^CONFIG_INVALID: SYNC_APP_TOKENS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b' }))).toMatch(/^CONFIG_INVALID: SYNC_PUBLISHER_KEYS is required/);
    expect(codeOf(() => resolveSyncConfig({}, { SYNC_ADMIN_TOKENS: 'a', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: 'abc' }))).toMatch(/32 bytes|base64url/);
    const env = { SYNC_ADMIN_TOKENS: 'a,c', SYNC_APP_TOKENS: 'b', SYNC_PUBLISHER_KEYS: publicKey };
    expect(codeOf(() => resolveSyncConfig({}, { ...env, SYNC_CORS_ORIGINS: '*' }))).toMatch(/"\*" is not allowed/);
    const config = resolveSyncConfig({}, { ...env, DATABASE_URL: 'postgres://u@localhost/db', SYNC_RATE_LIMIT_PER_MINUTE: '50' });
    expect(config).toMatchObject({ adminTokens: ['a', 'c'], store: { databaseUrl: 'postgres://u@localhost/db' }, rateLimitPerMinute: 50, port: 8787 });
    expect(Object.isFrozen(config)).toBe(true);
  });
});
