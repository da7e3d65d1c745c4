/**
 * The model store's warm load, as a user meets it: a load by name says where its time
 * went; a stored file changed on disk after its install never reaches an engine (every
 * file is checked on every load against the checksum its install recorded, or its
 * SHA-256 with `storeIntegrity: 'sha256'` and for files stored before checksums),
 * wherever its bytes live (the Origin Private File System, or IndexedDB for stores
 * written before it was used); a file another worker holds open still loads; a browser
 * without OPFS keeps the bytes in IndexedDB and loads them; a removed version's files
 * leave OPFS; a package installed from slices of a bigger buffer loads and predicts
 * right (the store hands its bytes on without copying them when it can).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
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
  | { ok: false; code: string; path?: string; check?: string; message: string };

/** Loads mnist-mlp from the store by name (on tfjs-wasm) and predicts 8 held-out digits, in a fresh runtime. */
function loadByName(page: Page, storeIntegrity?: 'checksum' | 'sha256'): Promise<LoadOutcome> {
  return page.evaluate(async (storeIntegrity) => {
    const { createRuntime, trustedKeys, loadTestDigits, isEdgeloopError } = window.edgeloop;
    const { images, labels } = await loadTestDigits(8);
    const runtime = await createRuntime({ trustedKeys, storeIntegrity });
    try {
      const model = await runtime.load('mnist-mlp', { backend: 'tfjs-wasm', failover: false });
      const predictions = await model.predictBatch(images.map((image) => ({ data: image.map((v) => v * 255), shape: [28, 28, 1] })));
      const correct = predictions.filter((p, i) => p.topK[0]!.index === labels[i]).length;
      return { ok: true as const, version: model.manifest.version, correct, loadMs: model.loadMs, phases: { ...model.loadPhases } };
    } catch (error) {
      const details = isEdgeloopError(error) ? (error.details as { path?: string; check?: string } | undefined) : undefined;
      return { ok: false as const, code: isEdgeloopError(error) ? error.code : `untyped: ${String(error)}`, path: details?.path, check: details?.check, message: (error as Error).message };
    } finally {
      await runtime.dispose();
    }
  }, storeIntegrity);
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

const SHARD = 'tfjs/group1-shard1of1.bin';
/** Where the store puts mnist-mlp's files: the small model.json stays in its IndexedDB row. */
const LAYOUT = { 'tfjs/model.json': 'indexeddb', [SHARD]: 'opfs', 'onnx/model.onnx': 'opfs' };
const ALL_IN_INDEXEDDB = { 'tfjs/model.json': 'indexeddb', [SHARD]: 'indexeddb', 'onnx/model.onnx': 'indexeddb' };

/**
 * Where the store keeps mnist-mlp@`version`'s files, by path; with `change`, first
 * rewrites them in place: `flip` one byte of `path` (what a damaged disk or a
 * hand-edited profile would do: the same length), `to-indexeddb` (every file's bytes
 * into its row and out of OPFS: a store written before OPFS was used) or `no-checksum`
 * (every row's checksum removed: a store written before checksums were recorded).
 */
function storedFiles(page: Page, version: string, change?: { flip: string } | 'to-indexeddb' | 'no-checksum'): Promise<Record<string, 'opfs' | 'indexeddb'>> {
  return page.evaluate(
    async ({ version, change }) => {
      // The store's layout (runtime/store/opfs-files.ts): edgeloop-store/<db>/<name>/<version>/<path>, each part escaped.
      const entry = (part: string) => encodeURIComponent(part).replace(/\./g, '%2E');
      const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
      const db = await request(indexedDB.open('edgeloop-models'));
      type Row = { path: string; data?: Uint8Array; opfs?: true; bytes?: number; checksum?: string };
      const rows = await request<Row[]>(db.transaction('files').objectStore('files').index('byVersion').getAll(['mnist-mlp', version]));
      const versionFolder = async () => {
        let folder = await navigator.storage.getDirectory();
        for (const part of ['edgeloop-store', 'edgeloop-models', 'mnist-mlp', version]) folder = await folder.getDirectoryHandle(entry(part));
        return folder;
      };
      const where: Record<string, 'opfs' | 'indexeddb'> = {};
      for (const row of rows) {
        where[row.path] = row.data ? 'indexeddb' : 'opfs';
        if (change === 'no-checksum') {
          delete row.checksum;
          await request(db.transaction('files', 'readwrite').objectStore('files').put(row));
        }
        const flip = typeof change === 'object' && change.flip === row.path;
        if (row.data && flip) {
          row.data[100] = row.data[100]! ^ 0xff;
          await request(db.transaction('files', 'readwrite').objectStore('files').put(row));
        } else if (!row.data && (flip || change === 'to-indexeddb')) {
          const folder = await versionFolder();
          const handle = await folder.getFileHandle(entry(row.path));
          const data = new Uint8Array(await (await handle.getFile()).arrayBuffer());
          if (flip) {
            data[100] = data[100]! ^ 0xff;
            const writable = await handle.createWritable();
            await writable.write(data);
            await writable.close();
          } else {
            await request(db.transaction('files', 'readwrite').objectStore('files').put({ ...row, data, opfs: undefined, bytes: undefined }));
            await folder.removeEntry(entry(row.path));
          }
        }
      }
      db.close();
      return where;
    },
    { version, change },
  );
}

/** The versions of mnist-mlp with a folder in OPFS. */
function opfsVersions(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    let folder = await navigator.storage.getDirectory();
    for (const part of ['edgeloop-store', 'edgeloop-models', 'mnist-mlp']) folder = await folder.getDirectoryHandle(part);
    const names: string[] = [];
    for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(decodeURIComponent(name));
    return names.sort();
  });
}

