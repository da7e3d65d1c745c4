/**
 * Hostile telemetry (issue 10), over SQLite and PostgreSQL: every case of
 * hostile/telemetry-cases.ts must get its status and error code, store nothing, and
 * leave a server that still answers `/healthz` and a good batch. Beside the table:
 * keys named like `Object` members are plain keys (also in rows stored before the key
 * rule), the times the one parser accepts, the refusal time of the issue's
 * amplification batch and `/healthz` latency meanwhile, batch ids scoped per token and
 * device, and slow or never-sent requests cut off by the server's timeouts.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import type { TestServer } from '../../test-support/sync/test-server.ts';
import { amplificationBatch, batchOf, HOSTILE_BASELINE, HOSTILE_TELEMETRY_CASES, MODEL, validEvent, VERSION, type CaseRequest } from './hostile/telemetry-cases.ts';

function send(server: TestServer, r: CaseRequest): Promise<TestResponse> {
  const token = r.token === 'app' ? server.appToken : r.token === 'admin' ? server.adminToken : r.token === 'wrong' ? `${server.appToken}x` : undefined;
  return request(server.url, r.path, { method: r.method, token, json: r.json, body: r.body, headers: r.headers });
}

const postBatch = (server: TestServer, body: unknown, token = server.appToken) => request(server.url, '/v1/telemetry', { method: 'POST', token, json: body });
const summaryOf = (server: TestServer, query: string) => request(server.url, `/v1/telemetry/summary${query}`, { token: server.adminToken });

describeMatrix('sync hostile telemetry', (t) => {
  beforeAll(() => publishVersion(t.server, MODEL, VERSION, { baselineSignals: HOSTILE_BASELINE }), 60_000);

  for (const c of HOSTILE_TELEMETRY_CASES) {
    it(`${c.group}: ${c.what} → ${c.status} ${c.code}, nothing stored, still up`, async () => {
      const before = await t.server.counts();
      const res = await send(t.server, c.request());
      expect([res.status, res.json?.error?.code], res.text.slice(0, 300)).toEqual([c.status, c.code]);
      expect(typeof res.json?.error?.message).toBe('string');
      expect(await t.server.counts()).toEqual(before);
      expect((await request(t.server.url, '/healthz')).status).toBe(200);
      const good = await postBatch(t.server, batchOf());
      expect(good.status, good.text).toBe(200);
    });
  }

  it('1: keys named like Object members are plain keys: summed exactly, the summary answers, the global Object untouched', async () => {
    const keys = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const hour = '2026-10-01T05:00:00Z';
    const events = [0, 1].map(() =>
      validEvent({
        windowStart: hour,
        windowEnd: '2026-10-01T06:00:00Z',
        deviceClass: 'constructor',
        signals: Object.fromEntries(keys.map((k, i) => [k, [i, 1]])),
        predictions: Object.fromEntries(keys.map((k, i) => [k, i + 1])),
        errors: { toString: 2, constructor: 1 },
      }),
    );
    const res = await postBatch(t.server, batchOf(events));
    expect(res.status, res.text).toBe(200);
    for (const query of [`?model=${MODEL}`, '', `?from=${hour}&to=2026-10-01T06:00:00Z`]) {
      const summary = await summaryOf(t.server, query);
      expect(summary.status, summary.text).toBe(200);
      const bucket = summary.json.buckets.find((b: { hour: string }) => b.hour === '2026-10-01T05:00:00.000Z');
      expect(bucket.deviceClasses).toEqual({ constructor: 2 });
      expect(bucket.predictions).toEqual(Object.fromEntries(keys.map((k, i) => [k, 2 * (i + 1)])));
      expect(bucket.signals).toEqual(Object.fromEntries(keys.map((k, i) => [k, [2 * i, 2]])));
      expect(bucket.errors).toEqual({ toString: 4, constructor: 2 });
    }
    expect(Object.prototype.hasOwnProperty.call(Object, 0)).toBe(false);
  });

  it('1: rows stored before the key rule (keys like __proto__ and constructor) do not break the summary', async () => {
    const hour = '2020-01-01T00:00:00.000Z';
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const rows = keys.flatMap((key, i) =>
      ['device_class', 'prediction', 'error', 'signal'].map((kind) => [MODEL, VERSION, hour, kind, key, kind === 'signal' ? 1 : 0, i + 1] as const),
    );
    rows.push([MODEL, VERSION, hour, 'events', '', 0, 3]);
    await insertAggregateRows(t.server, rows);
    const summary = await summaryOf(t.server, `?from=${hour}&to=2020-01-01T01:00:00Z`);
    expect(summary.status, summary.text).toBe(200);
    const [bucket] = summary.json.buckets;
    const expected = Object.fromEntries(keys.map((k, i) => [k, i + 1]));
    // JSON.parse keeps "__proto__" as an own key, so toEqual sees every key.
    expect(JSON.parse(JSON.stringify(bucket.predictions))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(Object.keys(bucket.deviceClasses).sort()).toEqual([...keys].sort());
    expect(bucket.errors.constructor).toBe(2);
    expect(bucket.signals.toString).toEqual([0, 3]);
    expect(bucket.events).toBe(3);
    expect(Object.prototype.hasOwnProperty.call(Object, 0)).toBe(false);
  });

  it('2: what the one parser admits is read right: a leap second, ±HH:MM offsets, fractions', async () => {
    const leap = await postBatch(t.server, batchOf([validEvent({ windowStart: '2016-12-31T23:59:60Z', windowEnd: '2017-01-01T00:00:00Z' })]));
    expect(leap.status, leap.text).toBe(200);
    const offset = await postBatch(t.server, batchOf([validEvent({ windowStart: '2016-12-31T10:30:00.123456+05:30', windowEnd: '2016-12-31T11:00:00-00:00' })]));
    expect(offset.status, offset.text).toBe(200);
    const summary = await summaryOf(t.server, `?from=2016-12-31T00:00:00Z&to=${encodeURIComponent('2016-12-31T23:59:60Z')}`);
    expect(summary.status, summary.text).toBe(200);
    // 23:59:60Z reads as 23:59:59.999 (the 23:00 hour); 10:30+05:30 is 05:00 UTC.
    expect(summary.json.buckets.map((b: { hour: string; events: number }) => [b.hour, b.events])).toEqual([
      ['2016-12-31T05:00:00.000Z', 1],
      ['2016-12-31T23:00:00.000Z', 1],
    ]);
    const shifted = await summaryOf(t.server, `?from=${encodeURIComponent('2016-12-31T10:00:00+05:00')}&to=${encodeURIComponent('2016-12-31T11:00:00+05:00')}`);
    expect(shifted.json.buckets.map((b: { hour: string }) => b.hour)).toEqual(['2016-12-31T05:00:00.000Z']);
  });

  it("4: the issue's amplification batch is refused fast, writes nothing, and /healthz keeps answering meanwhile", async () => {
    const body = JSON.stringify(amplificationBatch());
    const before = await t.server.counts();
    const latencies: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const start = performance.now();
        expect((await request(t.server.url, '/healthz')).status).toBe(200);
        latencies.push(performance.now() - start);
      }
    })();
    const start = performance.now();
    const res = await request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, body, headers: { 'content-type': 'application/json' } });
    const refusedMs = performance.now() - start;
    done = true;
    await probe;
    expect([res.status, res.json?.error?.code]).toEqual([400, 'BAD_REQUEST']);
    expect(res.json.error.message).toMatch(/at most 4096/);
    expect(await t.server.counts()).toEqual(before);
    const maxHealthz = Math.max(...latencies);
    console.info(
      `[hostile ${t.store}] amplification batch (${(body.length / 2 ** 20).toFixed(2)} MiB) refused in ${refusedMs.toFixed(0)} ms; /healthz during it: ${latencies.length} probes, max ${maxHealthz.toFixed(1)} ms`,
    );
    expect(refusedMs).toBeLessThan(1500);
    expect(maxHealthz).toBeLessThan(1000);
  });

  it('6: a batch id is scoped to its token and device: others are counted, the same device’s retry is not', async () => {
    const hour = '2026-09-01T00:00:00Z';
    const batchId = 'shared-batch-id-0001';
    const body = (deviceId: string) => batchOf([validEvent({ windowStart: hour, windowEnd: '2026-09-01T01:00:00Z' })], { batchId, deviceId });
    const answers = [
      await postBatch(t.server, body('device-a')),
      await postBatch(t.server, body('device-b')),
      await postBatch(t.server, body('device-a'), t.server.adminToken),
      await postBatch(t.server, body('device-a')),
      await postBatch(t.server, body('device-b')),
    ];
    expect(answers.map((r) => [r.status, r.json?.duplicate])).toEqual([
      [200, false],
      [200, false],
      [200, false],
      [200, true],
      [200, true],
    ]);
    const summary = await summaryOf(t.server, `?from=${hour}&to=2026-09-01T01:00:00Z`);
    expect(summary.json.buckets.map((b: { events: number }) => b.events)).toEqual([3]);
  });
});

/** Writes aggregate rows straight into the store's database, as a server before the key rule could have. */
async function insertAggregateRows(server: TestServer, rows: ReadonlyArray<readonly [string, string, string, string, string, number, number]>): Promise<void> {
  const sql = 'INSERT INTO telemetry_aggregates (model, version, hour, kind, key, bin, count) VALUES';
  if (server.databaseUrl === undefined) {
    const db = new Database(join(server.dataDir, 'sync.db'));
    try {
      db.pragma('busy_timeout = 5000');
      const insert = db.prepare(`${sql} (?, ?, ?, ?, ?, ?, ?)`);
      db.transaction(() => rows.forEach((r) => insert.run(...r)))();
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    for (const r of rows) await client.query(`${sql} ($1, $2, $3, $4, $5, $6, $7)`, [...r]);
  } finally {
    await client.end();
  }
}

/** What a raw socket saw before the server closed it. */
interface RawOutcome {
  /** Milliseconds from connect to close. */
  closedAfterMs: number;
  received: string;
}

/**
 * Opens a raw TCP connection, writes `head`, then one byte of `trickle` every
 * `everyMs` (or nothing), and resolves when the server closes the socket.
 * Rejects when it is still open after `giveUpMs`.
 */
function rawRequest(url: string, head: string, options: { trickle?: string; everyMs?: number; giveUpMs: number }): Promise<RawOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    let trickler: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(trickler);
      socket.destroy();
      reject(new Error(`the server still held the socket after ${options.giveUpMs} ms (received: ${received.slice(0, 200)})`));
    }, options.giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      const { trickle } = options;
      if (trickle !== undefined) {
        trickler = setInterval(() => {
          if (sent < trickle.length && socket.writable) socket.write(trickle[sent++]);
        }, options.everyMs ?? 100);
      }
    });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset is one way of being cut off
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(trickler);
      resolve({ closedAfterMs: performance.now() - start, received });
    });
  });
}

