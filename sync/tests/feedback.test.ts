/**
 * Feedback (`POST /v1/feedback`, the admin dataset routes), over SQLite and PostgreSQL:
 * labelled examples made from real digits (the `mnist` package) are stored once each
 * (across retries, installs and versions), every malformed or inconsistent batch is
 * refused with its code and the field it names and stores nothing (every table counted
 * before and after), the per-model cap refuses a whole batch (also under concurrent
 * batches), and admins page through a dataset in a stable order and clear it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackExample } from '../../format/index.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type RequestOptions, type TestResponse } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import type { TestServer } from '../../test-support/sync/test-server.ts';
import { batchOf, digitBytes, digitExample, expectedId, indicesOf, MODEL } from '../../test-support/sync/feedback-examples.ts';

const post = (server: TestServer, body: unknown, options: RequestOptions = {}) =>
  request(server.url, '/v1/feedback', { method: 'POST', token: server.appToken, json: body, timeoutMs: 60_000, ...options });
const dataset = (server: TestServer, query = '', token = server.adminToken) => request(server.url, `/v1/models/${MODEL}/feedback${query}`, { token });
const clear = (server: TestServer, query = '', token = server.adminToken) => request(server.url, `/v1/models/${MODEL}/feedback${query}`, { method: 'DELETE', token });
const feedbackRows = async (server: TestServer): Promise<number> => {
  const { tables } = await server.counts();
  return Object.entries(tables).find(([table]) => table.endsWith('feedback_examples'))?.[1] ?? 0;
};
const metric = async (server: TestServer, result: string): Promise<number> => {
  const { text } = await request(server.url, '/metrics');
  return Number(new RegExp(`^sync_feedback_examples_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1]);
};
const expectError = (res: TestResponse, status: number, code: string, field?: string) => {
  expect([res.status, res.json?.error?.code, res.json?.error?.field], res.text.slice(0, 400)).toEqual([status, code, field]);
  expect(typeof res.json?.error?.message).toBe('string');
};

describeMatrix('sync feedback', (t) => {
  beforeAll(async () => {
    await publishVersion(t.server, MODEL, '1.0.0');
    await publishVersion(t.server, MODEL, '1.1.0');
  }, 120_000);

  describe('storing', () => {
    it('stores labelled examples (uint8 pixels and float32 tensors) and answers their content ids; the admin reads them back byte for byte', async () => {
      const examples = [
        digitExample(indicesOf(3, 1)[0], { predicted: '5' }),
        digitExample(indicesOf(7, 1)[0]),
        digitExample(indicesOf(0, 1)[0], { dtype: 'float32', predicted: '6', createdAt: '2026-11-23T16:30:00.123456Z' }),
      ];
      const res = await post(t.server, batchOf(examples));
      expect(res.status, res.text).toBe(200);
      expect(res.json).toEqual({ stored: 3, duplicates: 0, ids: examples.map((e) => expectedId(e)) });

      const page = await dataset(t.server);
      expect(page.status, page.text).toBe(200);
      expect(page.json.count).toBe(3);
      expect(page.json.next).toBeNull();
      expect(page.json.examples.map((e: { id: string }) => e.id)).toEqual(res.json.ids);
      const [first, , third] = page.json.examples;
      expect(first).toMatchObject({ version: '1.0.0', label: '3', predicted: '5', dtype: 'uint8', shape: [1, 784], data: examples[0].input.data, createdAt: '2026-11-23T16:00:00.000Z', installId: 'install-a' });
      expect(page.json.examples[1].predicted).toBeNull();
      expect(third).toMatchObject({ label: '0', dtype: 'float32', createdAt: '2026-11-23T16:30:00.123Z' });
      expect(Buffer.from(third.data, 'base64').equals(digitBytes(indicesOf(0, 1)[0], 'float32').bytes)).toBe(true);
      expect(Date.parse(first.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await metric(t.server, 'stored')).toBe(3);
    });

    it('stores an example once: a retried batch, another install, another version and a repeat within one batch are duplicates', async () => {
      const examples = indicesOf(4, 4).map((i) => digitExample(i));
      const first = await post(t.server, batchOf(examples));
      expect(first.json).toMatchObject({ stored: 4, duplicates: 0 });
      const rows = await feedbackRows(t.server);
      const before = await metric(t.server, 'duplicate');

      const retry = await post(t.server, batchOf(examples));
      expect(retry.json).toEqual({ stored: 0, duplicates: 4, ids: first.json.ids });
      const otherInstall = await post(t.server, batchOf(examples.slice(0, 2), { installId: 'install-b', version: '1.1.0' }));
      expect(otherInstall.json).toMatchObject({ stored: 0, duplicates: 2 });
      const fresh = digitExample(indicesOf(4, 1, 4)[0]);
      const repeated = await post(t.server, batchOf([fresh, examples[0], fresh]));
      expect(repeated.json).toEqual({ stored: 1, duplicates: 2, ids: [expectedId(fresh), first.json.ids[0], expectedId(fresh)] });
      // The same pixels with another label (or as another dtype) are another example.
      const relabelled = await post(t.server, batchOf([{ ...examples[1], label: '9' }]));
      expect(relabelled.json).toMatchObject({ stored: 1, duplicates: 0 });

      expect(await feedbackRows(t.server)).toBe(rows + 2);
      expect(await metric(t.server, 'duplicate')).toBe(before + 8);
    });

    it('stores concurrent overlapping batches exactly once per distinct example', async () => {
      const pool = indicesOf(2, 30).map((i) => digitExample(i));
      const batches = Array.from({ length: 16 }, (_, b) => batchOf(Array.from({ length: 10 }, (_, k) => pool[(b * 7 + k * 3) % pool.length]), { installId: `install-${b}` }));
      const distinct = new Set(batches.flatMap((b) => b.examples.map((e) => expectedId(e))));
      const rows = await feedbackRows(t.server);
      const results = await Promise.all(batches.map((b) => post(t.server, b)));
      expect(results.map((r) => r.status)).toEqual(batches.map(() => 200));
      expect(results.reduce((sum, r) => sum + r.json.stored, 0)).toBe(distinct.size);
      expect(results.reduce((sum, r) => sum + r.json.duplicates, 0)).toBe(160 - distinct.size);
      expect(await feedbackRows(t.server)).toBe(rows + distinct.size);
    });
  });

  describe('refusing', () => {
    const good = () => digitExample(indicesOf(5, 1)[0]);
    const json = { 'content-type': 'application/json' };
    /** A malformed example, sent as written. */
    const loose = (example: object) => example as FeedbackExample;
    const withInput = (input: Record<string, unknown>) => loose({ ...good(), input: { ...good().input, ...input } });
    const uint8 = (n: number) => Buffer.alloc(n, 7).toString('base64');
    const float32 = (values: number[]) => {
      const bytes = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
      return bytes.toString('base64');
    };
    const nanInput = () => {
      const values = new Array<number>(784).fill(0.5);
      values[300] = Number.NaN;
      return { shape: [1, 784], dtype: 'float32', data: float32(values) };
    };

    /** [what, body (a valid first example, then the bad one, so a partial write would show), status, code, field]. */
    const cases: Array<[string, () => unknown, number, string, string | undefined]> = [
      ['unknown schema version', () => ({ ...batchOf([good()]), schema: 2 }), 400, 'BAD_REQUEST', undefined],
      ['an unknown key', () => ({ ...batchOf([good()]), consent: true }), 400, 'BAD_REQUEST', undefined],
      ['an unknown example key', () => batchOf([good(), loose({ ...good(), userId: 'u1' })]), 400, 'BAD_REQUEST', undefined],
      ['no examples', () => batchOf([]), 400, 'BAD_REQUEST', undefined],
      ['101 examples', () => batchOf(indicesOf(6, 101).map((i) => digitExample(i))), 400, 'BAD_REQUEST', undefined],
      ['a missing label', () => batchOf([good(), loose({ input: good().input, createdAt: good().createdAt })]), 400, 'BAD_REQUEST', undefined],
      ['an int32 dtype', () => batchOf([good(), withInput({ dtype: 'int32' })]), 400, 'BAD_REQUEST', undefined],
      ['a zero dimension', () => batchOf([good(), withInput({ shape: [0, 784] })]), 400, 'BAD_REQUEST', undefined],
      ['a createdAt without offset', () => batchOf([good(), { ...good(), createdAt: '2026-11-23T17:00:00' }]), 400, 'BAD_REQUEST', undefined],
      ['an installId with a space', () => batchOf([good()], { installId: 'install a' }), 400, 'BAD_REQUEST', undefined],
      ['a model name with capitals', () => batchOf([good()], { model: 'MNIST' }), 400, 'BAD_REQUEST', undefined],
      ['base64url data', () => batchOf([good(), withInput({ data: uint8(784).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') })]), 400, 'BAD_REQUEST', 'examples[1].input.data'],
      ['data with a line break', () => batchOf([good(), withInput({ data: `${uint8(300)}\n${uint8(484)}` })]), 400, 'BAD_REQUEST', 'examples[1].input.data'],
      ['an input over 256 KiB', () => batchOf([good(), withInput({ data: uint8(270_000) })]), 413, 'PAYLOAD_TOO_LARGE', 'examples[1].input.data'],
      ['an unpublished version', () => batchOf([good()], { version: '9.9.9' }), 404, 'NOT_FOUND', 'version'],
      ['an unpublished model', () => batchOf([good()], { model: 'no-such-model' }), 404, 'NOT_FOUND', 'model'],
      ['a label the manifest does not have', () => batchOf([good(), { ...good(), label: 'ten' }]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].label'],
      ['a label with a blank', () => batchOf([good(), { ...good(), label: ' 5' }]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].label'],
      ['a predicted label the manifest does not have', () => batchOf([good(), { ...good(), predicted: '10' }]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].predicted'],
      ['no batch dimension', () => batchOf([good(), withInput({ shape: [784] })]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.shape'],
      ['a batch of two', () => batchOf([good(), withInput({ shape: [2, 784], data: uint8(1568) })]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.shape'],
      ['an image shape for a flat input', () => batchOf([good(), withInput({ shape: [1, 28, 28, 1] })]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.shape'],
      ['783 bytes for 784 uint8 values', () => batchOf([good(), withInput({ data: uint8(783) })]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.data'],
      ['784 bytes for 784 float32 values', () => batchOf([good(), withInput({ dtype: 'float32' })]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.data'],
      ['a NaN in a float32 input', () => batchOf([good(), withInput(nanInput())]), 422, 'FEEDBACK_INCONSISTENT', 'examples[1].input.data'],
    ];

    for (const [what, body, status, code, field] of cases) {
      it(`${what} → ${status} ${code}${field ? ` naming ${field}` : ''}, nothing stored`, async () => {
        const before = await t.server.counts();
        const refused = await metric(t.server, 'refused');
        const sent = body() as { examples?: unknown[] };
        expectError(await post(t.server, sent), status, code, field);
        expect(await t.server.counts()).toEqual(before);
        expect(await metric(t.server, 'refused')).toBe(refused + (Array.isArray(sent.examples) ? sent.examples.length : 0));
      });
    }

    it('refuses a body over 4 MiB (413), another content type (415) and broken JSON (400), storing nothing', async () => {
      const before = await t.server.counts();
      const huge = batchOf(Array.from({ length: 14 }, () => withInput({ data: uint8(260_000) })));
      expectError(await post(t.server, huge), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await post(t.server, undefined, { body: JSON.stringify(batchOf([good()])), headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await post(t.server, undefined, { body: '{"schema":1,"examples":[', headers: json }), 400, 'BAD_REQUEST');
      expect(await t.server.counts()).toEqual(before);
      // The same example, well formed, is taken: the refusals were about the requests.
      expect((await post(t.server, batchOf([good()]))).status).toBe(200);
    });

    it('needs a token: none or an unknown one → 401; an app token on the admin routes → 403; nothing stored or deleted', async () => {
      const rows = await feedbackRows(t.server);
      expect(rows).toBeGreaterThan(0);
      const before = await t.server.counts();
      const batch = batchOf([digitExample(indicesOf(8, 1)[0])]);
      expectError(await post(t.server, batch, { token: undefined }), 401, 'UNAUTHORIZED');
      expectError(await post(t.server, batch, { token: `${t.server.appToken}x` }), 401, 'UNAUTHORIZED');
      for (const token of [undefined, 'wrong']) {
        expectError(await request(t.server.url, `/v1/models/${MODEL}/feedback`, { token }), 401, 'UNAUTHORIZED');
        expectError(await request(t.server.url, `/v1/models/${MODEL}/feedback`, { method: 'DELETE', token }), 401, 'UNAUTHORIZED');
      }
      expectError(await dataset(t.server, '', t.server.appToken), 403, 'FORBIDDEN');
      expectError(await clear(t.server, '', t.server.appToken), 403, 'FORBIDDEN');
      expect(await t.server.counts()).toEqual(before);
      // An admin token may send feedback too, as it may send telemetry.
      expect((await post(t.server, batch, { token: t.server.adminToken })).json).toMatchObject({ stored: 1 });
    });
  });

  describe('reading and clearing', () => {
    it('pages through the dataset in the order it was stored, each example once, with the count of the whole filter', async () => {
      const sent = indicesOf(9, 25).map((i) => digitExample(i));
      expect((await post(t.server, batchOf(sent, { version: '1.1.0', installId: 'install-pages' }))).json).toMatchObject({ stored: 25 });
      const everything = await dataset(t.server, '?limit=1000');
      const total = everything.json.count;
      expect(everything.json.examples).toHaveLength(total);
      expect(everything.json.next).toBeNull();

      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: TestResponse = await dataset(t.server, `?limit=7${after === null ? '' : `&after=${after}`}`);
        expect(page.status, page.text).toBe(200);
        expect(page.json.count).toBe(total);
        expect(page.json.examples.length).toBeLessThanOrEqual(7);
        seen.push(...page.json.examples.map((e: { id: string }) => e.id));
        after = page.json.next;
        pages++;
      } while (after !== null);
      expect(pages).toBe(Math.ceil(total / 7));
      expect(seen).toEqual(everything.json.examples.map((e: { id: string }) => e.id));
      expect(new Set(seen).size).toBe(total);

      const ofVersion = await dataset(t.server, '?version=1.1.0&limit=10');
      expect(ofVersion.json.count).toBe(25);
      expect(ofVersion.json.examples.map((e: { id: string }) => e.id)).toEqual(sent.slice(0, 10).map((e) => expectedId(e)));
      expect((await dataset(t.server, '?installId=install-pages')).json.count).toBe(25);
      expect((await dataset(t.server, '?after=999999999999999')).json).toEqual({ model: MODEL, count: total, next: null, examples: [] });
    });

    it('refuses a malformed page request (400) and a model that is not published (404)', async () => {
      for (const query of ['?limit=0', '?limit=1001', '?after=abc', '?after=-1', '?version=1.0', '?other=1']) {
        expectError(await dataset(t.server, query), 400, 'BAD_REQUEST');
      }
      expectError(await request(t.server.url, '/v1/models/no-such-model/feedback', { token: t.server.adminToken }), 404, 'NOT_FOUND');
      expectError(await request(t.server.url, '/v1/models/no-such-model/feedback', { method: 'DELETE', token: t.server.adminToken }), 404, 'NOT_FOUND');
    });

    it("clears one install's examples, one version's, then the rest; a cleared example is taken again", async () => {
      const total = (await dataset(t.server)).json.count;
      const ofInstall = await clear(t.server, '?installId=install-pages');
      expect(ofInstall.json).toEqual({ deleted: 25 });
      const ofVersion = (await dataset(t.server, '?version=1.1.0')).json.count;
      expect((await clear(t.server, '?version=1.1.0')).json).toEqual({ deleted: ofVersion });
      expect((await clear(t.server)).json).toEqual({ deleted: total - 25 - ofVersion });
      expect((await dataset(t.server)).json).toMatchObject({ count: 0, examples: [], next: null });
      expect(await feedbackRows(t.server)).toBe(0);

      const again = digitExample(indicesOf(3, 1)[0], { predicted: '5' });
      expect((await post(t.server, batchOf([again]))).json).toMatchObject({ stored: 1, duplicates: 0 });
    });
  });

  it('lists the routes in the OpenAPI document with their limits', async () => {
    const { json } = await request(t.server.url, '/openapi.json');
    expect(json.paths['/v1/feedback'].post.requestBody.content['application/json'].schema.properties.examples.maxItems).toBe(100);
    expect(Object.keys(json.paths['/v1/models/{name}/feedback']).sort()).toEqual(['delete', 'get']);
  });
});

describeMatrix(
  'sync feedback cap',
  (t) => {
    beforeAll(() => publishVersion(t.server, MODEL, '1.0.0'), 60_000);
    const examples = indicesOf(1, 40).map((i) => digitExample(i));

    it('refuses a whole batch that would take the dataset past its cap (409 FEEDBACK_FULL); duplicates need no room', async () => {
      expect((await post(t.server, batchOf(examples.slice(0, 6)))).json).toMatchObject({ stored: 6 });
      const before = await t.server.counts();
      expectError(await post(t.server, batchOf(examples.slice(6, 11))), 409, 'FEEDBACK_FULL', 'examples');
      expect(await t.server.counts()).toEqual(before);
      // Four new ones fit exactly; a retry of stored ones is acknowledged even when full.
      expect((await post(t.server, batchOf(examples.slice(6, 10)))).json).toMatchObject({ stored: 4, duplicates: 0 });
      expect((await post(t.server, batchOf(examples.slice(0, 6)))).json).toMatchObject({ stored: 0, duplicates: 6 });
      expectError(await post(t.server, batchOf([examples[0], examples[10]])), 409, 'FEEDBACK_FULL', 'examples');
      expect((await dataset(t.server)).json.count).toBe(10);
    });

    it('lets exactly the cap in when batches race for the last places', async () => {
      expect((await clear(t.server)).status).toBe(200);
      expect((await post(t.server, batchOf(examples.slice(0, 4)))).json).toMatchObject({ stored: 4 });
      const racing = await Promise.all(examples.slice(10, 40).map((e) => post(t.server, batchOf([e]))));
      const statuses = racing.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(6);
      expect(statuses.filter((s) => s === 409)).toHaveLength(24);
      expect((await dataset(t.server)).json.count).toBe(10);
      expect(await feedbackRows(t.server)).toBe(10);
    });
  },
  { options: { feedbackMaxExamplesPerModel: 10 } },
);
