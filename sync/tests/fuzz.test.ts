/**
 * A few thousand malformed requests (test-support/sync/fuzz-cases.ts, seeded: a failure
 * names its seed and case) against telemetry, publishing, the registry and the summary,
 * over each store. Each must be refused with a 4xx, never a 5xx; nothing may be stored;
 * the server must still answer afterwards; no response may leak a file from outside
 * the data folder.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { makeFuzzCases, type FuzzCase, type FuzzSeeds } from '../../test-support/sync/fuzz-cases.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';

const NAME = 'mnist-centroid';
/** Cases per store; both stores together send twice this many. */
const CASES = Number(process.env.SYNC_FUZZ_CASES ?? 2500);
const SEED = Number(process.env.SYNC_FUZZ_SEED ?? 20261123);
const CONCURRENCY = 8;

describeMatrix('sync fuzz', (t) => {
  let seeds: FuzzSeeds;
  beforeAll(async () => {
    const v1 = await buildMnistPackage({ name: NAME, version: '1.0.0', signingKey: t.server.publisher });
    const published = await request(t.server.url, `/v1/models/${NAME}/versions/1.0.0`, { method: 'PUT', token: t.server.adminToken, json: publishBody(v1) });
    expect(published.status).toBe(201);
    const v2 = await buildMnistPackage({ name: NAME, version: '2.0.0', signingKey: t.server.publisher, createdAt: '2026-11-22T10:00:00.000Z' });
    seeds = {
      batch: makeBatch({ events: 5, seed: 3 }),
      publish: { name: NAME, version: '2.0.0', body: publishBody(v2) },
      published: { name: NAME, version: '1.0.0', filePath: 'tfjs-fp32/group1-shard1of1.bin' },
    };
  }, 60_000);

  it(`refuses ${CASES} malformed requests with a 4xx, stores nothing and stays up`, async () => {
    const cases = makeFuzzCases(seeds, CASES, SEED + (t.store === 'postgres' ? 1 : 0));
    const before = await t.server.counts();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const send = async (c: FuzzCase, index: number): Promise<void> => {
      const token = c.token === 'admin' ? t.server.adminToken : c.token === 'app' ? t.server.appToken : undefined;
      let res: TestResponse;
      try {
        res = await request(t.server.url, c.path, { method: c.method, token, headers: c.headers, body: c.body, timeoutMs: 15_000 });
      } catch (error) {
        failures.push(`#${index} ${c.what}: no response (${(error as Error).message})`);
        return;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const bad = res.status >= 500 || (c.must4xx && (res.status < 400 || res.status >= 500)) || res.status === 0;
      const leak = /root:.*:0:0:|\[fonts\]|SQLite format 3/.test(res.text);
      if (bad || leak) {
        const body = typeof c.body === 'string' ? c.body : c.body?.toString('latin1');
        failures.push(`#${index} ${c.what}: ${c.method} ${c.path.slice(0, 120)} → ${res.status}${leak ? ' (LEAKED A FILE)' : ''} ${res.text.slice(0, 200)} | body: ${body?.slice(0, 160) ?? ''}`);
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const index = next++;
          await send(cases[index], index);
        }
      }),
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.info(`[fuzz ${t.store}] seed ${SEED}: ${cases.length} requests → ${summary}`);
    expect(failures, `seed ${SEED}; statuses ${summary}`).toEqual([]);
    expect(await t.server.counts()).toEqual(before);
    expect((await request(t.server.url, '/healthz')).status).toBe(200);
    expect((await request(t.server.url, '/readyz')).status).toBe(200);
  }, 120_000);

  it('refuses a publish body over 64 MiB with 413 and stays up', async () => {
    const before = await t.server.counts();
    const body = Buffer.alloc(65 * 1024 * 1024, 0x20);
    body.write('{"manifest":"', 0);
    let res: TestResponse | undefined;
    let failure: Error | undefined;
    try {
      res = await request(t.server.url, `/v1/models/${NAME}/versions/2.0.0`, { method: 'PUT', token: t.server.adminToken, body, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      failure = error as Error;
    }
    // A server may answer 413 and close the connection before reading all 65 MiB; the
    // answer must be 413 whenever one arrives.
    if (res) expect(res.status).toBe(413);
    else expect(failure?.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    expect(await t.server.counts()).toEqual(before);
    expect((await request(t.server.url, '/healthz')).status).toBe(200);
  }, 60_000);
});
