/**
 * Labelled examples from the field (`model.feedback`, the Predict page's "Wrong?"), in
 * real Chromium against a real sync endpoint: an example the user did not choose to share
 * never leaves the device (the request log), a shared one reaches the endpoint's dataset
 * as the very tensor the model saw, once however often it is given, survives going
 * offline (sent when the network is back), and one the endpoint refuses for good stays
 * on the device with the endpoint's code instead of being retried forever.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page, type Request } from '@playwright/test';
import { createSyncServer, type SyncServer } from '../sync/index.ts';
import { setAppSettings } from './app.ts';
import { openLab, publisherKey } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

let dataDir: string;
let sync: SyncServer;
let syncUrl: string;

test.beforeEach(async ({ baseURL }) => {
  dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-feedback-'));
  const key = await publisherKey();
  sync = await createSyncServer({ env: {}, port: 0, dataDir, adminTokens: ['admin-token'], appTokens: ['app-token'], publisherKeys: [key.publicKey], corsOrigins: [new URL(baseURL!).origin] });
  syncUrl = await sync.listen();
  await publishFixture(syncUrl);
});

test.afterEach(async () => {
  await sync.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The endpoint's dataset of mnist-cnn, as an admin reads it. */
async function dataset(): Promise<{ count: number; examples: Array<{ id: string; label: string; predicted?: string; version: string; shape: number[]; dtype: string; data: string }> }> {
  const response = await fetch(`${syncUrl}/v1/models/mnist-cnn/feedback`, { headers: { authorization: 'Bearer admin-token' } });
  expect(response.status).toBe(200);
  return (await response.json()) as Awaited<ReturnType<typeof dataset>>;
}

/** Every request the page (and its workers) made to the endpoint. */
function endpointLog(page: Page): Request[] {
  const log: Request[] = [];
  page.context().on('request', (request) => {
    if (request.url().startsWith(syncUrl)) log.push(request);
  });
  return log;
}

test('model.feedback keeps examples on the device; only shared ones reach the endpoint, once, across going offline', async ({ page, context }) => {
  const log = endpointLog(page);
  await openLab(page);
  await page.evaluate(
    async ({ syncUrl }) => {
      const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys, feedback: { endpoint: syncUrl, token: 'app-token', maxRetryMs: 60_000 } });
      const model = await runtime.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json', { backend: 'tfjs-wasm' });
      const { images } = await loadTestDigits(4);
      const digits = images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] }));
      Object.assign(window, { runtime, model, digits });
    },
    { syncUrl },
  );
  type W = { runtime: import('../runtime/index.ts').Runtime; model: import('../runtime/index.ts').Model; digits: Array<{ data: Float32Array; shape: number[] }> };
  const feedback = (i: number, label: string, share: boolean) =>
    page.evaluate(({ i, label, share }) => (window as unknown as W).model.feedback((window as unknown as W).digits[i]!, label, { share, predicted: '1' }), { i, label, share });
  const counts = () => page.evaluate(() => (window as unknown as W).runtime.feedback.counts());

  // Not shared: kept on the device, nothing sent.
  const kept = await feedback(0, '7', false);
  expect(kept).toMatchObject({ added: true, shared: false });
  expect(await counts()).toEqual({ stored: 1, shared: 0, pending: 0, sent: 0, refused: 0 });
  expect(await page.evaluate(() => (window as unknown as W).runtime.feedback.flush())).toEqual({ sent: 0, refused: 0, pending: 0 });
  expect(log.map((r) => `${r.method()} ${r.url()}`)).toEqual([]);

  // Shared: it reaches the endpoint as the tensor the model saw, under the same id.
  const shared = await feedback(1, '2', true);
  expect(shared).toMatchObject({ added: true, shared: true });
  await expect.poll(async () => (await counts()).sent).toBe(1);
  const first = await dataset();
  expect(first.count).toBe(1);
  expect(first.examples[0]).toMatchObject({ id: shared.id, label: '2', predicted: '1', version: '1.0.0', shape: [1, 28, 28, 1], dtype: 'float32' });
  const tensor = new Float32Array(Buffer.from(first.examples[0]!.data, 'base64').buffer.slice(0));
  const expected = await page.evaluate(() => Array.from((window as unknown as W).digits[1]!.data, (v) => v / 255));
  expect(tensor).toHaveLength(784);
  expect(Math.max(...tensor.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-6);
  // The example kept but not shared never left: one POST, carrying only the shared example.
  const posts = log.filter((r) => r.method() === 'POST');
  expect(posts.map((r) => new URL(r.url()).pathname)).toEqual(['/v1/feedback']);
  expect((JSON.parse(posts[0]!.postData()!) as { examples: unknown[] }).examples).toHaveLength(1);

  // The same example shared again: one record on the device and at the endpoint.
  expect(await feedback(1, '2', true)).toMatchObject({ id: shared.id, added: false, shared: true });
  // Sharing later what was kept: it goes out now.
  expect(await feedback(0, '7', true)).toMatchObject({ id: kept.id, added: false, shared: true });
  await expect.poll(async () => (await counts()).sent).toBe(2);
  expect((await dataset()).count).toBe(2);

  // Offline: a shared example waits; back online, it is sent on its own.
  await context.setOffline(true);
  await feedback(2, '5', true);
  const offline = await page.evaluate(() => (window as unknown as W).runtime.feedback.flush());
  expect(offline).toMatchObject({ sent: 0, pending: 1 });
  expect(offline.error).toMatch(/could not reach/);
  expect(await counts()).toEqual({ stored: 3, shared: 3, pending: 1, sent: 2, refused: 0 });
  await context.setOffline(false);
  await expect.poll(async () => (await counts()).pending, { timeout: 60_000 }).toBe(0);
  expect((await dataset()).count).toBe(3);

  // Bad arguments are refused in the page, before anything is stored.
  const wrongLabel = await page.evaluate(() => (window as unknown as W).model.feedback((window as unknown as W).digits[3]!, 'seven').catch((e: Error) => `${e.name}: ${e.message}`));
  expect(wrongLabel).toMatch(/^RangeError: feedback label must be one of mnist-cnn's labels/);
  expect((await counts()).stored).toBe(3);

  // Delete all: nothing left on the device (what the endpoint took stays there).
  expect(await page.evaluate(() => (window as unknown as W).runtime.feedback.clear())).toBe(3);
  expect(await counts()).toEqual({ stored: 0, shared: 0, pending: 0, sent: 0, refused: 0 });
  await page.evaluate(() => (window as unknown as W).runtime.dispose());
});

