/**
 * A probe, not a benchmark: how fast a dedicated worker reads large files back from
 * IndexedDB (Uint8Array values, as the model store kept files) against the Origin
 * Private File System (a `read-only` sync access handle `read` into one buffer of the
 * file's size, and `getFile().arrayBuffer()`). The bytes are written once; every read
 * then runs in a fresh worker of a freshly opened page, the methods alternating (each
 * goes first in turn). Prints each read and the medians. With `files` > 1 the bytes are
 * split into that many files, read at once (one IndexedDB transaction). Needs nothing built.
 *
 *   npx tsx scripts/bench/opfs-probe.ts [rounds] [megabytes] [files] [--persistent]
 *
 * `--persistent`: a browser profile on disk, as a user has (Playwright's default context
 * is off the record: Chromium keeps its IndexedDB and OPFS in memory, and OPFS's sync
 * handles go through the browser process there).
 *
 * Found (2026-12-07, Chromium 150, 2-core machine, load average 3–5), medians in ms:
 * 14 MB in 1 file on disk: IndexedDB 189, sync handle 55, getFile 87; in 4 files on disk:
 * 214, 71, 118; in 4 files off the record: 163, 142, 104 (those with a `readwrite`
 * handle; with the `read-only` one now used, 4 files on disk: 322, 87, 187).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, ensureChromium } from '../chromium.ts';
import { startStaticServer } from '../static-server.ts';
import { percentile } from './stats.ts';

const median = (samples: readonly number[]) => percentile(samples, 50);

const persistent = process.argv.includes('--persistent');
const [rounds = 9, megabytes = 14, parts = 1] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
const METHODS = ['idb', 'opfs-sync', 'opfs-file'] as const;

// Plain JavaScript: the page and worker are served as they are (no bundler).
const WORKER = `
const openDb = () => new Promise((resolve, reject) => {
  const request = indexedDB.open('opfs-probe', 1);
  request.onupgradeneeded = () => request.result.createObjectStore('files');
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
const idbRequest = (request) => new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
async function write(bytes, parts) {
  const db = await openDb();
  const root = await navigator.storage.getDirectory();
  let sum = 0;
  for (let p = 0; p < parts; p++) {
    const data = new Uint8Array(Math.round(bytes / parts));
    for (let i = 0; i < data.byteLength; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(data.byteLength, i + 65536)));
    const tx = db.transaction('files', 'readwrite');
    tx.objectStore('files').put(data, 'part' + p);
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    const handle = await root.getFileHandle('part' + p, { create: true });
    const access = await handle.createSyncAccessHandle();
    access.truncate(0);
    access.write(data, { at: 0 });
    access.flush();
    access.close();
    for (let i = 0; i < data.byteLength; i += 4096) sum += data[i];
  }
  db.close();
  return { sum };
}
async function readOne(method, root, tx, name) {
  if (method === 'idb') return idbRequest(tx.objectStore('files').get(name));
  const handle = await root.getFileHandle(name);
  if (method === 'opfs-file') return new Uint8Array(await (await handle.getFile()).arrayBuffer());
  const access = await handle.createSyncAccessHandle({ mode: 'read-only' });
  const data = new Uint8Array(access.getSize());
  const n = access.read(data, { at: 0 });
  access.close();
  if (n !== data.byteLength) throw new Error('short read ' + n);
  return data;
}
async function read(method, parts) {
  const t0 = performance.now();
  const db = method === 'idb' ? await openDb() : undefined;
  const root = method === 'idb' ? undefined : await navigator.storage.getDirectory();
  const openMs = performance.now() - t0;
  const tx = db?.transaction('files', 'readonly');
  const names = Array.from({ length: parts }, (_, p) => 'part' + p);
  const all = await Promise.all(names.map((name) => readOne(method, root, tx, name)));
  const ms = performance.now() - t0;
  db?.close();
  let sum = 0;
  let bytes = 0;
  for (const data of all) { bytes += data.byteLength; for (let i = 0; i < data.byteLength; i += 4096) sum += data[i]; }
  return { ms, openMs, sum, bytes };
}
onmessage = async ({ data }) => {
  try {
    postMessage({ ok: true, result: data.op === 'write' ? await write(data.bytes, data.parts) : await read(data.method, data.parts) });
  } catch (error) {
    postMessage({ ok: false, error: String(error) });
  }
};
`;
const PAGE = `<!doctype html><meta charset="utf-8"><title>opfs probe</title><script>
window.ask = (message) => new Promise((resolve, reject) => {
  const worker = new Worker('/worker.js');
  worker.onmessage = ({ data }) => { worker.terminate(); data.ok ? resolve(data.result) : reject(new Error(data.error)); };
  worker.onerror = (event) => { worker.terminate(); reject(new Error(event.message)); };
  worker.postMessage(message);
});
</script>`;

const dir = mkdtempSync(join(tmpdir(), 'opfs-probe-'));
writeFileSync(join(dir, 'index.html'), PAGE);
writeFileSync(join(dir, 'worker.js'), WORKER);
const server = await startStaticServer([{ prefix: '/', dir }]);
// Playwright's `browser.newContext()` is off the record (Chromium keeps its IndexedDB and
// OPFS in memory); a persistent context has a profile on disk, as a user's browser does.
const launch = { executablePath: ensureChromium(), args: [...CHROMIUM_BASE_ARGS], headless: true };
const profile = persistent ? mkdtempSync(join(tmpdir(), 'opfs-probe-profile-')) : undefined;
const browser = profile ? undefined : await chromium.launch(launch);
const context = profile ? await chromium.launchPersistentContext(profile, { ...launch, baseURL: server.url }) : await browser!.newContext({ baseURL: server.url });
try {
  const withPage = async <T>(work: (ask: (message: unknown) => Promise<T>) => Promise<T>): Promise<T> => {
    const page = await context.newPage();
    try {
      await page.goto('/index.html');
      return await work((message) => page.evaluate(`window.ask(${JSON.stringify(message)})`) as Promise<T>);
    } finally {
      await page.close();
    }
  };
  const written = await withPage((ask) => ask({ op: 'write', bytes: Math.round(megabytes * 1024 * 1024), parts }));
  console.log(`chromium ${context.browser()?.version() ?? '(persistent)'}, ${persistent ? 'profile on disk' : 'off the record'}, ${megabytes} MB in ${parts} file(s) written`, written, `load ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const times: Record<string, number[]> = Object.fromEntries(METHODS.map((m) => [m, []]));
  // One untimed read of each first (the worker script and the storage back ends once through).
  for (const method of METHODS) await withPage((ask) => ask({ op: 'read', method, parts }));
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < METHODS.length; k++) {
      const method = METHODS[(i + k) % METHODS.length]!;
      const r = (await withPage((ask) => ask({ op: 'read', method, parts }))) as { ms: number; openMs: number; sum: number; bytes: number };
      if (r.sum !== (written as { sum: number }).sum) throw new Error(`${method}: read other bytes than were written`);
      times[method]!.push(r.ms);
      console.log(`round ${i} ${method.padEnd(9)} ${r.ms.toFixed(1)} ms (open ${r.openMs.toFixed(1)})`);
    }
  }
  const idb = median(times.idb!);
  for (const method of METHODS) {
    const m = median(times[method]!);
    console.log(`median ${method.padEnd(9)} ${m.toFixed(1)} ms  (${(m / idb).toFixed(2)}× idb)  min ${Math.min(...times[method]!).toFixed(1)}  max ${Math.max(...times[method]!).toFixed(1)}`);
  }
} finally {
  await context.close();
  await browser?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  if (profile) rmSync(profile, { recursive: true, force: true });
}
