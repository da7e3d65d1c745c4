/**
 * Drift telemetry end to end: a page predicts 2,000 real MNIST test digits (windows of
 * 250), the second half rotated by 45°, with telemetry sent to the real sync endpoint
 * (SQLite, a loopback port) through a logging proxy. It goes offline in the middle
 * (windows queue in IndexedDB, a batch is sealed and its send fails), reloads, comes
 * back online; the proxy loses the endpoint's reply to the first send of the sealed
 * batch, so the device retries it under the same batch id. Every window is counted
 * exactly once, the endpoint judges the rotated windows `drift` and the others not, a
 * webhook receiver on another loopback port gets exactly one signed alert, and no byte
 * sent carries a pixel or an output value.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createSyncServer } from '../sync/index.ts';
import { startWebhookReceiver } from '../test-support/sync/webhook-receiver.ts';
import { FIXTURES, openLab, publisherKey } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

const WINDOW = 250;
const DIGITS = 2000;
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';

/** The fixture CNN as published: its drift baseline is the trainer's (edges from training digits, counts from the test digits). */
const MANIFEST_URL = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

interface Logged {
  method: string;
  path: string;
  body: Buffer;
  status: number;
  reply: string;
  lost: boolean;
}

/** A loopback proxy in front of the endpoint that logs every request and can lose one reply. */
async function loggingProxy(target: string, loseReplyTo: (log: Logged) => boolean): Promise<{ url: string; log: Logged[]; server: Server }> {
  const log: Logged[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers.set(k, v);
      const response = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' || body.length === 0 ? undefined : body });
      const reply = Buffer.from(await response.arrayBuffer());
      const entry: Logged = { method: req.method!, path: req.url!, body, status: response.status, reply: reply.toString(), lost: false };
      entry.lost = loseReplyTo(entry);
      log.push(entry);
      // The endpoint committed the batch; the device never hears so.
      if (entry.lost) return void res.destroy();
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
      });
      res.writeHead(response.status, out).end(reply);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, server };
}

type Status = { queuedEvents: number; pendingBatchId: string | null; lastFlush: { ok: boolean; error?: string } | null; droppedEvents: number; installId: string; enabled: boolean };

async function startPage(page: Page, endpoint: string, manifestUrl: string): Promise<void> {
  await openLab(page);
  await page.evaluate(
    async ({ endpoint, manifestUrl, window: windowPredictions }) => {
      const w = window as unknown as Record<string, unknown>;
      const { createRuntime, trustedKeys, loadTestDigits, loadMnistSplit } = window.edgeloop;
      // Long flush interval: the spec decides when flushes happen (and the start-up flush).
      const rt = await createRuntime({ trustedKeys, telemetry: { endpoint, token: 'app-token', windowPredictions, flushIntervalMs: 3_600_000, deviceClass: 'e2e-chromium' } });
      w.rt = rt;
      w.model = await rt.load(manifestUrl, { backend: 'tfjs-cpu' });
      // 2,000 held-out digits: the validation split upright (the baseline's counts come
      // from the test split, so these are digits the baseline never saw), then the test
      // split rotated.
      const validation = await loadMnistSplit('validation', 1000);
      const test = await loadTestDigits(1000);
      const digits = {
        images: [...Array.from({ length: validation.count }, (_, i) => validation.x.slice(i * 784, (i + 1) * 784)), ...test.images],
        labels: [...Array.from(validation.y), ...test.labels],
      };
      // The second half rotated by 45° about the centre (bilinear): what a phone held
      // sideways would show the model.
      const rotate = (image: Float32Array): Float32Array => {
        const out = new Float32Array(784);
        const c = Math.SQRT1_2;
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            const sx = c * (x - 13.5) + c * (y - 13.5) + 13.5;
            const sy = -c * (x - 13.5) + c * (y - 13.5) + 13.5;
            const x0 = Math.floor(sx);
            const y0 = Math.floor(sy);
            let v = 0;
            for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
              const px = x0 + dx;
              const py = y0 + dy;
              if (px < 0 || py < 0 || px > 27 || py > 27) continue;
              v += image[py * 28 + px]! * (dx ? sx - x0 : 1 - (sx - x0)) * (dy ? sy - y0 : 1 - (sy - y0));
            }
            out[y * 28 + x] = v;
          }
        }
        return out;
      };
      w.digits = { images: digits.images.map((image, i) => (i < 1000 ? image : rotate(image))), labels: digits.labels };
    },
    { endpoint, manifestUrl, window: WINDOW },
  );
}

/** Predicts test digits `from … from+count-1` (as 0–255 pixels), in one batch or one by one. */
async function predict(page: Page, from: number, count: number, oneByOne = false): Promise<number> {
  return page.evaluate(
    async ({ from, count, oneByOne }) => {
      const w = window as unknown as { model: Awaited<ReturnType<Awaited<ReturnType<typeof window.edgeloop.createRuntime>>['load']>>; digits: { images: Float32Array[]; labels: number[] } };
      const inputs = w.digits.images.slice(from, from + count).map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] }));
      const predictions = oneByOne ? await inputs.reduce(async (all, input) => [...(await all), await w.model.predict(input)], Promise.resolve([] as Awaited<ReturnType<typeof w.model.predict>>[])) : await w.model.predictBatch(inputs);
      return predictions.filter((p, i) => p.topK[0]!.index === w.digits.labels[from + i]).length;
    },
    { from, count, oneByOne },
  );
}

