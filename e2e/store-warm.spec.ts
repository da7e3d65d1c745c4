/**
 * The model store's warm load, as a user meets it: a load by name says where its time
 * went; a stored file changed on disk after its install never reaches an engine (the
 * SHA-256 of every file is checked on every load); a package installed from slices of a
 * bigger buffer loads and predicts right (the store hands its bytes on without copying
 * them when it can).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openLab } from './lab.ts';
import { startRegistryServer, writeRegistry, type RegistryServer } from './registry-server.ts';

let root: string;
let registry: RegistryServer;

test.beforeEach(async ({ page }) => {
  root = await mkdtemp(join(tmpdir(), 'edgeloop-registry-'));
  registry = await startRegistryServer(root);
  await writeRegistry(root, { versions: ['1.0.0'] });
  await openLab(page);
});

test.afterEach(async () => {
  await registry.close();
  await rm(root, { recursive: true, force: true });
});

type LoadOutcome =
  | { ok: true; version: string; correct: number; loadMs: number; phases: { manifestMs: number; bytesMs: number; engineMs: number } }
  | { ok: false; code: string; path?: string; message: string };

/** Loads mnist-mlp from the store by name (on tfjs-wasm) and predicts 8 held-out digits, in a fresh runtime. */
function loadByName(page: Page): Promise<LoadOutcome> {
  return page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits, isEdgeloopError } = window.edgeloop;
    const { images, labels } = await loadTestDigits(8);
    const runtime = await createRuntime({ trustedKeys });
    try {
      const model = await runtime.load('mnist-mlp', { backend: 'tfjs-wasm', failover: false });
      const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
      const correct = predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length;
      return { ok: true as const, version: model.manifest.version, correct, loadMs: model.loadMs, phases: { ...model.loadPhases } };
    } catch (error) {
      const details = isEdgeloopError(error) ? (error.details as { path?: string } | undefined) : undefined;
      return { ok: false as const, code: isEdgeloopError(error) ? error.code : `untyped: ${String(error)}`, path: details?.path, message: (error as Error).message };
    } finally {
      await runtime.dispose();
    }
  });
}

/** Installs mnist-mlp from the test registry into the page's store. */
function install(page: Page): Promise<void> {
  return page.evaluate(async (from) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    await runtime.store.install('mnist-mlp', { from });
    await runtime.dispose();
  }, registry.url);
}

test('a load from the store reports its phases: manifest, bytes, engine', async ({ page }) => {
  await install(page);
  const loaded = await loadByName(page);
  if (!loaded.ok) throw new Error(`load failed: ${loaded.code} ${loaded.message}`);
  expect(loaded.correct).toBeGreaterThanOrEqual(7);
  const { manifestMs, bytesMs, engineMs } = loaded.phases;
  for (const ms of [manifestMs, bytesMs, engineMs]) expect(ms).toBeGreaterThanOrEqual(0);
  // The engine set-up (tfjs and its wasm backend, the model built) is never free.
  expect(engineMs).toBeGreaterThan(0);
  expect(manifestMs + bytesMs + engineMs).toBeLessThanOrEqual(loaded.loadMs + 1);
});

test('a stored file changed after its install is refused at load, naming the file; installing again repairs it', async ({ page }) => {
  const shard = 'tfjs/group1-shard1of1.bin';
  await install(page);
  expect((await loadByName(page)).ok).toBe(true);

  // What malware or a hand-edited profile would do: one byte of the stored shard flipped, the same length.
  await page.evaluate(async (path) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('edgeloop-models');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('files', 'readwrite');
    const files = tx.objectStore('files');
    const key = ['mnist-mlp', '1.0.0', path];
    const record = await new Promise<{ data: Uint8Array }>((resolve, reject) => {
      const get = files.get(key);
      get.onsuccess = () => resolve(get.result as { data: Uint8Array });
      get.onerror = () => reject(get.error);
    });
    record.data[100] = record.data[100]! ^ 0xff;
    files.put(record);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, shard);
  const refused = await loadByName(page);
  expect(refused).toMatchObject({ ok: false, code: 'INTEGRITY_MISMATCH', path: shard });

  // A forced reinstall of the same version is not offered by the API; removing the damage
  // is: a new version from the registry replaces it, and loads.
  await writeRegistry(root, { versions: ['1.0.0', '1.0.1'] });
  await install(page);
  expect(await loadByName(page)).toMatchObject({ ok: true, version: '1.0.1' });
});

test('a package installed from slices of a bigger buffer loads and predicts right', async ({ page }) => {
  const result = await page.evaluate(async (base) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const get = async (path: string) => new Uint8Array(await (await fetch(new URL(path, base))).arrayBuffer());
    const manifestBytes = await get('manifest.json');
    const signature = await get('manifest.sig');
    const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { artifacts: Array<{ files: Array<{ path: string }> }> };
    const files = new Map<string, Uint8Array>();
    for (const { path } of manifest.artifacts.flatMap((a) => a.files)) {
      const bytes = await get(path);
      // The file sits at an odd offset inside a larger buffer filled with other bytes.
      const host = new Uint8Array(bytes.byteLength + 64).fill(0xa5);
      host.set(bytes, 13);
      files.set(path, host.subarray(13, 13 + bytes.byteLength));
    }
    const runtime = await createRuntime({ trustedKeys });
    try {
      return await runtime.store.installPackage({ name: 'mnist-mlp', manifestBytes, signature, files });
    } finally {
      await runtime.dispose();
    }
  }, `${registry.url}mnist-mlp/1.0.0/`);
  expect(result.version).toBe('1.0.0');
  const loaded = await loadByName(page);
  expect(loaded).toMatchObject({ ok: true, version: '1.0.0' });
  if (loaded.ok) expect(loaded.correct).toBeGreaterThanOrEqual(7);
});