test('without an endpoint nothing can be shared; an example the endpoint refuses stays on the device with its code, not retried', async ({ page }) => {
  const log = endpointLog(page);
  await openLab(page);
  const outcome = await page.evaluate(
    async ({ syncUrl }) => {
      const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
      const { images } = await loadTestDigits(1);
      const digit = { data: images[0]!.map((v) => v * 255), shape: [28, 28, 1] };
      const local = await createRuntime({ trustedKeys, feedbackDatabase: 'edgeloop-feedback-e2e-local' });
      const localModel = await local.load('/fixtures/registry/mnist-cnn/1.0.0/manifest.json', { backend: 'tfjs-wasm' });
      const noEndpoint = await localModel.feedback(digit, '7', { share: true }).catch((e: Error) => `${e.name}: ${e.message}`);
      await local.dispose();
      // mnist-mlp was never published to this endpoint: 404, a refusal a retry cannot fix.
      const runtime = await createRuntime({ trustedKeys, feedback: { endpoint: syncUrl, token: 'app-token' } });
      const model = await runtime.load('/fixtures/registry/mnist-mlp/1.0.0/manifest.json', { backend: 'tfjs-wasm' });
      await model.feedback(digit, '7', { share: true });
      const flushed = await runtime.feedback.flush();
      const counts = await runtime.feedback.counts('mnist-mlp');
      await runtime.dispose();
      return { noEndpoint, flushed, counts };
    },
    { syncUrl },
  );
  expect(outcome.noEndpoint).toMatch(/^TypeError: feedback share: true needs a sync endpoint/);
  expect(outcome.counts).toEqual({ stored: 1, shared: 1, pending: 0, sent: 0, refused: 1 });
  // The add's own send or the flush met the 404; either way it was sent once and settled.
  expect(log.filter((r) => r.method() === 'POST').length).toBe(1);
  expect((await dataset()).count).toBe(0);
});

test('the Predict page: "Wrong?" keeps the example on the device; ticking Share sends that one example', async ({ page }) => {
  const log = endpointLog(page);
  await page.goto('/');
  await expect(page.getByLabel('Share this example to help retrain the model')).toBeDisabled();
  await expect(page.locator('#feedback-share-hint')).toContainText('set a sync endpoint and its app token');
  await page.getByRole('button', { name: 'Install MNIST CNN' }).click();
  await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 90_000 });
  await setAppSettings(page, { syncUrl, syncToken: 'app-token' });
  await expect(page.getByLabel('Share this example to help retrain the model')).toBeEnabled();
  await expect(page.locator('#feedback-share-hint')).toContainText(syncUrl);
  await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 90_000 });

  const label = async (right: string, share: boolean) => {
    await page.getByRole('button', { name: 'Random test digit' }).click();
    await expect(page.getByRole('button', { name: 'Save example' })).toBeEnabled();
    await page.getByLabel('Right label').selectOption(right);
    await page.getByLabel('Share this example to help retrain the model').setChecked(share);
    await page.getByRole('button', { name: 'Save example' }).click();
  };
  await label('4', false);
  await expect(page.locator('#feedback-count')).toHaveAttribute('data-count', '1');
  expect(log.filter((r) => r.method() === 'POST')).toEqual([]);

  await label('9', true);
  await expect(page.locator('#feedback-status')).toContainText('and shared for retraining');
  await expect(page.locator('#feedback-count')).toHaveAttribute('data-sent', '1');
  await expect(page.locator('#feedback-count')).toContainText('2 examples stored on this device (2 for mnist-cnn); 1 shared (1 sent)');
  const { count, examples } = await dataset();
  expect(count).toBe(1);
  expect(examples[0]).toMatchObject({ label: '9', version: '1.0.0' });
  expect(log.filter((r) => r.method() === 'POST').map((r) => new URL(r.url()).pathname)).toEqual(['/v1/feedback']);
  // The Share box is per example: it is clear again for the next one.
  await expect(page.getByLabel('Share this example to help retrain the model')).not.toBeChecked();
});
