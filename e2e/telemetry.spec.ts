/**
 * Drift telemetry end to end, device half: a page predicts 400 real MNIST test digits
 * (windows of 100) with telemetry sent to the real sync endpoint (SQLite, a loopback
 * port) through a logging proxy. It goes offline in the middle (windows queue in
 * IndexedDB, a batch is sealed and its send fails), reloads, comes back online; the
 * proxy loses the endpoint's reply to the first send of the sealed batch, so the device
 * retries it under the same batch id. Every window is counted exactly once, and no
 * byte sent carries a pixel or an output value.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Manifest } from '../format/index.ts';
import { createEngineSession } from '../runtime/index.ts';
import { createSyncServer } from '../sync/index.ts';
import { imageBaseline } from '../trainer/index.ts';
import { FIXTURES, openLab, packageVariant, publisherKey, writeSignedManifest } from './lab.ts';

const WINDOW = 100;

/** The fixture CNN (which has no baseline) with the trainer's image baseline, re-signed. */
async function packageWithBaseline(): Promise<string> {
  return packageVariant('mnist-cnn', 'telemetry', async (dir, manifest) => {
    const images = async (split: string, from: number, count: number) =>
      new Float32Array((await readFile(join(FIXTURES, 'data', `mnist-${split}-images.f32`))).buffer.slice(0)).slice(from * 784, (from + count) * 784);
    // Few images: the CNN runs on tfjs's plain-JS cpu backend here (slow in Node).
    const train = await images('train', 0, 300);
    const test = await images('validation', 0, 300);
    const artifact = manifest.artifacts.find((a) => a.id === 'tfjs-fp32')!;
    const files = new Map<string, Uint8Array>();
    for (const f of artifact.files) files.set(f.path, new Uint8Array(await readFile(join(dir, f.path))));
    const session = await createEngineSession('tfjs-cpu', { files, paths: artifact.files.map((f) => f.path) });
    const probs = async (x: Float32Array) => {
      const out = await session.run({ data: x, shape: [x.length / 784, 28, 28, 1] });
      const p = Float32Array.from(out.data as Float32Array);
      for (let r = 0; r < p.length; r += 10) {
        const max = Math.max(...p.subarray(r, r + 10));
        let sum = 0;
        for (let i = r; i < r + 10; i++) sum += p[i] = Math.exp(p[i]! - max);
        for (let i = r; i < r + 10; i++) p[i]! /= sum;
      }
      return p;
    };
    const [trainProbs, testProbs] = [await probs(train), await probs(test)];
    session.dispose();
    const withBaseline: Manifest = { ...manifest, baseline: imageBaseline(train, test, { height: 28, width: 28, trainProbs, testProbs }) };
    await writeSignedManifest(dir, withBaseline);
  });
}

async function packageFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!['manifest.json', 'manifest.sig', '.stamp'].includes(entry.name)) out[relative(dir, path)] = (await readFile(path)).toString('base64');
    }
  };
  await walk(dir);
  return out;
}

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
      const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
      // Long flush interval: the spec decides when flushes happen (and the start-up flush).
      const rt = await createRuntime({ trustedKeys, telemetry: { endpoint, token: 'app-token', windowPredictions, flushIntervalMs: 3_600_000, deviceClass: 'e2e-chromium' } });
      w.rt = rt;
      w.model = await rt.load(manifestUrl, { backend: 'tfjs-cpu' });
      w.digits = await loadTestDigits(400);
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

