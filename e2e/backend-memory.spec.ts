/**
 * The remembered `auto` choice, in real Chromium with real IndexedDB: a second load in a
 * fresh runtime worker goes straight onto the backend the first one measured, timing
 * nothing; other weights (another artifact hash) are measured afresh; a failover marks
 * the record so the next load re-checks.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openLab, packageVariant, writeSignedManifest } from './lab.ts';

const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

/** Loads `url` with `auto` in a fresh runtime (a new worker) and says what it did. */
async function loadFresh(page: Page, url: string, rememberBackend: boolean | 'refresh' = true) {
  return page.evaluate(
    async ({ url, rememberBackend }) => {
      const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys });
      const tried: string[] = [];
      const model = await runtime.load(url, { rememberBackend, onProgress: (p) => p.phase === 'backend' && p.backend && tried.push(p.backend) });
      const { images, labels } = await loadTestDigits(20);
      let correct = 0;
      for (let i = 0; i < images.length; i++) {
        const prediction = await model.predict({ data: images[i]!.map((v) => v * 255), shape: [1, 28, 28, 1] });
        if (prediction.topK[0]!.index === labels[i]) correct++;
      }
      await runtime.dispose();
      return { report: model.backend, loadMs: model.loadMs, tried, correct };
    },
    { url, rememberBackend },
  );
}

test('a second auto load in a fresh worker loads straight onto the remembered backend, timing nothing', async ({ page }) => {
  await openLab(page);
  const first = await loadFresh(page, CNN);
  expect(first.report.reason).toMatch(/^auto: fastest warm runs/);
  expect(first.tried.length).toBeGreaterThan(1);

  const second = await loadFresh(page, CNN);
  expect(second.report.backend).toBe(first.report.backend);
  expect(second.report.reason).toMatch(/^auto: remembered from \d{4}-\d\d-\d\d \(\S+ \d+\.\d+ ms vs \S+ \d+\.\d+ ms\)$/);
  expect(second.tried, 'only the remembered backend was built').toEqual([first.report.backend]);
  expect(second.report.candidates.every((c) => c.remembered && c.runs === undefined)).toBe(true);
  expect(second.loadMs).toBeLessThan(first.loadMs);
  expect(second.correct).toBeGreaterThan(16);

  // Opting out measures again; 'refresh' measures and remembers the new measurement.
  const off = await loadFresh(page, CNN, false);
  expect(off.report.reason).toMatch(/^auto: fastest warm runs/);
  const refreshed = await loadFresh(page, CNN, 'refresh');
  expect(refreshed.report.reason).toMatch(/^auto: fastest warm runs/);
  const after = await loadFresh(page, CNN);
  expect(after.report.reason).toMatch(/^auto: remembered from/);
  expect(after.report.candidates.find((c) => c.backend === after.report.backend)!.warmupMs).toBe(refreshed.report.candidates.find((c) => c.backend === after.report.backend)!.warmupMs);
});

test('other weights under the same name and version are measured afresh, not given the remembered backend', async ({ page }) => {
  // The same package with one weight of the tfjs shard changed: another SHA-256, re-signed.
  const variant = await packageVariant('mnist-cnn', 'reweighted', async (dir, manifest) => {
    const tfjs = manifest.artifacts.find((a) => a.engine === 'tfjs')!;
    const shard = tfjs.files.find((f) => f.path.endsWith('.bin'))!;
    const bytes = await readFile(join(dir, shard.path));
    bytes[0] = bytes[0]! ^ 0x01; // the lowest mantissa bit of the first float
    await writeFile(join(dir, shard.path), bytes);
    shard.sha256 = createHash('sha256').update(bytes).digest('hex');
    await writeSignedManifest(dir, manifest);
  });
  await openLab(page);
  expect((await loadFresh(page, CNN)).report.reason).toMatch(/^auto: fastest warm runs/);
  expect((await loadFresh(page, CNN)).report.reason).toMatch(/^auto: remembered from/);
  const other = await loadFresh(page, variant);
  expect(other.report.reason).toMatch(/^auto: fastest warm runs/);
  expect(other.tried.length).toBeGreaterThan(1);
});

test('a failover marks the remembered choice: the next load re-checks instead of reusing it', async ({ page }) => {
  await openLab(page);
  const first = await loadFresh(page, CNN);
  // Make the record say tfjs-webgpu won (as it would on a real GPU), so that a lost
  // WebGPU device can make the remembered backend fail over.
  const rewritten = await page.evaluate(async (gpuArtifact) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('edgeloop-backend-choice');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const store = () => db.transaction('choices', 'readwrite').objectStore('choices');
    const records = await new Promise<Array<Record<string, unknown>>>((resolve) => {
      const all = store().getAll();
      all.onsuccess = () => resolve(all.result as Array<Record<string, unknown>>);
    });
    const record = records[0]!;
    const candidates = (record.candidates as Array<{ backend: string }>).filter((c) => c.backend !== 'tfjs-webgpu');
    await new Promise((resolve) => (store().put({ ...record, backend: 'tfjs-webgpu', artifact: gpuArtifact, candidates: [{ backend: 'tfjs-webgpu', warmupMs: 0.01 }, ...candidates] }).onsuccess = resolve));
    db.close();
    return records.length;
  }, first.report.candidates.find((c) => c.backend === 'tfjs-webgpu')!.artifact!);
  expect(rewritten).toBe(1);

  const failed = await page.evaluate(async (url) => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const model = await runtime.load(url);
    const loaded = model.backend;
    await model.simulateDeviceLoss();
    const prediction = await model.predict({ data: new Float32Array(784), shape: [1, 28, 28, 1] });
    const report = await model.backendReport();
    await runtime.dispose(); // waits for the memory's writes
    return { loaded, ran: prediction.backend, report };
  }, CNN);
  expect(failed.loaded.backend).toBe('tfjs-webgpu');
  expect(failed.loaded.reason).toMatch(/^auto: remembered from/);
  expect(failed.ran).not.toMatch(/webgpu/);
  expect(failed.report.reason).toMatch(/^failover: tfjs-webgpu failed mid-session/);

  const next = await loadFresh(page, CNN);
  expect(next.report.reason, JSON.stringify(next.report)).toMatch(/^auto: .*; re-checked \(re-check after a failover on \d{4}-\d\d-\d\d: tfjs-webgpu failed mid-session, the model moved to \S+\)$/);
  expect(next.report.backend).not.toMatch(/webgpu/);
  expect(next.tried, 'a software adapter is still not timed').not.toContain('tfjs-webgpu');
});
