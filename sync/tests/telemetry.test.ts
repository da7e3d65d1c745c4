/**
 * Telemetry beyond the round trip of routes.test.ts, over SQLite and PostgreSQL: the
 * summary's hourly buckets and time filter, exact sums under concurrent batches,
 * refusals of what the schema does not admit (storing nothing), and the per-token
 * rate limit. Drift events are computed from real digits (the `mnist` package).
 */
import { beforeAll, expect, it } from 'vitest';
import { loadMnist, MNIST_PIXELS } from '../../trainer/data/mnist-node.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type RequestOptions } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { makeBatch, type DriftEvent, type TelemetryBatch } from '../../test-support/sync/telemetry-batch.ts';

const NAME = 'mnist-centroid';

/** The published package's `mean_intensity` bins (test-support/mnist-package.ts): the endpoint takes counts over exactly these. */
const EDGES = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 1];
const mnist = loadMnist();

/**
 * One drift event computed from real digits: the mean-intensity histogram of the first
 * `count` images of `digit` in the `mnist` package, `count` predictions of `digit`, in
 * the hour starting at `windowStart`.
 */
function event(digit: number, count: number, windowStart: string, deviceClass = 'phone-wasm'): DriftEvent {
  const bins = new Array<number>(EDGES.length - 1).fill(0);
  const first = mnist.labels.indexOf(digit);
  for (let i = first; i < first + count; i++) {
    let sum = 0;
    for (let p = 0; p < MNIST_PIXELS; p++) sum += mnist.images[i * MNIST_PIXELS + p];
    bins[Math.max(0, EDGES.findIndex((edge) => sum / MNIST_PIXELS < edge) - 1)]++;
  }
  return {
    type: 'drift',
    model: NAME,
    version: '1.0.0',
    deviceClass,
    windowStart,
    windowEnd: new Date(Date.parse(windowStart) + 3_600_000).toISOString(),
    signals: { mean_intensity: bins },
    predictions: { [String(digit)]: count },
    latencyMs: { edges: [1, 2, 5, 10, 50], counts: [0, count, 0, 0] },
    errors: { INFERENCE_FAILED: 1 },
  };
}

function batchOf(events: unknown[]): TelemetryBatch {
  return { ...makeBatch({ events: 0 }), events: events as DriftEvent[] };
}

