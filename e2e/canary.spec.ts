/**
 * Canary on devices, in real Chromium against a real sync endpoint: two devices (two
 * browser contexts, two model stores) install `mnist-mlp` following the `production`
 * alias; a 50 % canary puts exactly one of them on the new version (the endpoint hashes
 * each device's id), a rollback of the alias brings that one back, a promotion moves both
 * forward — each device only ever on the version the endpoint assigned it, and each one
 * predicting with it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createSyncServer, type SyncServer } from '../sync/index.ts';
import { deviceOnSide } from './canary-sides.ts';
import { openLab, publisherKey, REGISTRY } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

const NAME = 'mnist-mlp';
const ALIAS = 'production';

const deviceOn = (side: 'canary' | 'stable', prefix: string) => deviceOnSide(side, prefix, NAME, ALIAS);

let dataDir: string;
let sync: SyncServer;
let syncUrl: string;

test.beforeEach(async ({ baseURL }) => {
  dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-canary-'));
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
  });
  syncUrl = await sync.listen();
  const manifest = JSON.parse(await readFile(join(REGISTRY, NAME, '1.0.0', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  for (const version of ['1.0.0', '1.1.0']) {
    await publishFixture(syncUrl, { name: NAME, version, manifestBytes: new TextEncoder().encode(`${JSON.stringify({ ...manifest, version }, null, 2)}\n`) });
  }
});

test.afterEach(async () => {
  await sync.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function setAlias(body: { version: string; canary?: { version: string; percent: number } }): Promise<void> {
  const response = await fetch(`${syncUrl}/v1/models/${NAME}/aliases/${ALIAS}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** A device: its own context (own IndexedDB) with the lab page open. */
async function device(browser: Browser, baseURL: string, deviceId: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await openLab(page);
  await page.evaluate((deviceId) => Object.assign(window, { deviceId }), deviceId);
  return page;
}

/** In the device's page: a runtime with its id (updates applied on load), then `work`. */
function onDevice<T>(page: Page, work: string): Promise<T> {
  return page.evaluate(`(async () => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys, deviceId: window.deviceId, updatePolicy: 'on-load' });
    try { ${work} } finally { await runtime.dispose(); }
  })()`) as Promise<T>;
}

/** Loads the model by name (the on-load update check first) and predicts 8 held-out digits; resolves to the version and how many were right. */
const loadAndPredict = (page: Page) =>
  onDevice<{ version: string; correct: number }>(
    page,
    `const model = await runtime.load('${NAME}', { backend: 'tfjs-wasm' });
     const { images, labels } = await loadTestDigits(8);
     const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
     return { version: model.manifest.version, correct: predictions.filter((p, i) => p.topK[0].index === labels[i]).length };`,
  );

test('a 50 % canary puts exactly one of two devices on the new version; rollback and promotion move them, and each only ever runs what it was assigned', async ({ browser, baseURL }) => {
  const registry = `${syncUrl}/registry/`;
  const canaryId = deviceOn('canary', 'phone-a');
  const stableId = deviceOn('stable', 'phone-b');
  const [a, b] = [await device(browser, baseURL!, canaryId), await device(browser, baseURL!, stableId)];
  await setAlias({ version: '1.0.0', canary: { version: '1.1.0', percent: 50 } });

  const install = (page: Page) => onDevice<{ version: string }>(page, `return await runtime.store.install('${NAME}', { from: '${registry}', alias: '${ALIAS}' });`);
  expect((await install(a)).version).toBe('1.1.0');
  expect((await install(b)).version).toBe('1.0.0');
  for (const [page, version] of [[a, '1.1.0'], [b, '1.0.0']] as const) {
    const run = await loadAndPredict(page);
    expect(run.version).toBe(version);
    expect(run.correct).toBeGreaterThanOrEqual(6);
  }

  // The canary is rolled back: the canary device follows on its next check; the other has nothing to do.
  await setAlias({ version: '1.0.0' });
  const check = (page: Page) => onDevice<Record<string, unknown>>(page, `return await runtime.store.checkForUpdate('${NAME}');`);
  expect(await check(a)).toMatchObject({ alias: ALIAS, active: '1.1.0', latest: '1.0.0', updateAvailable: true });
  expect(await check(b)).toMatchObject({ alias: ALIAS, active: '1.0.0', latest: '1.0.0', updateAvailable: false });
  expect((await loadAndPredict(a)).version).toBe('1.0.0');
  expect((await loadAndPredict(b)).version).toBe('1.0.0');

  // Promotion: production → 1.1.0 for everyone.
  await setAlias({ version: '1.1.0' });
  expect((await loadAndPredict(a)).version).toBe('1.1.0');
  expect((await loadAndPredict(b)).version).toBe('1.1.0');

  // Nothing was lost on the devices: both versions are complete in each store, 1.1.0 active.
  for (const page of [a, b]) {
    const versions = await onDevice<Array<{ version: string; state: string; active: boolean }>>(page, `return await runtime.store.versions('${NAME}');`);
    expect(versions.map((v) => `${v.version}:${v.state}${v.active ? ':active' : ''}`).sort()).toEqual(['1.0.0:complete', '1.1.0:complete:active']);
  }
  await Promise.all([a.context().close(), b.context().close()]);
});

test('a device without a fleet id gets a random one kept with its store: the same side on every check', async ({ page }) => {
  await setAlias({ version: '1.0.0', canary: { version: '1.1.0', percent: 50 } });
  await openLab(page);
  const sides = await page.evaluate(
    async ({ registry, name, alias }) => {
      const { createRuntime, trustedKeys } = window.edgeloop;
      const versions: string[] = [];
      for (let i = 0; i < 3; i++) {
        const runtime = await createRuntime({ trustedKeys });
        versions.push(i === 0 ? (await runtime.store.install(name, { from: registry, alias })).version : ((await runtime.store.checkForUpdate(name)).latest ?? 'none'));
        await runtime.dispose();
      }
      return versions;
    },
    { registry: `${syncUrl}/registry/`, name: NAME, alias: ALIAS },
  );
  expect(new Set(sides).size, sides.join(', ')).toBe(1);
  expect(['1.0.0', '1.1.0']).toContain(sides[0]);
});
