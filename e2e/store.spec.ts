/**
 * The model store: installs verified versions (their files' bytes in OPFS, the rest in
 * IndexedDB) from a registry served by a real server on another loopback port, keeps
 * the active version through every kind of failure, resumes interrupted installs and
 * loads offline.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { generateSigningKeyPair, signManifest } from '../format/index.ts';
import { openLab } from './lab.ts';
import { startRegistryServer, writeIndex, writeRegistry, type RegistryServer } from './registry-server.ts';

let root: string;
let registry: RegistryServer;

test.beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeloop-registry-'));
  registry = await startRegistryServer(root);
});

test.afterEach(async () => {
  await registry.close();
  await rm(root, { recursive: true, force: true });
});

/** Installs in the page; resolves to the result or the error code. */
async function install(page: Page, options: Record<string, unknown>): Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string }> {
  return page.evaluate(
    async ({ from, options }) => {
      const { createRuntime, trustedKeys, isEdgeloopError } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys });
      try {
        return { ok: true as const, result: (await runtime.store.install('mnist-mlp', { from, ...options })) as unknown as Record<string, unknown> };
      } catch (error) {
        return { ok: false as const, code: isEdgeloopError(error) ? error.code : `untyped: ${String(error)}`, message: (error as Error).message };
      } finally {
        await runtime.dispose();
      }
    },
    { from: registry.url, options },
  );
}

/**
 * Loads mnist-mlp by name and predicts 8 held-out digits. `prepare` runs between reading
 * the digits and creating the runtime (the test data and the app come from the app
 * server), and the load (e.g. going offline).
 */
async function loadAndPredict(page: Page, prepare: () => Promise<void> = async () => undefined): Promise<{ version: string; correct: number }> {
  await page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const w = window as unknown as Record<string, unknown>;
    w.digits = await loadTestDigits(8);
    w.runtime = await createRuntime({ trustedKeys });
  });
  await prepare();
  return page.evaluate(async () => {
    const w = window as unknown as { digits: { images: Float32Array[]; labels: number[] }; runtime: Awaited<ReturnType<typeof window.edgeloop.createRuntime>> };
    const { images, labels } = w.digits;
    try {
      const model = await w.runtime.load('mnist-mlp', { backend: 'tfjs-cpu' });
      const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
      return { version: model.manifest.version, correct: predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length };
    } finally {
      await w.runtime.dispose();
    }
  });
}

test('install → reload → offline → load and predict from IndexedDB', async ({ page, context }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0'] });
  await openLab(page);
  const progress = await page.evaluate(async (from) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const phases: string[] = [];
    let last = { loadedBytes: 0, totalBytes: 0 };
    const result = await runtime.store.install('mnist-mlp', {
      from,
      onProgress: (p) => {
        if (phases[phases.length - 1] !== p.phase) phases.push(p.phase);
        last = p;
      },
    });
    const versions = await runtime.store.versions('mnist-mlp');
    await runtime.dispose();
    return { result, phases, last, versions };
  }, registry.url);
  expect(progress.result.version).toBe('1.1.0'); // `latest`
  expect(progress.result.fetchedFiles).toBe(3);
  expect(progress.phases).toEqual(['index', 'manifest', 'storage', 'download', 'activate', 'done']);
  expect(progress.last.loadedBytes).toBe(progress.last.totalBytes);
  expect(progress.last.totalBytes).toBe(progress.result.bytes);
  expect(progress.versions).toMatchObject([{ version: '1.1.0', state: 'complete', active: true, source: registry.url, pinned: false }]);

  // Online, once: the browser caches the engine's code (immutable hashed assets), as a
  // user's first visit would.
  expect((await loadAndPredict(page)).version).toBe('1.1.0');
  await page.reload();
  await openLab(page);
  const before = registry.requests.length;
  const offline = await loadAndPredict(page, () => context.setOffline(true));
  expect(offline.version).toBe('1.1.0');
  expect(offline.correct).toBeGreaterThanOrEqual(7);
  expect(registry.requests.length, 'no registry request while offline').toBe(before);
  await context.setOffline(false);
});

/** The versions the page's store holds: `version:state[:active]`. */
async function versions(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    try {
      return (await runtime.store.versions('mnist-mlp')).map((v) => `${v.version}:${v.state}${v.active ? ':active' : ''}`);
    } finally {
      await runtime.dispose();
    }
  });
}

