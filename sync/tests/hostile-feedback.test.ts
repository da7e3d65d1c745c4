/**
 * Hostile feedback (test-support/sync/hostile-feedback-cases.ts), over SQLite and
 * PostgreSQL: every generated case must get exactly its status, error code and field,
 * with a short plain message; no row may change (a resident example stays, nothing is
 * added), `Object.prototype` stays clean and the server keeps answering. Then the
 * controls: a valid batch is stored exactly once (a retry and the same batch under an
 * admin token are duplicates), and 100 copies of one example store one.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { batchOf, digitExample, expectedId, indicesOf, MODEL } from '../../test-support/sync/feedback-examples.ts';
import { controlBatch, good, makeHostileFeedbackCases, type FeedbackCaseRequest } from '../../test-support/sync/hostile-feedback-cases.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { rowsOf, without } from '../../test-support/sync/store-counts.ts';
import type { TestServer } from '../../test-support/sync/test-server.ts';

function send(server: TestServer, r: FeedbackCaseRequest): Promise<TestResponse> {
  const token = r.token === 'app' ? server.appToken : r.token === 'admin' ? server.adminToken : r.token === 'wrong' ? `${server.appToken}x` : undefined;
  return request(server.url, r.path, { method: r.method, token, json: r.json, body: r.body, headers: r.headers, timeoutMs: 60_000 });
}

const post = (server: TestServer, body: unknown, token = server.appToken) => request(server.url, '/v1/feedback', { method: 'POST', token, json: body, timeoutMs: 60_000 });

const CASES = makeHostileFeedbackCases();

describeMatrix('sync hostile feedback', (t) => {
  let resident: string;
  beforeAll(async () => {
    await publishVersion(t.server, MODEL, '1.0.0');
    // One stored example: a refused request that deleted or added rows would change the counts.
    const example = digitExample(indicesOf(1, 1)[0]);
    const res = await post(t.server, batchOf([example]));
    expect(res.status, res.text).toBe(200);
    resident = expectedId(example);
  }, 120_000);

  for (const c of CASES) {
    it(`${c.group}: ${c.what} → ${c.status} ${c.code}${c.field === undefined ? '' : ` naming ${c.field}`}, nothing stored`, async () => {
      const before = await t.server.counts();
      const res = await send(t.server, c.request());
      expect([res.status, res.json?.error?.code, res.json?.error?.field], res.text.slice(0, 400)).toEqual([c.status, c.code, c.field]);
      const message: unknown = res.json.error.message;
      expect(typeof message).toBe('string');
      expect((message as string).length).toBeGreaterThan(15);
      // Plain words: no stack, no object dump, and no large echo of what was sent.
      expect(message).not.toMatch(/\n\s+at |\[object Object\]/);
      expect(res.body.byteLength).toBeLessThan(2048);
      for (const [name, value] of Object.entries(c.headers ?? {})) expect(res.headers[name], name).toBe(value);
      expect(await t.server.counts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it(`after the ${CASES.length} cases the dataset holds only the resident example and the server answers`, async () => {
    const page = await request(t.server.url, `/v1/models/${MODEL}/feedback?limit=1000`, { token: t.server.adminToken });
    expect(page.status, page.text).toBe(200);
    expect(page.json.examples.map((e: { id: string }) => e.id)).toEqual([resident]);
    expect((await request(t.server.url, '/healthz')).status).toBe(200);
    expect((await request(t.server.url, '/readyz')).status).toBe(200);
  });

  it('control: a valid batch is stored exactly once; a retry and the same batch under an admin token are duplicates', async () => {
    const before = await t.server.counts();
    const batch = controlBatch(0, 5);
    const ids = batch.examples.map((e) => expectedId(e));
    const first = await post(t.server, batch);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ stored: 5, duplicates: 0, ids });
    expect((await post(t.server, batch)).json).toEqual({ stored: 0, duplicates: 5, ids });
    expect((await post(t.server, batch, t.server.adminToken)).json).toEqual({ stored: 0, duplicates: 5, ids });
    const after = await t.server.counts();
    expect(rowsOf(after, 'feedback_examples')).toBe(rowsOf(before, 'feedback_examples') + 5);
    expect(without(after, 'feedback_examples')).toEqual(without(before, 'feedback_examples'));
    const page = await request(t.server.url, `/v1/models/${MODEL}/feedback?limit=1000`, { token: t.server.adminToken });
    expect(page.json.examples.map((e: { id: string }) => e.id)).toEqual([resident, ...ids]);
  });

  it('control: 100 copies of one example store one', async () => {
    const before = rowsOf(await t.server.counts(), 'feedback_examples');
    const res = await post(t.server, batchOf(Array.from({ length: 100 }, () => good(50))));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ stored: 1, duplicates: 99 });
    expect(new Set(res.json.ids)).toEqual(new Set([expectedId(good(50))]));
    expect(rowsOf(await t.server.counts(), 'feedback_examples')).toBe(before + 1);
  });
});
