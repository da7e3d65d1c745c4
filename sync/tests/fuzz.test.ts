/**
 * A few thousand malformed requests (test-support/sync/fuzz-cases.ts, seeded: a failure
 * names its seed and case) against telemetry, publishing, the registry and the summary,
 * over each store. Each must be refused with a 4xx, never a 5xx; nothing may be stored;
 * the server must still answer afterwards; no response may leak a file from outside
 * the data folder. Then random mutations of valid feedback batches
 * (test-support/sync/feedback-fuzz-cases.ts), some of which stay valid: never a 5xx, and
 * each batch stored whole (every example, as the ids it was answered) or not at all.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { makeFuzzCases, type FuzzCase, type FuzzSeeds } from '../../test-support/sync/fuzz-cases.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';
import { expectedId } from '../../test-support/sync/feedback-examples.ts';
import { makeFeedbackFuzzCases, type FeedbackFuzzCase } from '../../test-support/sync/feedback-fuzz-cases.ts';
import { rowsOf, without } from '../../test-support/sync/store-counts.ts';
import type { FeedbackExample } from '../../format/index.ts';

const NAME = 'mnist-centroid';
/** Cases per store; both stores together send twice this many. */
const CASES = Number(process.env.SYNC_FUZZ_CASES ?? 2500);
const SEED = Number(process.env.SYNC_FUZZ_SEED ?? 20261123);
const CONCURRENCY = 8;
/** Feedback mutations per store. */
const FEEDBACK_CASES = Number(process.env.SYNC_FUZZ_FEEDBACK_CASES ?? 600);

/** Runs `send` over `items`, `CONCURRENCY` at a time. */
async function volley<T>(items: readonly T[], send: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        await send(items[index], index);
      }
    }),
  );
}

/**
 * The content ids of the examples a feedback body carries, as a device would compute
 * them (`null` for an example too broken to have one), or `undefined` when the body is
 * not a JSON object with an `examples` array.
 */
function sentIds(body: string | Buffer): Array<string | null> | undefined {
  let parsed: { model?: unknown; examples?: unknown };
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined; // not JSON: the endpoint must refuse it, and there is nothing to look for
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.examples)) return undefined;
  const model = typeof parsed.model === 'string' ? parsed.model : '';
  return parsed.examples.map((e: Partial<FeedbackExample> | null) =>
    typeof e?.label === 'string' && typeof e.input?.data === 'string' && Array.isArray(e.input.shape) ? expectedId(e as FeedbackExample, model) : null,
  );
}

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
    await volley(cases, send);
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
  it(`sends ${FEEDBACK_CASES} random mutations of valid feedback batches: never a 5xx, each batch stored whole or not at all, and stays up`, async () => {
    const cases = makeFeedbackFuzzCases(FEEDBACK_CASES, SEED + (t.store === 'postgres' ? 1 : 0));
    const before = await t.server.counts();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    /** Ids of the examples of accepted batches, and of refused ones. */
    const accepted = new Set<string>();
    const refused = new Set<string>();
    let stored = 0;
    const send = async (c: FeedbackFuzzCase, index: number): Promise<void> => {
      const context = () => `#${index} ${c.what}`;
      let res: TestResponse;
      try {
        res = await request(t.server.url, '/v1/feedback', { method: 'POST', token: t.server.appToken, headers: c.headers, body: c.body, timeoutMs: 30_000 });
      } catch (error) {
        failures.push(`${context()}: no response (${(error as Error).message})`);
        return;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const ids = sentIds(c.body);
      if (res.status === 200) {
        const answer = res.json as { stored: number; duplicates: number; ids: string[] };
        // Accepted: every example answered, in order, with the id the device computes.
        if (ids === undefined || answer.stored + answer.duplicates !== ids.length || JSON.stringify(answer.ids) !== JSON.stringify(ids)) {
          failures.push(`${context()}: 200 ${res.text.slice(0, 200)} for ${ids?.length ?? 'no'} examples`);
          return;
        }
        stored += answer.stored;
        answer.ids.forEach((id) => accepted.add(id));
      } else if (res.status >= 400 && res.status < 500 && typeof res.json?.error?.code === 'string' && typeof res.json.error.message === 'string') {
        ids?.forEach((id) => id !== null && refused.add(id));
      } else {
        failures.push(`${context()}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    };
    await volley(cases, send);
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.info(`[fuzz ${t.store}] feedback seed ${SEED}: ${cases.length} requests → ${summary}; ${stored} examples stored`);
    expect(failures, `seed ${SEED}; statuses ${summary}`).toEqual([]);

    // All or nothing: the rows added are exactly the examples answered as stored; every
    // accepted example is in the dataset; no example only a refused batch carried is.
    const after = await t.server.counts();
    expect(rowsOf(after, 'feedback_examples')).toBe(rowsOf(before, 'feedback_examples') + stored);
    expect(without(after, 'feedback_examples')).toEqual(without(before, 'feedback_examples'));
    const dataset = new Set<string>();
    let next: string | null = null;
    do {
      const page: TestResponse = await request(t.server.url, `/v1/models/${NAME}/feedback?limit=1000${next === null ? '' : `&after=${next}`}`, { token: t.server.adminToken });
      expect(page.status, page.text.slice(0, 200)).toBe(200);
      page.json.examples.forEach((e: { id: string }) => dataset.add(e.id));
      next = page.json.next;
    } while (next !== null);
    expect([...accepted].filter((id) => !dataset.has(id))).toEqual([]);
    expect([...refused].filter((id) => !accepted.has(id) && dataset.has(id))).toEqual([]);
    const metrics = await request(t.server.url, '/metrics');
    expect(Number(/^sync_feedback_examples_total\{result="stored"\} (\d+)/m.exec(metrics.text)?.[1])).toBe(stored);
    expect((await request(t.server.url, '/healthz')).status).toBe(200);
    expect((await request(t.server.url, '/readyz')).status).toBe(200);
  }, 180_000);
});
