/**
 * The models' audit log, over SQLite and PostgreSQL: an alias move and a retrain job's
 * end are recorded by the endpoint itself (with who did it and what the handler said);
 * `POST …/events` takes a canary decision and refuses anything else without writing;
 * `GET …/events` pages newest first; only admin tokens reach either; `/metrics` counts
 * events by kind and canary decisions by action.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request, type RequestOptions } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { startJobWorker, type JobHandler, type JobWorker } from '../index.ts';

const MODEL = 'events-model';

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A canary decision as loop/canary/canary-check.ts records it. */
const decision = (action: 'promote' | 'rollback' | 'wait') => ({
  kind: 'canary-decision',
  version: '1.1.0',
  details: {
    action,
    acted: action !== 'wait',
    alias: 'production',
    reasons: [`${action}: 4 windows`],
    stable: { version: '1.0.0', windows: 4, driftedWindows: 0, predictions: 800, errors: 0, meanConfidence: 0.91, latencyP95: 5 },
    canary: { version: '1.1.0', windows: 4, driftedWindows: 0, predictions: 800, errors: 2, meanConfidence: null, latencyP95: null },
    rule: { minWindows: 3, maxErrorRateIncrease: 0.01 },
    since: '2026-11-23T16:00:00.000Z',
    deviceClasses: ['phone-wasm'],
  },
});

