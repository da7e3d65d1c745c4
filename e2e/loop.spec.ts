/**
 * The loop's lifecycle in real Chromium with the real endpoint (SQLite, loopback) and a
 * retraining worker in this process: publish mnist-mlp 1.0.0 → two devices (two browser
 * contexts) install it following `production` → one predicts offline from IndexedDB →
 * drifted use (digits turned a quarter turn) with telemetry, and examples shared →
 * alert → retrain job → 1.1.0 passes the gate → a 50 % canary puts exactly one device on
 * 1.1.0 → after canary windows, promotion → both on 1.1.0. Then a bad 1.2.0 whose canary
 * errs → automatic rollback → the canary device returns to 1.1.0. Nothing is lost on the
 * devices (their versions and labelled examples).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { SigningKeyPair } from '../format/index.ts';
import { checkCanary, EndpointClient, retrainRequestOf, runRetrainJob } from '../loop/index.ts';
import { mnistTrainingData } from '../loop/node.ts';
import { createSyncServer, type JsonValue, type SyncServer } from '../sync/index.ts';
import { registerFastCpuKernels } from '../trainer/index.ts';
import { saveScreenshots, setAppSettings } from './app.ts';
import { deviceOnSide } from './canary-sides.ts';
import { openLab, publisherKey, REGISTRY } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

const NAME = 'mnist-mlp';
const ALIAS = 'production';
const WINDOW = 200;

let dataDir: string;
let sync: SyncServer;
let syncUrl: string;
let admin: EndpointClient;

test.beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});

test.beforeEach(async ({ baseURL }) => {
  dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-loop-'));
  const key = await publisherKey();
  sync = await createSyncServer({
    env: {},
    port: 0,
    dataDir,
    adminTokens: ['admin-token'],
    appTokens: ['app-token'],
    publisherKeys: [key.publicKey],
    indexKey: { publicKey: key.publicKey, privateKey: key.privateKey },
    corsOrigins: [new URL(baseURL!).origin],
    drift: { alertWindows: 2, pollMs: 100 },
    jobs: {
      leaseMs: 300_000,
      pollMs: 200,
      handlers: {
        retrain: async (job, ctx) => {
          const result = await runRetrainJob(retrainRequestOf(job), ctx, {
            endpoint: new EndpointClient(syncUrl, 'admin-token'),
            trustedKeys: [key.publicKey],
            signingKey: key as SigningKeyPair,
            data: mnistTrainingData(),
            canaryPercent: 50,
          });
          return JSON.parse(JSON.stringify(result)) as JsonValue;
        },
      },
    },
  });
  syncUrl = await sync.listen();
  admin = new EndpointClient(syncUrl, 'admin-token');
  await publishFixture(syncUrl, { name: NAME });
  await admin.setAlias(NAME, ALIAS, { version: '1.0.0' });
});

test.afterEach(async () => {
  await sync.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A device: its own context, the lab page, a runtime with its id, telemetry and feedback to the endpoint, updates on load. */
async function device(browser: Browser, baseURL: string, deviceId: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await openLab(page);
  await page.evaluate(
    async ({ deviceId, syncUrl, windowPredictions }) => {
      const { createRuntime, trustedKeys, loadMnistSplit } = window.edgeloop;
      const runtime = await createRuntime({
        trustedKeys,
        deviceId,
        updatePolicy: 'on-load',
        telemetry: { endpoint: syncUrl, token: 'app-token', windowPredictions, flushIntervalMs: 3_600_000, deviceClass: 'e2e-chromium' },
        feedback: { endpoint: syncUrl, token: 'app-token' },
      });
      // Held-out digits turned a quarter turn, raw 0..255 (the manifest scales them).
      const { x, y, count } = await loadMnistSplit('test', 1000);
      const turned = Array.from({ length: count }, (_, n) => {
        const out = new Float32Array(784);
        for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[c * 28 + (27 - r)] = x[n * 784 + r * 28 + c]! * 255;
        return { data: out, shape: [28, 28, 1], label: String(y[n]) };
      });
      Object.assign(globalThis, { runtime, turned });
    },
    { deviceId, syncUrl, windowPredictions: WINDOW },
  );
  return page;
}

type G = { runtime: import('../runtime/index.ts').Runtime; turned: Array<{ data: Float32Array; shape: number[]; label: string }>; model?: import('../runtime/index.ts').Model };