const status = (page: Page) => page.evaluate(() => (window as unknown as { rt: { telemetry: { status(): Promise<Status> } } }).rt.telemetry.status());
const flush = (page: Page) => page.evaluate(() => (window as unknown as { rt: { telemetry: { flush(): Promise<{ ok: boolean; error?: string }> } } }).rt.telemetry.flush());

test('every window reaches the endpoint once across offline, reload and a lost reply; the rotated ones drift and raise one alert; no pixel or output leaves the device', async ({ page, context, baseURL }) => {
  test.setTimeout(300_000);
  const manifestUrl = MANIFEST_URL;
  const dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-telemetry-'));
  const key = await publisherKey();
  const receiver = await startWebhookReceiver();
  const sync = await createSyncServer({
    env: {},
    port: 0,
    dataDir,
    adminTokens: ['admin-token'],
    appTokens: ['app-token'],
    publisherKeys: [key.publicKey],
    corsOrigins: [new URL(baseURL!).origin],
    drift: { alertWindows: 2, webhooks: [receiver.url], webhookSecret: WEBHOOK_SECRET, pollMs: 200 },
  });
  const syncUrl = await sync.listen();
  let sealedOffline: string | null = null;
  let lostOne = false;
  const proxy = await loggingProxy(syncUrl, (entry) => {
    if (lostOne || sealedOffline === null || entry.method !== 'POST' || !entry.body.toString().includes(sealedOffline)) return false;
    return (lostOne = true);
  });
  try {
    // The endpoint refuses events of unpublished versions: publish first.
    await publishFixture(syncUrl);

    // Windows 1–2 (upright digits), online.
    await startPage(page, proxy.url, manifestUrl);
    const before = await status(page);
    expect(before).toMatchObject({ enabled: true, queuedEvents: 0, droppedEvents: 0 });
    let correct = await predict(page, 0, 2 * WINDOW);
    expect(await flush(page)).toMatchObject({ ok: true, sentBatches: 1, acceptedEvents: 2 });

    // Windows 3–4 (upright) and 5 (rotated), offline: the flush seals a batch of 3–4,
    // persists it and fails; window 5 waits in the queue.
    await context.setOffline(true);
    correct += await predict(page, 500, 2 * WINDOW);
    expect((await flush(page)).ok).toBe(false);
    const offline = await status(page);
    expect(offline.pendingBatchId).toMatch(/^[0-9a-f-]{36}$/);
    sealedOffline = offline.pendingBatchId;
    await predict(page, 1000, WINDOW, true);
    expect(await status(page)).toMatchObject({ queuedEvents: 3, pendingBatchId: sealedOffline, lastFlush: { ok: false } });

    // Back online and reload: the new page's worker resends the sealed batch under the
    // same id; the proxy loses the endpoint's first reply to it, so it is sent again.
    await context.setOffline(false);
    await startPage(page, proxy.url, manifestUrl);
    await expect.poll(async () => (await status(page)).queuedEvents, { timeout: 60_000 }).toBe(0);
    expect((await status(page)).installId).toBe(before.installId);

    // Windows 6–8 (rotated), after the reload.
    await predict(page, 1250, 3 * WINDOW);
    expect(await flush(page)).toMatchObject({ ok: true });
    // The predictions are real (the fixture CNN scores ~93 % on upright digits).
    expect(correct).toBeGreaterThanOrEqual(850);

    // The endpoint judged each window: upright ones not drifting, rotated ones drifting.
    const report = await fetch(`${syncUrl}/v1/models/mnist-cnn/versions/1.0.0/drift?from=2020-01-01T00:00:00Z`, { headers: { authorization: 'Bearer admin-token' } });
    expect(report.status).toBe(200);
    const drift = (await report.json()) as { status: string; series: { windowStart: string; status: string; sampleSize: number }[]; signals: { name: string; status: string }[] };
    expect(drift.series.map((w) => w.sampleSize)).toEqual(new Array(8).fill(WINDOW));
    expect(drift.series.map((w) => w.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'drift', 'drift', 'drift', 'drift']);
    // One alert, when the second rotated window in a row arrived; delivered once, signed.
    const [hook] = await receiver.waitForAccepted(1, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toHaveLength(1);
    const alert = JSON.parse(hook!.body) as { type: string; alert: { state: string; model: string; version: string; deviceClass: string } };
    expect(alert).toMatchObject({ type: 'drift.alert', alert: { state: 'drift', model: 'mnist-cnn', version: '1.0.0', deviceClass: 'e2e-chromium' } });
    const stamp = hook!.headers['x-edgeloop-timestamp'] as string;
    expect(hook!.headers['x-edgeloop-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${stamp}.${hook!.body}`).digest('hex')}`);

    const posts = proxy.log.filter((e) => e.method === 'POST' && e.path === '/v1/telemetry');
    const sealedSends = posts.filter((e) => e.body.toString().includes(sealedOffline!));
    expect(lostOne).toBe(true);
    expect(sealedSends.length).toBeGreaterThanOrEqual(2);
    expect(sealedSends.every((e) => JSON.parse(e.body.toString()).batchId === sealedOffline)).toBe(true);
    expect(sealedSends.slice(1).every((e) => e.status === 200 && JSON.parse(e.reply).duplicate === true)).toBe(true);

    // Exactly once: 8 windows, 2,000 predictions, in every histogram.
    const summary = await fetch(`${syncUrl}/v1/telemetry/summary?model=mnist-cnn&version=1.0.0`, { headers: { authorization: 'Bearer admin-token' } });
    expect(summary.status).toBe(200);
    const { buckets } = (await summary.json()) as {
      buckets: Array<{ events: number; deviceClasses: Record<string, number>; predictions: Record<string, number>; signals: Record<string, number[]>; latencyMs: Array<{ counts: number[] }> }>;
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(buckets.map((b) => b.events))).toBe(8);
    expect(sum(buckets.map((b) => b.deviceClasses['e2e-chromium'] ?? 0))).toBe(8);
    expect(sum(buckets.flatMap((b) => Object.values(b.predictions)))).toBe(DIGITS);
    expect(sum(buckets.flatMap((b) => b.latencyMs.flatMap((l) => l.counts)))).toBe(DIGITS);
    for (const name of ['mean_intensity', 'block_3_3', 'confidence', 'predicted_class']) expect(sum(buckets.flatMap((b) => b.signals[name] ?? [])), name).toBe(DIGITS);

    // Nothing but counts left the device: every number sent is an integer (no pixel in
    // 0..1, no probability), and no run of six consecutive non-zero pixels of any test
    // digit (as 0–255 values) appears in any byte sent.
    const upright = new Float32Array((await readFile(join(FIXTURES, 'data', 'mnist-validation-images.f32'))).buffer.slice(0));
    const test = new Float32Array((await readFile(join(FIXTURES, 'data', 'mnist-test-images.f32'))).buffer.slice(0));
    const digits = new Float32Array(upright.length + test.length);
    digits.set(upright);
    digits.set(test, upright.length);
    const sent = proxy.log.map((e) => e.body.toString('latin1')).join('\n');
    const numbers = (value: unknown): number[] => (typeof value === 'number' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(numbers) : []);
    for (const e of posts) expect(numbers(JSON.parse(e.body.toString())).every(Number.isInteger)).toBe(true);
    const runs = new Set<string>();
    for (let i = 0; i + 6 <= digits.length; i++) {
      const run = digits.subarray(i, i + 6);
      if (run.every((v) => v > 0) && Math.floor(i / 784) === Math.floor((i + 5) / 784)) runs.add(Array.from(run, (v) => Math.round(v * 255)).join(','));
    }
    expect(runs.size).toBeGreaterThan(1000);
    // Every run of six comma-separated integers in the bytes sent, as JSON writes arrays.
    const sentRuns = new Set<string>();
    for (const match of sent.match(/\d+(?:,\d+){5,}/g) ?? []) {
      const values = match.split(',');
      for (let i = 0; i + 6 <= values.length; i++) sentRuns.add(values.slice(i, i + 6).join(','));
    }
    expect([...runs].filter((run) => sentRuns.has(run))).toEqual([]);
    // No pixel value in its 0..1 form either (as JSON would write a Float32 read as a number).
    const floats = new Set(sent.match(/\d\.\d+/g) ?? []);
    expect(Array.from(digits.subarray(0, 784 * 20)).filter((v) => v > 0 && v < 1 && floats.has(String(v)))).toEqual([]);
  } finally {
    await page.evaluate(() => (window as unknown as { rt?: { dispose(): Promise<void> } }).rt?.dispose()).catch(() => undefined);
    // Chromium keeps its connections to the proxy alive; close them rather than wait.
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
    await sync.close();
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('telemetry is off unless configured: no database, no request, an inert runtime.telemetry', async ({ page, context }) => {
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await openLab(page);
  const result = await page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const rt = await createRuntime({ trustedKeys });
    const model = await rt.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json', { backend: 'tfjs-cpu' });
    const { images } = await loadTestDigits(20);
    await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
    const status = await rt.telemetry.status();
    const flushed = await rt.telemetry.flush();
    const enable = await rt.telemetry.enable().then(
      () => 'enabled',
      (error: Error) => error.name,
    );
    await rt.dispose();
    const databases = (await indexedDB.databases()).map((d) => d.name);
    return { status, flushed, enable, databases };
  });
  expect(result.status).toBeNull();
  expect(result.flushed).toMatchObject({ ok: false, error: 'TELEMETRY_NOT_CONFIGURED' });
  expect(result.enable).toBe('TypeError');
  expect(result.databases).not.toContain('edgeloop-telemetry');
  expect(requests.filter((url) => url.includes('telemetry'))).toEqual([]);
});