test('a corrupt shard, a bad or untrusted signature, an older or an expired index: each refused, the old version still active and predicting', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '2.0.0', '2.1.0', '2.2.0', '2.3.0'], aliases: { latest: '2.0.0' } });
  // 2.1.0: one flipped byte in the weights.
  const shard = join(root, 'mnist-mlp', '2.1.0', 'tfjs', 'group1-shard1of1.bin');
  const bytes = await readFile(shard);
  bytes[1000] ^= 0x01;
  await writeFile(shard, bytes);
  // 2.2.0: the manifest changed after signing.
  const tampered = join(root, 'mnist-mlp', '2.2.0', 'manifest.json');
  await writeFile(tampered, (await readFile(tampered, 'utf8')).replace('"task"', '"note": "tampered",\n  "task"'));
  // 2.3.0: signed by a key the app does not trust.
  const stranger = await generateSigningKeyPair();
  const strangerDir = join(root, 'mnist-mlp', '2.3.0');
  await writeFile(join(strangerDir, 'manifest.sig'), await signManifest(await readFile(join(strangerDir, 'manifest.json')), stranger.privateKey, stranger.publicKey));

  await openLab(page);
  const first = await install(page, {});
  expect(first.ok && first.result.version).toBe('2.0.0');

  const offer = async (latest: string, extra: { validForMs?: number; now?: Date } = {}) =>
    writeIndex(root, 'mnist-mlp', { versions: ['1.0.0', '2.0.0', '2.1.0', '2.2.0', '2.3.0'], aliases: { latest }, ...extra });
  const cases: Array<[string, () => Promise<void>, string]> = [
    ['a shard with one flipped byte', () => offer('2.1.0'), 'INTEGRITY_MISMATCH'],
    ['a manifest with a bad signature', () => offer('2.2.0'), 'SIGNATURE_INVALID'],
    ['a manifest signed by an untrusted key', () => offer('2.3.0'), 'SIGNATURE_UNTRUSTED'],
    ['an index offering an older version', () => offer('1.0.0'), 'ROLLBACK_REFUSED'],
    ['an expired index', () => offer('2.0.0', { now: new Date(Date.now() - 3_600_000), validForMs: 60_000 }), 'INDEX_EXPIRED'],
  ];
  for (const [what, arrange, code] of cases) {
    await arrange();
    const outcome = await install(page, {});
    expect(outcome.ok ? 'installed' : outcome.code, what).toBe(code);
    expect(await versions(page), what).toContain('2.0.0:complete:active');
    const loaded = await loadAndPredict(page);
    expect(loaded.version, what).toBe('2.0.0');
    expect(loaded.correct, what).toBeGreaterThanOrEqual(7);
  }
  // An older version asked for by number is a deliberate downgrade, not an attack.
  await offer('2.0.0');
  const downgrade = await install(page, { version: '1.0.0' });
  expect(downgrade.ok && downgrade.result.version).toBe('1.0.0');
  expect((await loadAndPredict(page)).version).toBe('1.0.0');
});

test('a connection dropped mid-shard and a reload mid-install keep the old version; the next install fetches only what is missing', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0'], aliases: { latest: '1.0.0' } });
  await openLab(page);
  expect((await install(page, {})).ok).toBe(true);
  await writeIndex(root, 'mnist-mlp', { versions: ['1.0.0', '1.1.0'] });

  // 1. The server drops the connection half-way through the ONNX file.
  registry.fault('1.1.0/onnx/model.onnx', { mode: 'drop' });
  const dropped = await install(page, {});
  expect(dropped.ok ? 'installed' : dropped.code).toBe('FETCH_FAILED');
  expect(await versions(page)).toEqual(['1.1.0:partial', '1.0.0:complete:active']);
  expect((await loadAndPredict(page)).version).toBe('1.0.0');

  // 2. The ONNX file stalls half-way and the page reloads in the middle of the install.
  registry.fault('1.1.0/onnx/model.onnx', { mode: 'stall' });
  void page.evaluate(async (from) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    await runtime.store.install('mnist-mlp', { from });
  }, registry.url).catch(() => undefined); // the reload ends it
  await expect.poll(() => registry.count('1.1.0/onnx/model.onnx')).toBe(2);
  await expect.poll(() => registry.count('1.1.0/tfjs/group1-shard1of1.bin')).toBeGreaterThanOrEqual(1);
  await page.waitForTimeout(1000); // let the worker store the files that did arrive
  await page.reload();
  await openLab(page);
  expect(await versions(page)).toEqual(['1.1.0:partial', '1.0.0:complete:active']);
  expect((await loadAndPredict(page)).version).toBe('1.0.0');

  // 3. The next install resumes: only the file still missing is fetched.
  const artifactRequests = () => registry.requests.filter((r) => /\/1\.1\.0\/(tfjs|onnx)\//.test(r)).length;
  const before = artifactRequests();
  const resumed = await install(page, {});
  expect(resumed.ok && resumed.result).toMatchObject({ version: '1.1.0', fetchedFiles: 1, reusedFiles: 2 });
  expect(artifactRequests() - before, 'artifact files fetched by the resumed install').toBe(1);
  expect(await versions(page)).toEqual(['1.1.0:complete:active', '1.0.0:complete']);
  const loaded = await loadAndPredict(page);
  expect(loaded).toMatchObject({ version: '1.1.0' });
  expect(loaded.correct).toBeGreaterThanOrEqual(7);
});