describeMatrix('model events (audit log)', (t) => {
  const workers: JobWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  const admin = (path: string, options: RequestOptions = {}) => request(t.server.url, path, { token: t.server.adminToken, ...options });
  const events = async (name: string, query = '') => {
    const res = await admin(`/v1/models/${name}/events${query}`);
    expect(res.status, res.text).toBe(200);
    return res.json as { model: string; events: any[]; next: string | null };
  };
  const postEvent = (name: string, json: unknown, options: RequestOptions = {}) => admin(`/v1/models/${name}/events`, { method: 'POST', json, ...options });
  const metric = async (line: string): Promise<number> => {
    const text = (await request(t.server.url, '/metrics')).text;
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    if (found === undefined) throw new Error(`no ${line} in /metrics`);
    return Number(found.slice(line.length + 1));
  };
  const worker = (handler: JobHandler) => {
    const w = startJobWorker(t.server.sync.jobs, { workerId: `events-${workers.length}`, handlers: { retrain: handler }, pollMs: 20, retryDelayMs: 20, onError: () => undefined });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    await publishVersion(t.server, MODEL, '1.0.0');
    await publishVersion(t.server, MODEL, '1.1.0');
  }, 120_000);

  it('records every alias move, with the version, the canary and who moved it (the history\'s `by`)', async () => {
    const moved = await metric('sync_loop_events_total{kind="alias-moved"}');
    const move = (json: unknown) => admin(`/v1/models/${MODEL}/aliases/production`, { method: 'PUT', json });
    expect((await move({ version: '1.0.0', canary: { version: '1.1.0', percent: 25 } })).status).toBe(200);
    expect((await move({ version: '1.0.0' })).status).toBe(200);
    // A refused move (an unpublished version) records nothing.
    expect((await move({ version: '9.9.9' })).status).toBe(404);

    const history = (await admin(`/v1/models/${MODEL}/aliases/production/history`)).json.history;
    const page = await events(MODEL, '?kind=alias-moved');
    expect(page.events).toHaveLength(2);
    expect(page.events[0]).toMatchObject({ model: MODEL, kind: 'alias-moved', version: '1.0.0', by: history[0].by, details: { alias: 'production', version: '1.0.0', canary: null, by: history[0].by } });
    expect(page.events[1]).toMatchObject({ version: '1.0.0', details: { canary: { version: '1.1.0', percent: 25 } } });
    expect(history[0].by).toMatch(/^admin:[0-9a-f]{12}$/);
    expect(page.events.map((e) => e.at)).toEqual(history.map((h: any) => new Date(h.at).toISOString()));
    expect(page.events[0].id).toBeGreaterThan(page.events[1].id);
    expect(await metric('sync_loop_events_total{kind="alias-moved"}')).toBe(moved + 2);
  });

  it('records a retrain job when it finishes — its result, or its error — and not a retried attempt', async () => {
    const gate = { passed: true, parentTest: 0.9, candidateTest: 0.91, parentFeedback: 0.4, candidateFeedback: 0.8, feedbackExamples: 40, reasons: [] };
    const started = await admin(`/v1/models/${MODEL}/retrain`, { method: 'POST', json: { maxAttempts: 2 } });
    expect(started.status).toBe(202);
    const id = started.json.job.id as number;
    let calls = 0;
    worker(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('the trainer ran out of memory'), { code: 'OUT_OF_MEMORY' });
      return { outcome: 'published', parent: '1.0.0', version: '1.1.0', gate };
    });
    await waitFor(() => admin(`/v1/jobs/${id}`), (r) => r.json.job.state === 'succeeded', `job ${id} to succeed`);
    const [finished, ...rest] = (await events(MODEL, '?kind=retrain-finished')).events;
    expect(rest).toEqual([]);
    expect(finished).toMatchObject({
      kind: 'retrain-finished',
      version: '1.1.0',
      by: 'worker:events-0',
      details: { jobId: id, state: 'succeeded', attempts: 2, reason: 'manual', parentVersion: '1.0.0', outcome: 'published', version: '1.1.0', gate, error: null },
    });
    await Promise.all(workers.splice(0).map((w) => w.stop()));

    const failing = await admin(`/v1/models/${MODEL}/retrain`, { method: 'POST', json: { maxAttempts: 1 } });
    worker(async () => {
      throw Object.assign(new Error('no fp32 artifact'), { code: 'PARENT_UNSUPPORTED' });
    });
    await waitFor(() => admin(`/v1/jobs/${failing.json.job.id}`), (r) => r.json.job.state === 'failed', 'the job to fail');
    const latest = (await events(MODEL, '?kind=retrain-finished&limit=1')).events[0];
    expect(latest).toMatchObject({
      version: null,
      details: { jobId: failing.json.job.id, state: 'failed', attempts: 1, outcome: null, version: null, gate: null, error: { code: 'PARENT_UNSUPPORTED', message: 'no fp32 artifact' } },
    });
  });

  it('records a posted canary decision, and refuses anything else without writing a row', async () => {
    const before = await t.server.counts();
    const [promotes, rollbacks, waits, posted] = await Promise.all([
      metric('sync_canary_decisions_total{action="promote"}'),
      metric('sync_canary_decisions_total{action="rollback"}'),
      metric('sync_canary_decisions_total{action="wait"}'),
      metric('sync_loop_events_total{kind="canary-decision"}'),
    ]);
    const good = decision('promote');
    const refusals: [Promise<{ status: number; json: any }>, number, string][] = [
      [postEvent('no-such-model', good), 404, 'NOT_FOUND'],
      [postEvent(MODEL, { ...good, version: '9.9.9' }), 404, 'NOT_FOUND'],
      [postEvent(MODEL, { ...good, kind: 'alias-moved' }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, kind: 'retrain-finished' }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { kind: 'canary-decision' }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, action: 'shrug' } }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, extra: 1 } }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, stable: { ...good.details.stable, windows: -1 } } }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, reasons: ['x'.repeat(1001)] } }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, rule: { nested: { deep: 1 } } } }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, at: '2020-01-01T00:00:00Z' }), 400, 'BAD_REQUEST'],
      [postEvent(MODEL, { ...good, details: { ...good.details, reasons: Array.from({ length: 40 }, () => 'y'.repeat(1000)) } }), 413, 'PAYLOAD_TOO_LARGE'],
      [postEvent(MODEL, undefined, { body: 'action=promote', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [request(t.server.url, `/v1/models/${MODEL}/events`, { method: 'POST', json: good, token: t.server.appToken }), 403, 'FORBIDDEN'],
      [request(t.server.url, `/v1/models/${MODEL}/events`, { method: 'POST', json: good }), 401, 'UNAUTHORIZED'],
      [request(t.server.url, `/v1/models/${MODEL}/events`, { token: t.server.appToken }), 403, 'FORBIDDEN'],
      [request(t.server.url, `/v1/models/${MODEL}/events`), 401, 'UNAUTHORIZED'],
    ];
    for (const [pending, status, code] of refusals) {
      const res = await pending;
      expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
    }
    expect((await postEvent(MODEL, { ...good, version: '9.9.9' })).json.error.field).toBe('version');
    expect(await t.server.counts()).toEqual(before);
    expect(await metric('sync_loop_events_total{kind="canary-decision"}')).toBe(posted);

    const created = await postEvent(MODEL, good);
    expect(created.status, created.text).toBe(201);
    expect(created.json.event).toMatchObject({ model: MODEL, kind: 'canary-decision', version: '1.1.0', details: good.details });
    expect(created.json.event.by).toMatch(/^admin:[0-9a-f]{12}$/);
    expect((await postEvent(MODEL, { kind: 'canary-decision', details: { action: 'rollback' } })).status).toBe(201);
    expect((await postEvent(MODEL, { kind: 'canary-decision', details: { action: 'wait' } })).status).toBe(201);
    const recorded = (await events(MODEL, '?kind=canary-decision')).events;
    expect(recorded.map((e) => [e.details.action, e.version])).toEqual([['wait', null], ['rollback', null], ['promote', '1.1.0']]);
    expect(recorded[2]).toEqual(created.json.event);

    expect(await metric('sync_loop_events_total{kind="canary-decision"}')).toBe(posted + 3);
    expect(await metric('sync_canary_decisions_total{action="promote"}')).toBe(promotes + 1);
    expect(await metric('sync_canary_decisions_total{action="rollback"}')).toBe(rollbacks + 1);
    expect(await metric('sync_canary_decisions_total{action="wait"}')).toBe(waits + 1);
  });

  it('pages a model\'s events newest first, by kind, and refuses bad queries', async () => {
    const name = 'events-paging';
    await publishVersion(t.server, name, '1.0.0');
    for (let i = 0; i < 5; i++) expect((await postEvent(name, { kind: 'canary-decision', details: { action: 'wait', reasons: [`look ${i}`] } })).status).toBe(201);
    await admin(`/v1/models/${name}/aliases/production`, { method: 'PUT', json: { version: '1.0.0' } });

    const all = await events(name);
    expect(all.next).toBeNull();
    expect(all.events.map((e) => e.kind)).toEqual(['alias-moved', ...Array(5).fill('canary-decision')]);
    const ids = all.events.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const seen: number[] = [];
    let query = '?kind=canary-decision&limit=2';
    for (;;) {
      const page = await events(name, query);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.id));
      if (page.next === null) break;
      query = `?kind=canary-decision&limit=2&before=${page.next}`;
    }
    expect(seen).toEqual(ids.slice(1));
    expect((await events(name, `?before=${ids[0]}&limit=1`)).events.map((e) => e.details.reasons)).toEqual([['look 4']]);
    // Another model's events are not in this one's log.
    expect((await events(MODEL)).events.every((e) => e.model === MODEL)).toBe(true);

    for (const [query, status] of [['?limit=0', 400], ['?limit=1001', 400], ['?before=abc', 400], ['?kind=telemetry', 400], ['?after=3', 400]] as const) {
      expect((await admin(`/v1/models/${name}/events${query}`)).status).toBe(status);
    }
    expect((await admin('/v1/models/no-such-model/events')).status).toBe(404);
  });
});
