/**
 * Drift at the endpoint, over SQLite and PostgreSQL: windows judged against the
 * version's baseline, the report of a range, alerts with hysteresis delivered once per
 * state change to a signed webhook (a real receiver on a loopback port), and the
 * refusals of counts the baseline contradicts (nothing stored).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BaselineSignal, DriftEvent } from '../../format/index.ts';
import { buildMnistPackage } from '../../test-support/mnist-package.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { windowEvent } from '../../test-support/sync/drift-events.ts';
import { request } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/sync/webhook-receiver.ts';

const NAME = 'mnist-centroid';
const SECRET = 'test-webhook-secret-0123456789';
let baseline: BaselineSignal[];
/** The current suite's receiver (each store's suite starts its own). */
let receiver: WebhookReceiver;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  baseline = (await buildMnistPackage()).manifest.baseline!.signals;
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

const minute = (i: number) => new Date(Date.UTC(2026, 10, 30, 12, i)).toISOString();

describeMatrix(
  'drift and alerts',
  (t) => {
    let version = 0;
    /** A fresh published version per test, so streams do not mix. */
    async function publish(): Promise<string> {
      const v = `1.${version++}.0`;
      await publishVersion(t.server, NAME, v);
      return v;
    }
    const send = (events: DriftEvent[], batchId = randomUUID()) =>
      request(t.server.url, '/v1/telemetry', { method: 'POST', token: t.server.appToken, json: { schema: 1, batchId, deviceId: 'device-1', sentAt: new Date().toISOString(), events } });
    const windows = (v: string, spec: { n: number; drifted: boolean }[], start = 0, deviceClass?: string) =>
      spec.map((s, i) => windowEvent({ model: NAME, version: v, baseline, ...s, windowStart: minute(start + i), deviceClass, seed: start + i + 1 }));
    const alerts = async (v: string) => (await request(t.server.url, `/v1/alerts?model=${NAME}&version=${v}`, { token: t.server.adminToken })).json.alerts as any[];
    async function waitForAlerts(v: string, n: number): Promise<any[]> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const list = await alerts(v);
        if (list.length >= n || Date.now() > deadline) return list;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const report = async (v: string, query = `from=${minute(0)}&to=${minute(60)}`) =>
      request(t.server.url, `/v1/models/${NAME}/versions/${v}/drift?${query}`, { token: t.server.adminToken });

    it('judges each window, raises one alert after two drifted windows in a row, and signs the webhook', async () => {
      const v = await publish();
      const ok = { n: 500, drifted: false };
      const bad = { n: 500, drifted: true };
      // ok, drift, ok (a run of one: no alert), then drift, drift (alert), drift (still one alert).
      expect((await send(windows(v, [ok, bad, ok], 0))).status).toBe(200);
      expect((await send(windows(v, [bad, bad, bad], 3))).status).toBe(200);
      const list = await waitForAlerts(v, 1);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ model: NAME, version: v, deviceClass: 'phone-wasm', state: 'drift', previous: 'ok', windows: 2 });
      expect(list[0].driftedSignals.length).toBeGreaterThan(0);

      const [hook] = await receiver.waitForAccepted(1);
      const body = JSON.parse(hook!.body);
      expect(body).toMatchObject({ type: 'drift.alert', alert: { id: list[0].id, state: 'drift', version: v } });
      const timestamp = hook!.headers['x-edgeloop-timestamp'] as string;
      expect(hook!.headers['x-edgeloop-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${hook!.body}`).digest('hex')}`);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.accepted().filter((h) => JSON.parse(h.body).alert.version === v)).toHaveLength(1);

      const res = await report(v);
      expect(res.status).toBe(200);
      expect(res.json.windows).toEqual({ total: 6, drift: 4, ok: 2, insufficientData: 0 });
      expect(res.json.series.map((w: any) => w.status)).toEqual(['ok', 'drift', 'ok', 'drift', 'drift', 'drift']);
      const intensity = res.json.signals.find((s: any) => s.name === 'mean_intensity');
      expect(intensity).toMatchObject({ method: 'jensen-shannon', sampleSize: 3000, status: 'drift' });
      expect(intensity.field.reduce((a: number, b: number) => a + b, 0)).toBe(3000);
      expect(intensity.baseline).toEqual(baseline[0]!.counts);
      expect(res.json.alerts).toEqual([{ deviceClass: 'phone-wasm', state: 'drift', since: list[0].at }]);
      // Only the unshifted windows: no drift.
      const calm = await report(v, `from=${minute(0)}&to=${minute(1)}`);
      expect(calm.json).toMatchObject({ status: 'ok', windows: { total: 1 } });

      const metrics = (await request(t.server.url, '/metrics')).text;
      expect(metrics).toContain(`sync_drift_alert_active{model="${NAME}",version="${v}",device_class="phone-wasm"} 1`);
      expect(metrics).toContain(`sync_drift_status{model="${NAME}",version="${v}",device_class="phone-wasm"} 1`);
    });

    it('recovers after two windows without drift, ignoring windows with too few predictions', async () => {
      const v = await publish();
      await send(windows(v, [{ n: 500, drifted: true }, { n: 500, drifted: true }], 0));
      expect(await waitForAlerts(v, 1)).toHaveLength(1);
      // Small windows are insufficient-data and neither break nor extend a run.
      await send(windows(v, [{ n: 500, drifted: false }, { n: 20, drifted: true }, { n: 500, drifted: false }], 2));
      const list = await waitForAlerts(v, 2);
      expect(list.map((a) => a.state)).toEqual(['ok', 'drift']);
      const res = await report(v);
      expect(res.json.series.map((w: any) => w.status)).toEqual(['drift', 'drift', 'ok', 'insufficient-data', 'ok']);
    });

    it('keeps device classes apart and counts a retried batch once', async () => {
      const v = await publish();
      const batchId = randomUUID();
      const events = [...windows(v, [{ n: 500, drifted: true }], 0, 'phone'), ...windows(v, [{ n: 500, drifted: true }], 1, 'desktop')];
      expect((await send(events, batchId)).json.duplicate).toBe(false);
      expect((await send(events, batchId)).json.duplicate).toBe(true);
      // One drifted window per class: no alert for either.
      await new Promise((r) => setTimeout(r, 300));
      expect(await alerts(v)).toEqual([]);
      expect((await report(v)).json.windows.total).toBe(2);
      expect((await report(v, `from=${minute(0)}&to=${minute(60)}&deviceClass=phone`)).json).toMatchObject({ deviceClass: 'phone', windows: { total: 1 } });
    });

    it('stores a batch sent several times at once once, beside other batches committed with it', async () => {
      const v = await publish();
      const batchId = randomUUID();
      const copied = windows(v, [{ n: 500, drifted: true }], 0);
      const others = [1, 2, 3].map((i) => windows(v, [{ n: 500, drifted: false }], i));
      // Sent together, the copies and the others land in the same group commits.
      const answers = await Promise.all([...[0, 1, 2, 3].map(() => send(copied, batchId)), ...others.map((events) => send(events))]);
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(answers.slice(0, 4).filter((a) => a.json.duplicate === false)).toHaveLength(1);
      expect(answers.slice(4).map((a) => a.json.duplicate)).toEqual([false, false, false]);
      const res = await report(v);
      expect(res.json.windows).toMatchObject({ total: 4, drift: 1, ok: 3 });
      const summary = await request(t.server.url, `/v1/telemetry/summary?model=${NAME}&version=${v}`, { token: t.server.adminToken });
      expect(summary.json.buckets.reduce((n: number, b: { events: number }) => n + b.events, 0)).toBe(4);
    });

    it('refuses counts the baseline contradicts and windows from the future, storing nothing', async () => {
      const v = await publish();
      const before = await t.server.counts();
      const [good] = windows(v, [{ n: 500, drifted: false }]);
      const cases: [DriftEvent, number, string][] = [
        [{ ...good!, signals: { ...good!.signals, mean_intensity: [1, 2, 3] } }, 422, 'TELEMETRY_INCONSISTENT'],
        [{ ...good!, signals: { ...good!.signals, contrast_of_nothing: [1, 2] } }, 422, 'TELEMETRY_INCONSISTENT'],
        [{ ...good!, signals: { mean_intensity: [1, -2, 3, 4, 5, 6] } }, 400, 'BAD_REQUEST'],
        [{ ...good!, windowStart: new Date(Date.now() + 3_600_000).toISOString(), windowEnd: new Date(Date.now() + 7_200_000).toISOString() }, 422, 'WINDOW_IN_FUTURE'],
        [{ ...good!, version: '9.9.9' }, 404, 'NOT_FOUND'],
      ];
      for (const [event, status, code] of cases) {
        const res = await send([good!, event]);
        expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
        expect(res.json.error.message).toMatch(/events(\[1\]|\/1\/)/);
      }
      expect(await t.server.counts()).toEqual(before);
    });

    it('answers the report and alert queries with typed errors', async () => {
      const v = await publish();
      expect((await report('9.9.9')).status).toBe(404);
      expect((await report(v, `from=${minute(10)}&to=${minute(5)}`)).json.error.code).toBe('BAD_REQUEST');
      expect((await report(v, 'from=yesterday')).status).toBe(400);
      expect((await request(t.server.url, `/v1/models/${NAME}/versions/${v}/drift`, { token: t.server.appToken })).status).toBe(403);
      expect((await request(t.server.url, '/v1/alerts?limit=0', { token: t.server.adminToken })).status).toBe(400);
      const empty = await report(v);
      expect(empty.json).toMatchObject({ status: 'insufficient-data', windows: { total: 0 }, alerts: [] });
    });
  },
  async () => {
    receiver = await startWebhookReceiver({ failFirst: 2 });
    receivers.push(receiver);
    return { options: { drift: { alertWindows: 2, webhooks: [receiver.url], webhookSecret: SECRET, webhookRetryMs: 20, pollMs: 100 } } };
  },
);