test('the store keeps file bytes in OPFS; a file changed there after its install is refused at load, naming the file; a new version repairs it', async ({ page }) => {
  await install(page);
  expect((await loadByName(page)).ok).toBe(true);
  expect(await storedFiles(page, '1.0.0', { flip: SHARD })).toEqual(LAYOUT);
  const refused = await loadByName(page);
  expect(refused).toMatchObject({ ok: false, code: 'INTEGRITY_MISMATCH', path: SHARD, check: 'checksum' });
  // Asked to, the store checks every file's SHA-256 instead, and refuses the same file.
  expect(await loadByName(page, 'sha256')).toMatchObject({ ok: false, code: 'INTEGRITY_MISMATCH', path: SHARD, check: 'sha256' });

  // A forced reinstall of the same version is not offered by the API; removing the damage
  // is: a new version from the registry replaces it, and loads.
  await writeRegistry(root, { versions: ['1.0.0', '1.0.1'] });
  await install(page);
  expect(await loadByName(page)).toMatchObject({ ok: true, version: '1.0.1' });
});

test('a store written before OPFS (bytes in IndexedDB rows) still loads, and still refuses a changed file', async ({ page }) => {
  await install(page);
  expect(await storedFiles(page, '1.0.0', 'to-indexeddb')).toEqual(LAYOUT);
  await expectBytesInRowsLoadAndRefuseAFlip(page);
});

test('a store written before checksums were recorded still loads, its files checked by SHA-256, and refuses a changed file', async ({ page }) => {
  await install(page);
  expect(await storedFiles(page, '1.0.0', 'no-checksum')).toEqual(LAYOUT);
  expect(await loadByName(page)).toMatchObject({ ok: true, version: '1.0.0' });
  await storedFiles(page, '1.0.0', { flip: SHARD });
  expect(await loadByName(page)).toMatchObject({ ok: false, code: 'INTEGRITY_MISMATCH', path: SHARD, check: 'sha256' });
});

