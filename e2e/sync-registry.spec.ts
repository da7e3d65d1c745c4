/**
 * The loop's hand-over: a package published to the sync endpoint (a real server on a
 * loopback port, SQLite in a temp folder) is installed by the browser runtime's model
 * store from the endpoint's registry layout, loads offline and predicts; moving the
 * `latest` alias to a new version is what `checkForUpdate` then sees.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parseManifest } from '../format/index.ts';
import { createSyncServer } from '../sync/index.ts';
import { FIXTURES, openLab, publisherKey } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

test('a version published to the sync endpoint installs into the browser store, loads offline and predicts', async ({ page, context, baseURL }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-sync-'));
  const key = await publisherKey();
  const server = await createSyncServer({
    env: {},
    port: 0,
    dataDir,
    adminTokens: ['admin-token'],
    appTokens: ['app-token'],
    publisherKeys: [key.publicKey],
    // The index is signed with the publisher key the app trusts.
    indexKey: { publicKey: key.publicKey, privateKey: key.privateKey },
    corsOrigins: [new URL(baseURL!).origin],
  });
  const url = await server.listen();
  try {
    const dir = join(FIXTURES, 'registry', 'mnist-cnn', '1.0.0');
    const manifestBytes = await readFile(join(dir, 'manifest.json'));
    const publish = (version: string, bytes: Uint8Array) => publishFixture(url, { version, manifestBytes: bytes });
    await publish('1.0.0', manifestBytes);
    const setAlias = async (version: string) => {
      const response = await fetch(`${url}/v1/models/mnist-cnn/aliases/latest`, {
        method: 'PUT',
        headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
        body: JSON.stringify({ version }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    };
    await setAlias('1.0.0');

    await openLab(page);
    const installed = await page.evaluate(async (from) => {
      const { createRuntime, trustedKeys } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys });
      const result = await runtime.store.install('mnist-cnn', { from });
      await runtime.dispose();
      return result;
    }, `${url}/registry/`);
    expect(installed).toMatchObject({ name: 'mnist-cnn', version: '1.0.0', alreadyInstalled: false });

    // Offline: the store alone serves the model (after one online load, as a first
    // visit would, so the browser holds the engine's code).
    await page.evaluate(async () => {
      const runtime = await window.edgeloop.createRuntime({ trustedKeys: window.edgeloop.trustedKeys });
      await (await runtime.load('mnist-cnn', { backend: 'tfjs-cpu' })).dispose();
      await runtime.dispose();
    });
    await page.evaluate(async () => {
      (window as unknown as Record<string, unknown>).digits = await window.edgeloop.loadTestDigits(20);
      (window as unknown as Record<string, unknown>).rt = await window.edgeloop.createRuntime({ trustedKeys: window.edgeloop.trustedKeys });
    });
    await context.setOffline(true);
    const offline = await page.evaluate(async () => {
      const w = window as unknown as { digits: { images: Float32Array[]; labels: number[] }; rt: Awaited<ReturnType<typeof window.edgeloop.createRuntime>> };
      const model = await w.rt.load('mnist-cnn', { backend: 'tfjs-cpu' });
      const predictions = await model.predictBatch(w.digits.images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
      await w.rt.dispose();
      return { version: model.manifest.version, correct: predictions.filter((p, i) => p.topK[0]!.index === w.digits.labels[i]).length };
    });
    await context.setOffline(false);
    expect(offline.version).toBe('1.0.0');
    expect(offline.correct).toBeGreaterThanOrEqual(17);

    // A new version behind the alias is what the device's update check finds.
    const manifest = parseManifest(manifestBytes);
    await publish('1.1.0', new TextEncoder().encode(`${JSON.stringify({ ...manifest, version: '1.1.0' }, null, 2)}\n`));
    await setAlias('1.1.0');
    const check = await page.evaluate(async () => {
      const runtime = await window.edgeloop.createRuntime({ trustedKeys: window.edgeloop.trustedKeys });
      const result = await runtime.store.checkForUpdate('mnist-cnn');
      await runtime.dispose();
      return result;
    });
    expect(check).toMatchObject({ active: '1.0.0', latest: '1.1.0', updateAvailable: true });
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