test('a tiny quota: an old version is evicted to make room, or QUOTA_EXCEEDED with nothing lost', async ({ baseURL }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0', '2.0.0', '3.0.0'] });
  const dir = join(root, 'mnist-mlp', '1.0.0');
  const packageBytes = (await Promise.all(['tfjs/model.json', 'tfjs/group1-shard1of1.bin', 'onnx/model.onnx'].map(async (f) => (await readFile(join(dir, f))).byteLength))).reduce((a, b) => a + b);
  // A real on-disk profile, as a user has: Playwright's default contexts keep IndexedDB
  // in memory, where deleted records never give their space back.
  const profile = await mkdtemp(join(tmpdir(), 'edgeloop-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: findChromium(), args: [...CHROMIUM_BASE_ARGS], baseURL });
  try {
    const page = await context.newPage();
    // Room for two versions and a quarter. Chromium applies the override when the
    // origin's storage is first opened, and its estimate() ignores it (the store learns
    // from the refused write), so set it before anything is stored.
    const cdp = await context.newCDPSession(page);
    await openLab(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: Math.round(2.25 * packageBytes) + 64 * 1024 });
    for (const version of ['1.0.0', '1.1.0']) expect((await install(page, { version })).ok).toBe(true);

    // 2.0.0 does not fit: 1.0.0 (inactive, unpinned, least recently used) must go; the active 1.1.0 stays.
    const evicting = await install(page, { version: '2.0.0' });
    expect(evicting.ok ? evicting.result.evicted : evicting.message).toEqual(['mnist-mlp@1.0.0']);
    expect(await versions(page)).toEqual(['2.0.0:complete:active', '1.1.0:complete']);
    expect((await loadAndPredict(page)).version).toBe('2.0.0');

    // Pinned 1.1.0 may not go, 2.0.0 is active: 3.0.0 cannot fit, and nothing is touched.
    await page.evaluate(async () => {
      const runtime = await window.edgeloop.createRuntime();
      await runtime.store.pin('mnist-mlp', '1.1.0');
      await runtime.dispose();
    });
    const refused = await install(page, { version: '3.0.0' });
    expect(refused.ok ? 'installed' : refused.code).toBe('QUOTA_EXCEEDED');
    expect(refused.ok ? '' : refused.message).toMatch(/needs \d+ bytes/);
    expect(await versions(page)).toEqual(['2.0.0:complete:active', '1.1.0:complete']);
    const loaded = await loadAndPredict(page);
    expect(loaded.version).toBe('2.0.0');
    expect(loaded.correct).toBeGreaterThanOrEqual(7);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});

test('two pages installing the same version at once end with one valid copy', async ({ page, context }) => {
  await writeRegistry(root, { versions: ['1.0.0'] });
  const second = await context.newPage();
  await Promise.all([openLab(page), openLab(second)]);
  const [a, b] = await Promise.all([install(page, {}), install(second, {})]);
  expect(a.ok && b.ok).toBe(true);
  const results = [a, b].map((r) => (r.ok ? r.result : {}));
  expect(results.map((r) => r.alreadyInstalled).sort()).toEqual([false, true]);
  for (const path of ['tfjs/model.json', 'tfjs/group1-shard1of1.bin', 'onnx/model.onnx']) expect(registry.count(`1.0.0/${path}`), path).toBe(1);
  expect(await versions(second)).toEqual(['1.0.0:complete:active']);
  expect((await loadAndPredict(second)).correct).toBeGreaterThanOrEqual(7);
});

test('versions: list, rollback, activate, pin; the active or a loaded version cannot be removed', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0'] });
  await openLab(page);
  for (const version of ['1.0.0', '1.1.0']) expect((await install(page, { version })).ok).toBe(true);
  const outcome = await page.evaluate(async (from) => {
    const { createRuntime, trustedKeys, isEdgeloopError } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const code = async (work: () => Promise<unknown>) => work().then(() => 'ok', (e: unknown) => (isEdgeloopError(e) ? e.code : String(e)));
    const list = await runtime.store.versions('mnist-mlp');
    const rolledBackTo = await runtime.store.rollback('mnist-mlp');
    const afterRollback = (await runtime.load('mnist-mlp', { backend: 'tfjs-cpu' })).manifest.version;
    const removeActive = await code(() => runtime.store.remove('mnist-mlp', '1.0.0'));
    await runtime.store.activate('mnist-mlp', '1.1.0');
    const loaded = await runtime.load('mnist-mlp', { backend: 'tfjs-cpu' }); // 1.1.0, stays loaded
    await runtime.store.activate('mnist-mlp', '1.0.0');
    const removeLoaded = await code(() => runtime.store.remove('mnist-mlp', '1.1.0'));
    await loaded.dispose();
    const removeUnloaded = await code(() => runtime.store.remove('mnist-mlp', '1.1.0'));
    const activateMissing = await code(() => runtime.store.activate('mnist-mlp', '1.1.0'));
    const after = await runtime.store.versions('mnist-mlp');
    await runtime.dispose();
    return { list, rolledBackTo, afterRollback, removeActive, removeLoaded, removeUnloaded, activateMissing, after, from };
  }, registry.url);
  expect(outcome.list.map((v) => [v.version, v.active, v.previous])).toEqual([
    ['1.1.0', true, false],
    ['1.0.0', false, true],
  ]);
  for (const v of outcome.list) {
    expect(v.source).toBe(registry.url);
    expect(v.bytes).toBeGreaterThan(700_000);
    expect(Date.parse(v.installedAt!)).toBeGreaterThan(Date.now() - 120_000);
  }
  expect(outcome.rolledBackTo).toBe('1.0.0');
  expect(outcome.afterRollback).toBe('1.0.0');
  expect(outcome.removeActive).toBe('VERSION_ACTIVE');
  expect(outcome.removeLoaded).toBe('VERSION_IN_USE');
  expect(outcome.removeUnloaded).toBe('ok');
  expect(outcome.activateMissing).toBe('NOT_INSTALLED');
  expect(outcome.after.map((v) => `${v.version}:${v.active}`)).toEqual(['1.0.0:true']);
});

test('checkForUpdate uses the ETag; on-load and background update policies pick up a new version', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0', '1.2.0'], aliases: { latest: '1.0.0' } });
  await openLab(page);
  expect((await install(page, {})).ok).toBe(true);
  const check = () =>
    page.evaluate(async () => {
      const runtime = await window.edgeloop.createRuntime({ trustedKeys: window.edgeloop.trustedKeys });
      try {
        return await runtime.store.checkForUpdate('mnist-mlp');
      } finally {
        await runtime.dispose();
      }
    });
  expect(await check()).toMatchObject({ active: '1.0.0', latest: '1.0.0', updateAvailable: false, notModified: false });
  expect(await check()).toMatchObject({ updateAvailable: false, notModified: true });
  expect(registry.requests.filter((r) => r.startsWith('GET /mnist-mlp/index.json')).at(-1)).toBe('GET /mnist-mlp/index.json 304');

  await writeIndex(root, 'mnist-mlp', { versions: ['1.0.0', '1.1.0', '1.2.0'], aliases: { latest: '1.1.0' } });
  expect(await check()).toMatchObject({ active: '1.0.0', latest: '1.1.0', updateAvailable: true, notModified: false });

  const loadWith = (updatePolicy: 'on-load' | 'background') =>
    page.evaluate(async (updatePolicy) => {
      const runtime = await window.edgeloop.createRuntime({ trustedKeys: window.edgeloop.trustedKeys, updatePolicy });
      try {
        return (await runtime.load('mnist-mlp', { backend: 'tfjs-cpu' })).manifest.version;
      } finally {
        // Give a background update time to finish before the worker goes.
        if (updatePolicy === 'background') {
          for (let i = 0; i < 100 && (await runtime.store.versions('mnist-mlp')).find((v) => v.active)?.version !== '1.2.0'; i++) await new Promise((r) => setTimeout(r, 100));
        }
        await runtime.dispose();
      }
    }, updatePolicy);
  expect(await loadWith('on-load'), 'on-load installs the update before loading').toBe('1.1.0');
  await writeIndex(root, 'mnist-mlp', { versions: ['1.0.0', '1.1.0', '1.2.0'], aliases: { latest: '1.2.0' } });
  expect(await loadWith('background'), 'background loads what is installed').toBe('1.1.0');
  expect(await versions(page)).toEqual(['1.2.0:complete:active', '1.1.0:complete', '1.0.0:complete']);
});