/** Loads the model by name (the on-load update check first); resolves to its version. */
const load = (page: Page) =>
  page.evaluate(async (name) => {
    const g = globalThis as unknown as G;
    await g.model?.dispose();
    g.model = await g.runtime.load(name, { backend: 'tfjs-wasm' });
    return g.model.manifest.version;
  }, NAME);

/** Predicts `count` turned digits from `from` (telemetry counts them), shares `share` of them labelled, sends both; resolves to how many were right. */
const use = (page: Page, from: number, count: number, share = 0) =>
  page.evaluate(
    async ({ from, count, share }) => {
      const g = globalThis as unknown as G;
      const digits = g.turned.slice(from, from + count);
      const predictions = await g.model!.predictBatch(digits.map(({ data, shape }) => ({ data, shape })));
      for (const d of digits.slice(0, share)) await g.model!.feedback({ data: d.data, shape: d.shape }, d.label, { share: true });
      await g.runtime.feedback.flush();
      await g.runtime.telemetry.flush();
      return predictions.filter((p, i) => p.topK[0]!.label === digits[i]!.label).length;
    },
    { from, count, share },
  );

test('drift → alert → retrain → gate → canary on one of two devices → promotion → a bad canary rolled back', async ({ browser, baseURL }) => {
  test.setTimeout(420_000);
  const registry = `${syncUrl}/registry/`;
  const a = await device(browser, baseURL!, deviceOnSide('canary', 'phone-a', NAME, ALIAS));
  const b = await device(browser, baseURL!, deviceOnSide('stable', 'phone-b', NAME, ALIAS));
  for (const page of [a, b]) {
    expect(await page.evaluate(async ({ name, registry, alias }) => (await (globalThis as unknown as G).runtime.store.install(name, { from: registry, alias })).version, { name: NAME, registry, alias: ALIAS })).toBe('1.0.0');
  }

  // Offline, device A loads 1.0.0 from IndexedDB and predicts (the lab page has no service
  // worker precache: one online load first brings the engine's code into the HTTP cache).
  expect(await load(a)).toBe('1.0.0');
  await a.context().setOffline(true);
  expect(await load(a)).toBe('1.0.0');
  expect(await a.evaluate(async () => (await (globalThis as unknown as G).model!.predict((globalThis as unknown as G).turned[0]!)).topK.length)).toBeGreaterThan(0);
  await a.context().setOffline(false);

  // Drifted use on A: 3 windows of turned digits, 150 of them shared labelled right.
  const before = await use(a, 0, 3 * WINDOW, 150);
  expect(before / (3 * WINDOW), '1.0.0 gets turned digits mostly wrong').toBeLessThan(0.5);

  // The alert queues a job; the worker retrains, the gate passes, 1.1.0 goes on a 50 % canary.
  await expect.poll(async () => (await (await fetch(`${syncUrl}/v1/alerts?model=${NAME}`, { headers: { authorization: 'Bearer admin-token' } })).json()).alerts.length, { timeout: 60_000 }).toBeGreaterThan(0);
  let job: { state: string; result: { outcome: string; version: string; gate: { passed: boolean } } | null; error: unknown } | undefined;
  await expect
    .poll(
      async () => {
        const { jobs } = (await (await fetch(`${syncUrl}/v1/jobs?model=${NAME}`, { headers: { authorization: 'Bearer admin-token' } })).json()) as { jobs: Array<NonNullable<typeof job>> };
        job = jobs[0];
        return job?.state;
      },
      { timeout: 240_000, intervals: [1000] },
    )
    .toMatch(/succeeded|failed/);
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'succeeded', result: { outcome: 'published', version: '1.1.0', gate: { passed: true } } });
  // One retraining is this test's: later alerts (the turned digits still drift from the baseline) queue jobs nobody runs.
  await sync.worker?.stop();
  expect((await admin.model(NAME)).aliases.find((x) => x.alias === ALIAS)).toMatchObject({ version: '1.0.0', canary: { version: '1.1.0', percent: 50 } });
  // 1.1.0 ships for the same devices as 1.0.0: its ONNX artifact too, exported from the new weights.
  const [v10, v11] = await Promise.all(['1.0.0', '1.1.0'].map(async (v) => admin.manifest(NAME, v, [(await publisherKey()).publicKey])));
  expect(v11!.artifacts.map((x) => x.id)).toEqual(v10!.artifacts.map((x) => x.id));
  expect(v11!.artifacts.find((x) => x.engine === 'onnx')!.files[0]!.sha256).not.toBe(v10!.artifacts.find((x) => x.engine === 'onnx')!.files[0]!.sha256);

  // Exactly one device is on the canary.
  expect(await load(a)).toBe('1.1.0');
  expect(await load(b)).toBe('1.0.0');

  // The Monitor page shows the alias with its canary and the job with the gate's figures.
  const monitor = await browser.newPage({ baseURL });
  await monitor.goto('/monitor.html');
  await setAppSettings(monitor, { syncUrl, monitorToken: 'admin-token' });
  await monitor.locator('#monitor-model').selectOption(NAME);
  const rollout = monitor.getByRole('region', { name: 'Retraining and rollout' });
  await expect(rollout.locator('#rollout-aliases')).toContainText('production → 1.0.0canary 1.1.0 on 50 % of devices');
  await expect(rollout.locator('#rollout-jobs li').first()).toContainText(/#1 succeeded · after a drift alert · from 1\.0\.0/);
  await expect(rollout.locator('#rollout-jobs li').first()).toContainText(/Published 1\.1\.0 on the canary\. Gate: test [\d.]+ % \(parent [\d.]+ %\), feedback hold-out [\d.]+ %/);
  await monitor.locator('#monitor-version').selectOption('1.0.0');
  await expect(monitor.locator('#monitor-status')).toContainText('Updated');
  await expect(monitor.locator('#alerts-open li').first()).toContainText('Drift (open)');
  await saveScreenshots(monitor, 'monitor-rollout');
  await monitor.close();

  // Canary windows from both sides; the check promotes; both devices move to 1.1.0.
  const after = await use(a, 0, 4 * WINDOW);
  expect(after / (4 * WINDOW), '1.1.0 does better on the turned digits').toBeGreaterThan(before / (3 * WINDOW));
  await use(b, 0, 4 * WINDOW);
  const promoted = await checkCanary(admin, NAME);
  expect(promoted, JSON.stringify(promoted?.reasons)).toMatchObject({ action: 'promote', acted: true, canary: { version: '1.1.0', windows: 4 } });
  expect(await load(a)).toBe('1.1.0');
  expect(await load(b)).toBe('1.1.0');

  // A bad 1.2.0 on the canary: its windows carry errors; the check rolls it back; A returns to 1.1.0.
  const manifest = JSON.parse(await readFile(join(REGISTRY, NAME, '1.0.0', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await publishFixture(syncUrl, { name: NAME, version: '1.2.0', manifestBytes: new TextEncoder().encode(`${JSON.stringify({ ...manifest, version: '1.2.0' }, null, 2)}\n`) });
  await admin.setAlias(NAME, ALIAS, { version: '1.1.0', canary: { version: '1.2.0', percent: 50 } });
  expect(await load(a)).toBe('1.2.0');
  expect(await load(b)).toBe('1.1.0');
  await use(b, 0, 4 * WINDOW);
  // 1.2.0 fails on device A: wrong-shaped inputs are errors its telemetry counts.
  await a.evaluate(async (n) => {
    const g = globalThis as unknown as G;
    for (let i = 0; i < n; i++) await g.model!.predict({ data: new Float32Array(10), shape: [10] }).catch(() => undefined);
  }, 200);
  await use(a, 0, 4 * WINDOW);
  const rolledBack = await checkCanary(admin, NAME);
  expect(rolledBack, JSON.stringify(rolledBack)).toMatchObject({ action: 'rollback', acted: true });
  expect(rolledBack!.reasons.join('; ')).toMatch(/error rate/);
  expect(await load(a)).toBe('1.1.0');

  // Nothing lost on the devices: every version installed stays complete; A's labelled examples are all there.
  for (const [page, versions] of [[a, ['1.0.0', '1.1.0', '1.2.0']], [b, ['1.0.0', '1.1.0']]] as const) {
    const held = await page.evaluate(async (name) => (await (globalThis as unknown as G).runtime.store.versions(name)).map((v) => `${v.version}:${v.state}`).sort(), NAME);
    expect(held).toEqual(versions.map((v) => `${v}:complete`));
  }
  expect(await a.evaluate(() => (globalThis as unknown as G).runtime.feedback.counts())).toMatchObject({ stored: 150, sent: 150 });
  await Promise.all([a.context().close(), b.context().close()]);
});