test('a browser without OPFS: the store keeps the bytes in IndexedDB, loads them, and refuses a changed file', async ({ baseURL }) => {
  const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_BASE_ARGS, '--disable-blink-features=FileSystemAccessOriginPrivate'] });
  try {
    const page = await browser.newPage({ baseURL });
    await openLab(page);
    expect(await page.evaluate(() => typeof navigator.storage.getDirectory)).toBe('undefined');
    await install(page);
    await expectBytesInRowsLoadAndRefuseAFlip(page);
  } finally {
    await browser.close();
  }
});

test('loads succeed while other workers hold the file open, and from two pages at once', async ({ page, context }) => {
  await install(page);
  const second = await context.newPage();
  await openLab(second);
  for (const mode of ['read-only', 'readwrite'] as const) {
    // Another worker of another page holds a sync access handle on the shard: shared (another reader) or exclusive.
    await second.evaluate(
      async ({ mode, path }) => {
        const code = `onmessage = async ({ data }) => {
          let folder = await navigator.storage.getDirectory();
          for (const part of data.folders) folder = await folder.getDirectoryHandle(part);
          const handle = await (await folder.getFileHandle(data.file)).createSyncAccessHandle({ mode: data.mode });
          postMessage(handle.mode ?? data.mode);
        };`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
        (window as unknown as { holder: Worker }).holder = worker;
        const entry = (part: string) => encodeURIComponent(part).replace(/\./g, '%2E');
        await new Promise((resolve) => {
          worker.onmessage = resolve;
          worker.postMessage({ mode, folders: ['edgeloop-store', 'edgeloop-models', 'mnist-mlp', '1.0.0'].map(entry), file: entry(path) });
        });
      },
      { mode, path: SHARD },
    );
    expect(await loadByName(page), `loaded while a ${mode} handle is open elsewhere`).toMatchObject({ ok: true, version: '1.0.0' });
    await second.evaluate(() => (window as unknown as { holder: Worker }).holder.terminate());
  }
  const both = await Promise.all([loadByName(page), loadByName(second)]);
  for (const loaded of both) expect(loaded).toMatchObject({ ok: true, version: '1.0.0' });
});

test("removing a version removes its files from OPFS, and sweeps a folder a crash left", async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.0.1'] });
  await page.evaluate(async (from) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    for (const version of ['1.0.0', '1.0.1']) await runtime.store.install('mnist-mlp', { from, version });
    await runtime.dispose();
  }, registry.url);
  // What a crash between a removal's transaction and its file removal leaves: a folder no version record names.
  await page.evaluate(async () => {
    let folder = await navigator.storage.getDirectory();
    for (const part of ['edgeloop-store', 'edgeloop-models', 'mnist-mlp', '0%2E9%2E0']) folder = await folder.getDirectoryHandle(part, { create: true });
    const writable = await (await folder.getFileHandle('orphan', { create: true })).createWritable();
    await writable.write(new Uint8Array(1000));
    await writable.close();
  });
  expect(await opfsVersions(page)).toEqual(['0.9.0', '1.0.0', '1.0.1']);
  await page.evaluate(async () => {
    const runtime = await window.edgeloop.createRuntime();
    await runtime.store.remove('mnist-mlp', '1.0.0');
    await runtime.dispose();
  });
  expect(await opfsVersions(page)).toEqual(['1.0.1']);
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

/** Every file's bytes in its IndexedDB row: version 1.0.0 loads and predicts; with a byte of the shard flipped there, the load is refused naming it. */
async function expectBytesInRowsLoadAndRefuseAFlip(page: Page): Promise<void> {
  expect(await storedFiles(page, '1.0.0')).toEqual(ALL_IN_INDEXEDDB);
  const loaded = await loadByName(page);
  expect(loaded).toMatchObject({ ok: true, version: '1.0.0' });
  if (loaded.ok) expect(loaded.correct).toBeGreaterThanOrEqual(7);
  await storedFiles(page, '1.0.0', { flip: SHARD });
  expect(await loadByName(page)).toMatchObject({ ok: false, code: 'INTEGRITY_MISMATCH', path: SHARD, check: 'checksum' });
}