test('every telemetry window reaches the endpoint exactly once across offline, reload and a lost reply, and no pixel or output leaves the device', async ({ page, context, baseURL }) => {
  test.setTimeout(240_000);
  const manifestUrl = await packageWithBaseline();
  const dir = join(FIXTURES, manifestUrl.replace('/fixtures/', '').replace('/manifest.json', ''));
  const dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-telemetry-'));
  const key = await publisherKey();
  const sync = await createSyncServer({
    env: {},
    port: 0,
    dataDir,
    adminTokens: ['admin-token'],
    appTokens: ['app-token'],
    publisherKeys: [key.publicKey],
    corsOrigins: [new URL(baseURL!).origin],
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
    const { signManifest } = await import('../format/index.ts');
    const manifestBytes = await readFile(join(dir, 'manifest.json'));
    const published = await fetch(`${syncUrl}/v1/models/mnist-cnn/versions/1.0.0`, {
      method: 'PUT',
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        manifest: manifestBytes.toString('base64'),
        signature: Buffer.from(await signManifest(manifestBytes, key.privateKey, key.publicKey)).toString('base64'),
        files: await packageFiles(dir),
      }),
    });
    expect(published.status, await published.clone().text()).toBe(201);

    // Window 1, online.
    await startPage(page, proxy.url, manifestUrl);
    const before = await status(page);
    expect(before).toMatchObject({ enabled: true, queuedEvents: 0, droppedEvents: 0 });
    let correct = await predict(page, 0, WINDOW);
    expect(await flush(page)).toMatchObject({ ok: true, sentBatches: 1, acceptedEvents: 1 });

    // Windows 2 and 3, offline: the flush seals a batch, persists it and fails.
    await context.setOffline(true);
    correct += await predict(page, 100, WINDOW);
    expect((await flush(page)).ok).toBe(false);
    const offline = await status(page);
    expect(offline.pendingBatchId).toMatch(/^[0-9a-f-]{36}$/);
    sealedOffline = offline.pendingBatchId;
    correct += await predict(page, 200, WINDOW, true);
    expect(await status(page)).toMatchObject({ queuedEvents: 2, pendingBatchId: sealedOffline, lastFlush: { ok: false } });

    // Back online and reload: the new page's worker resends the sealed batch under the
    // same id; the proxy loses the endpoint's first reply to it, so it is sent again.
    await context.setOffline(false);
    await startPage(page, proxy.url, manifestUrl);
    await expect.poll(async () => (await status(page)).queuedEvents, { timeout: 60_000 }).toBe(0);
    expect((await status(page)).installId).toBe(before.installId);

    // Window 4, after the reload.
    correct += await predict(page, 300, WINDOW);
    expect(await flush(page)).toMatchObject({ ok: true });
    // The predictions are real (the fixture CNN scores ~93 % on these digits).
    expect(correct).toBeGreaterThanOrEqual(340);

    const posts = proxy.log.filter((e) => e.method === 'POST' && e.path === '/v1/telemetry');
    const sealedSends = posts.filter((e) => e.body.toString().includes(sealedOffline!));
    expect(lostOne).toBe(true);
    expect(sealedSends.length).toBeGreaterThanOrEqual(2);
    expect(sealedSends.every((e) => JSON.parse(e.body.toString()).batchId === sealedOffline)).toBe(true);
    expect(sealedSends.slice(1).every((e) => e.status === 200 && JSON.parse(e.reply).duplicate === true)).toBe(true);

    // Exactly once: 4 windows, 400 predictions, in every histogram.
    const summary = await fetch(`${syncUrl}/v1/telemetry/summary?model=mnist-cnn&version=1.0.0`, { headers: { authorization: 'Bearer admin-token' } });
    expect(summary.status).toBe(200);
    const { buckets } = (await summary.json()) as {
      buckets: Array<{ events: number; deviceClasses: Record<string, number>; predictions: Record<string, number>; signals: Record<string, number[]>; latencyMs: Array<{ counts: number[] }> }>;
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(buckets.map((b) => b.events))).toBe(4);
    expect(sum(buckets.map((b) => b.deviceClasses['e2e-chromium'] ?? 0))).toBe(4);
    expect(sum(buckets.flatMap((b) => Object.values(b.predictions)))).toBe(400);
    expect(sum(buckets.flatMap((b) => b.latencyMs.flatMap((l) => l.counts)))).toBe(400);
    for (const name of ['mean_intensity', 'block_3_3', 'confidence', 'predicted_class']) expect(sum(buckets.flatMap((b) => b.signals[name] ?? [])), name).toBe(400);

    // Nothing but counts left the device: every number sent is an integer (no pixel in
    // 0..1, no probability), and no run of six consecutive non-zero pixels of any test
    // digit (as 0–255 values) appears in any byte sent.
    const digits = new Float32Array((await readFile(join(FIXTURES, 'data', 'mnist-test-images.f32'))).buffer.slice(0)).slice(0, 400 * 784);
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