const TIMEOUTS = { headersMs: 500, requestMs: 1000, idleMs: 3000, keepAliveMs: 500 };

describeMatrix(
  'sync slow clients',
  (t) => {
    const host = () => new URL(t.server.url).host;
    const telemetryHead = (length: number, token = t.server.appToken) =>
      `POST /v1/telemetry HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const body = JSON.stringify(batchOf([validEvent({ model: MODEL })]));

    const cases = [
      { what: 'a telemetry body trickled a byte every 200 ms', head: () => telemetryHead(body.length), trickle: body, everyMs: 200 },
      { what: 'a telemetry body announced and never sent', head: () => telemetryHead(1_000_000) },
      {
        what: 'an unauthenticated publish of 1,000,000 bytes, trickled after its 401',
        head: () => `PUT /v1/models/${MODEL}/versions/2.0.0 HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
        trickle: 'x'.repeat(100),
        everyMs: 200,
      },
      { what: 'headers trickled a byte every 100 ms (slowloris)', head: () => 'POST /v1/telemetry HTTP/1.1\r\n', trickle: `Host: ${'x'.repeat(200)}`, everyMs: 100 },
      { what: 'a connection that sends nothing', head: () => '' },
    ];
    for (const c of cases) {
      it(`5: cuts off ${c.what} (request timeout ${TIMEOUTS.requestMs} ms), stores nothing, stays up`, async () => {
        const before = await t.server.counts();
        const outcome = await rawRequest(t.server.url, c.head(), { trickle: c.trickle, everyMs: c.everyMs, giveUpMs: 6000 });
        // Node checks the timeouts every connectionsCheckingInterval (here 125 ms).
        expect(outcome.closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + 2000);
        expect(outcome.received).not.toMatch(/^HTTP\/1\.1 200/);
        expect(await t.server.counts()).toEqual(before);
        expect((await request(t.server.url, '/healthz')).status).toBe(200);
      });
    }

    it('5: a request sent at once still goes through under these timeouts', async () => {
      await publishVersion(t.server, MODEL, VERSION, { baselineSignals: HOSTILE_BASELINE });
      const res = await postBatch(t.server, JSON.parse(body));
      expect(res.status, res.text).toBe(200);
    }, 60_000);
  },
  { options: { timeouts: TIMEOUTS } },
);