describeMatrix('sync telemetry', (t) => {
  const send = (body: unknown, options: RequestOptions = {}) =>
    request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: body, ...options });
  const summary = (query = '', token = t.server.adminToken) => request(t.server.url, `/v1/telemetry/summary${query}`, { token });
  beforeAll(() => publishVersion(t.server, NAME, '1.0.0'), 60_000);

  it('sums events into hourly buckets per model version, and filters the summary by time', async () => {
    const events = [event(3, 20, '2026-11-23T16:00:00Z'), event(7, 10, '2026-11-23T16:00:00Z', 'desktop-webgpu'), event(3, 5, '2026-11-23T18:10:00Z')];
    expect((await send(batchOf(events))).json).toMatchObject({ accepted: 3, duplicate: false });

    const { json } = await summary(`?model=${NAME}&version=1.0.0`);
    expect(json.buckets.map((b: { hour: string; events: number }) => [b.hour, b.events])).toEqual([
      ['2026-11-23T16:00:00.000Z', 2],
      ['2026-11-23T18:00:00.000Z', 1],
    ]);
    const first = json.buckets[0];
    expect(first.predictions).toEqual({ 3: 20, 7: 10 });
    const expectedBins = events[0].signals.mean_intensity.map((n, i) => n + events[1].signals.mean_intensity[i]);
    expect(first.signals.mean_intensity).toEqual(expectedBins);
    expect(expectedBins.reduce((a, b) => a + b, 0)).toBe(30);
    expect(first.latencyMs).toEqual([{ edges: [1, 2, 5, 10, 50], counts: [0, 30, 0, 0] }]);
    expect(first.errors).toEqual({ INFERENCE_FAILED: 2 });
    expect(first.deviceClasses).toEqual({ 'phone-wasm': 1, 'desktop-webgpu': 1 });

    const later = await summary('?from=2026-11-23T17:00:00Z&to=2026-11-24T00:00:00Z');
    expect(later.json.buckets.map((b: { hour: string }) => b.hour)).toEqual(['2026-11-23T18:00:00.000Z']);
  });

  it('sums concurrent batches exactly', async () => {
    const bodies = Array.from({ length: 40 }, () => batchOf(Array.from({ length: 50 }, () => event(1, 2, '2026-11-24T09:00:00Z'))));
    const results = await Promise.all(bodies.map((b) => send(b)));
    expect(results.map((r) => [r.status, r.json?.duplicate])).toEqual(bodies.map(() => [200, false]));
    const { json } = await summary('?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z');
    expect(json.buckets).toHaveLength(1);
    expect(json.buckets[0].events).toBe(2000);
    expect(json.buckets[0].predictions).toEqual({ 1: 4000 });
  });

  it('refuses what the schema does not admit with 4xx JSON errors, storing nothing', async () => {
    const one = () => event(1, 1, '2026-11-25T09:00:00Z');
    const json = { 'content-type': 'application/json' };
    const before = await t.server.counts();
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof send>>>, number, string]> = [
      ['unknown schema', send({ ...batchOf([one()]), schema: 2 }), 400, 'BAD_REQUEST'],
      ['extra key', send({ ...batchOf([one()]), extra: true }), 400, 'BAD_REQUEST'],
      ['extra event key', send(batchOf([{ ...one(), note: 'x' }])), 400, 'BAD_REQUEST'],
      ['501 events', send(batchOf(Array.from({ length: 501 }, () => ({ ...one(), signals: {} })))), 400, 'BAD_REQUEST'],
      ['negative count', send(batchOf([{ ...one(), predictions: { 1: -1 } }])), 400, 'BAD_REQUEST'],
      ['bad latency bins', send(batchOf([{ ...one(), latencyMs: { edges: [1, 2, 3], counts: [1] } }])), 400, 'BAD_REQUEST'],
      ['string count', send(batchOf([{ ...one(), predictions: { 1: '3' } }])), 400, 'BAD_REQUEST'],
      ['too large', send(undefined, { body: JSON.stringify({ ...batchOf([]), deviceId: 'x'.repeat(1_100_000) }), headers: json }), 413, 'PAYLOAD_TOO_LARGE'],
      ['text/plain', send(undefined, { body: JSON.stringify(batchOf([one()])), headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['bad JSON', send(undefined, { body: '{"schema": 1,', headers: json }), 400, 'BAD_REQUEST'],
      ['bad UTF-8', send(undefined, { body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: json }), 400, 'BAD_REQUEST'],
      ['proto key', send(undefined, { body: '{"__proto__": {"x": 1}}', headers: json }), 400, 'BAD_REQUEST'],
    ];
    for (const [name, result, status, code] of cases) {
      const res = await result;
      expect([name, res.status, res.json?.error?.code]).toEqual([name, status, code]);
    }
    expect((await summary('?from=yesterday')).status).toBe(400);
    expect(await t.server.counts()).toEqual(before);
  });
});

describeMatrix(
  'sync rate limits',
  (t) => {
    beforeAll(() => publishVersion(t.server, NAME, '1.0.0'), 60_000);
    it('answers 429 RATE_LIMITED with Retry-After past the per-token limit, and stores only what it accepted', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: makeBatch({ events: 1, seed: i + 1 }) });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.json.error.code).toBe('RATE_LIMITED');
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const { tables } = await t.server.counts();
      const batches = Object.entries(tables).find(([table]) => table.endsWith('telemetry_batches'))?.[1];
      expect(batches).toBe(3);
    });
  },
  { options: { rateLimitPerMinute: 3 } },
);
