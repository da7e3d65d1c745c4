/**
 * The Train page, driven as a user would in real Chromium: train an MLP on the MNIST
 * sample in the trainer's worker with live charts, read its evaluation, compress it for
 * two edge targets, install it into the model store (checked in IndexedDB), download it
 * as a zip; train a CNN on wasm where WebGPU is only a software adapter; and stop a
 * longer run, reload the page, and resume it from its checkpoint.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { crc32 } from '../pwa/train/zip-store.ts';
import { saveScreenshots } from './app.ts';
import { FIXTURES } from './lab.ts';

/** The first `count` MNIST test digits (28×28, 0..1) and their labels, from the fixtures. */
async function mnistTest(count: number): Promise<{ images: Float32Array[]; labels: number[] }> {
  const pixels = new Float32Array((await readFile(join(FIXTURES, 'data', 'mnist-test-images.f32'))).buffer.slice(0));
  const labels = [...(await readFile(join(FIXTURES, 'data', 'mnist-test-labels.u8')))].slice(0, count);
  return { images: labels.map((_, i) => pixels.slice(i * 784, (i + 1) * 784)), labels };
}

/** A grey 8-bit PNG of a 28×28 digit (PNG spec: signature, IHDR, one zlib IDAT of filter-0 rows, IEND). */
function digitPng(image: Float32Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(28, 0);
  header.writeUInt32BE(28, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, filter 0, no interlace
  const rows = Buffer.alloc(28 * 29);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) rows[y * 29 + 1 + x] = Math.round(image[y * 28 + x]! * 255);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

async function openTrain(page: Page): Promise<void> {
  await page.goto('/train.html');
  await expect(page.getByRole('heading', { name: '1 · Data' })).toBeVisible();
}

async function chooseMnist(page: Page, options: { count: string; epochs: number; name: string }): Promise<void> {
  await page.getByLabel('The MNIST sample (handwritten digits)').check();
  await page.getByLabel('Training digits').selectOption({ label: options.count });
  await page.getByLabel('Kind').selectOption('mlp');
  await page.getByLabel('Epochs', { exact: true }).fill(String(options.epochs));
  await page.getByLabel('Package name').fill(options.name);
}

/** The active version of `name` in the runtime's IndexedDB model store, read directly. */
async function activeVersion(page: Page, name: string): Promise<string | undefined> {
  return page.evaluate(
    (name) =>
      new Promise<string | undefined>((resolve, reject) => {
        const open = indexedDB.open('edgeloop-models');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction('models').objectStore('models').get(name);
          get.onsuccess = () => {
            db.close();
            resolve((get.result as { active?: string } | undefined)?.active);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    name,
  );
}

test('trains an MLP on the MNIST sample with live charts, compresses it, installs it and downloads it', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrain(page);
  await expect(page.getByText('Train a model first')).toBeVisible();
  await chooseMnist(page, { count: '1,000', epochs: 2, name: 'e2e-digits' });
  // Every status the page shows while it trains (a fast run passes the live ones in moments).
  await page.evaluate(() => {
    const status = document.getElementById('train-status')!;
    const seen: string[] = ((window as unknown as { statusSeen: string[] }).statusSeen = []);
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();

  const status = page.locator('#train-status');
  await expect(page.locator('#train-progress')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const seen = await page.evaluate(() => (window as unknown as { statusSeen: string[] }).statusSeen);
  expect(seen.some((text) => /epoch 1 \/ 2 · batch \d+ \/ 32/.test(text)), seen.slice(0, 5).join(' | ')).toBe(true);
  await expect(status).toContainText('Done: 2 epochs');
  expect(await page.locator('#train-progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(1);
  // Both charts hold every batch (32 per epoch) and both epoch summaries.
  for (const chart of ['#loss-chart', '#accuracy-chart']) {
    await expect(page.locator(chart)).toHaveAttribute('data-points', '64');
    await expect(page.locator(chart)).toHaveAttribute('data-epochs', '2');
  }
  await expect(page.locator('#history tbody tr')).toHaveCount(2);

  const evaluation = page.locator('#evaluation');
  await expect(evaluation).toContainText('Test accuracy');
  const accuracy = Number(await evaluation.getAttribute('data-accuracy'));
  expect(accuracy, 'an MLP on 1,000 digits for 2 epochs').toBeGreaterThan(0.8);
  await page.getByText('Per class').click();
  await expect(page.locator('#per-class tbody tr')).toHaveCount(10);

  // Distill into a smaller student (the model just trained is the teacher): it becomes the package.
  await page.getByLabel('Student hidden units').fill('32');
  await page.getByLabel('Student epochs').fill('2');
  await page.getByRole('button', { name: 'Distill' }).click();
  const distilled = page.locator('#distill-status');
  await expect(distilled).toContainText(/Student: test accuracy [\d.]+ %/, { timeout: 90_000 });
  await expect(page.locator('#distill-error')).toBeHidden();
  expect(Number(await distilled.getAttribute('data-accuracy')), 'the student learns from the teacher').toBeGreaterThan(0.75);
  expect(Number(await distilled.getAttribute('data-bytes'))).toBeLessThan(Number(await distilled.getAttribute('data-teacher-bytes')) / 2);
  await expect(page.locator('#package-line')).toContainText('e2e-digits-student@1.0.0-local.');

  // Compress for two targets: every artifact is smaller than the fp32 model.
  await page.getByLabel('phone-wasm').check();
  await page.getByLabel('tiny').check();
  await page.getByRole('button', { name: 'Compress' }).click();
  const rows = page.locator('#compress-report tbody tr[data-target]');
  await expect(rows).toHaveCount(2, { timeout: 90_000 });
  await expect(page.locator('#compress-error')).toBeHidden();
  for (const row of await rows.all()) {
    const bytes = Number(await row.getAttribute('data-bytes'));
    const fp32 = Number(await row.getAttribute('data-fp32-bytes'));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes, `${await row.getAttribute('data-target')} is smaller than fp32`).toBeLessThan(fp32 * 0.5);
  }
  await expect(rows.first()).toContainText('phone-wasm');
  await expect(page.locator('#package-line')).toContainText('onnx-int8-phone-wasm');
  await saveScreenshots(page, 'train');

  // Install into the store: the model is there, active, in IndexedDB.
  await page.getByRole('button', { name: 'Install on this device' }).click();
  await expect(page.locator('#install-status')).toContainText('Installed e2e-digits-student@1.0.0-local.', { timeout: 60_000 });
  await expect(page.locator('#install-error')).toBeHidden();
  await expect(page.getByRole('link', { name: 'Try it on Predict' })).toHaveAttribute('href', './');
  expect(await activeVersion(page, 'e2e-digits-student')).toMatch(/^1\.0\.0-local\.\d{14}$/);

  // Download: a zip (local file header signature PK\3\4) holding the manifest.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the package (.zip)' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^e2e-digits-student-1\.0\.0-local\.\d{14}\.zip$/);
  const zip = await readFile(await download.path());
  expect(zip.length).toBeGreaterThan(10_000);
  expect([...zip.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  expect(zip.includes(Buffer.from('/manifest.json'))).toBe(true);
});

test('Auto trains a CNN on wasm where WebGPU is only a software adapter, and says so', async ({ page }) => {
  test.setTimeout(120_000);
  await openTrain(page);
  const hardwareGpu = await page.evaluate(async () => {
    const adapter = await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter().catch(() => null);
    const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    return adapter != null && info?.isFallbackAdapter !== true && !/swiftshader/i.test(`${info?.architecture} ${info?.description}`);
  });
  test.skip(hardwareGpu, 'this browser has a hardware WebGPU adapter: Auto trains a CNN on WebGPU there');
  await chooseMnist(page, { count: '1,000', epochs: 2, name: 'e2e-cnn' });
  await page.getByLabel('Kind').selectOption('cnn');
  await expect(page.locator('#train-backend')).toHaveValue('auto');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainState(page), { timeout: 90_000 }).toBe('done');
  const status = page.locator('#train-status');
  await expect(status).toHaveAttribute('data-backend', 'wasm');
  await expect(status).toContainText(/Done: 2 epochs, \d+ s in this session on wasm \((only a software WebGPU adapter here, which trains slower than wasm|no WebGPU adapter in this browser)\)\./);
  expect(Number(await page.locator('#evaluation').getAttribute('data-accuracy')), 'a CNN on 1,000 digits for 2 epochs').toBeGreaterThan(0.5);
});

test('a stopped run resumes from its checkpoint after a reload', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrain(page);
  await chooseMnist(page, { count: '8,000 (all)', epochs: 4, name: 'e2e-resume' });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // Stop once the first epoch (and its checkpoint) is done.
  await expect(page.locator('#history tbody tr')).toHaveCount(1, { timeout: 90_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('#train-progress')).toHaveAttribute('data-state', 'stopped');
  await expect(page.locator('#train-status')).toContainText(/Stopped in epoch \d\. The checkpoint of epoch \d stays/);

  await page.reload();
  const offer = page.locator('#resume-text');
  await expect(offer).toContainText(/Resume run e2e-resume-\d{14} from epoch \d/);
  const epoch = Number(await offer.getAttribute('data-epoch'));
  expect(epoch).toBeGreaterThanOrEqual(1);
  expect(epoch).toBeLessThan(4);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.locator('#train-status')).toContainText(`epoch ${epoch + 1} / 4`, { timeout: 60_000 });
  await expect(page.locator('#train-progress')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(page.locator('#train-status')).toHaveAttribute('data-resumed-from', String(epoch));
  await expect(page.locator('#train-status')).toContainText(`Done: 4 epochs (resumed from epoch ${epoch})`);
  await expect(page.locator('#evaluation')).toContainText(`resumed from epoch ${epoch}`);
  // The table shows every epoch, those before the reload included.
  await expect(page.locator('#history tbody tr')).toHaveCount(4);
  // A finished run is no longer offered for resuming.
  await page.reload();
  await expect(page.getByRole('heading', { name: '1 · Data' })).toBeVisible();
  await expect(page.locator('#resume-panel')).toBeHidden();
});

/** The training progress state, with the error's words when it failed (so a failure says why). */
async function trainState(page: Page): Promise<string> {
  const state = await page.locator('#train-progress').getAttribute('data-state');
  return state === 'failed' ? `failed: ${await page.locator('#train-error').innerText()}` : String(state);
}

test('trains on a CSV file (label column chosen) and on an image folder (labels from sub-folders)', async ({ page }) => {
  test.setTimeout(180_000);
  const root = await mkdtemp(join(tmpdir(), 'edgeloop-train-'));
  try {
    // A CSV of real digits: the label first, then 7×7 block means of each digit.
    const { images, labels } = await mnistTest(1000);
    const header = ['digit', ...Array.from({ length: 49 }, (_, k) => `block_${k}`)];
    const lines = images.map((image, i) => {
      const blocks = Array.from({ length: 49 }, (_, k) => {
        let sum = 0;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) sum += image[(Math.floor(k / 7) * 4 + dy) * 28 + (k % 7) * 4 + dx]!;
        return (sum / 16).toFixed(3);
      });
      return [labels[i], ...blocks].join(',');
    });
    const csv = join(root, 'digits.csv');
    await writeFile(csv, `${header.join(',')}\n${lines.join('\n')}\n`);

    await openTrain(page);
    await page.getByLabel('A CSV file').check();
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(csv);
    await expect(page.getByLabel('Label column')).toBeEnabled();
    await page.getByLabel('Label column').selectOption('digit');
    await page.getByLabel('Epochs', { exact: true }).fill('5');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // The always-blank corner blocks are constant: cleaning drops them and says so.
    await expect(page.locator('#data-status')).toContainText('digits.csv: 1,000 rows, 47 features, label "digit" with 10 classes');
    await expect(page.locator('#data-status')).toContainText(/Cleaning: Dropped column "block_\d+": every row holds "[^"]*"; Dropped column "block_\d+"/);
    await expect.poll(() => trainState(page), { timeout: 90_000 }).toBe('done');
    expect(Number(await page.locator('#evaluation').getAttribute('data-accuracy')), '47 block features of 1,000 digits').toBeGreaterThan(0.6);
    await expect(page.locator('#package-line')).toContainText('packages image classifiers only');
    await expect(page.getByRole('button', { name: 'Install on this device' })).toBeDisabled();

    // An image folder: digits/0, digits/1, digits/2 with 30 PNGs each.
    const folder = join(root, 'digits');
    const perClass = new Map<number, number>();
    for (let i = 0; i < images.length; i++) {
      const label = labels[i]!;
      if (label > 2 || (perClass.get(label) ?? 0) >= 30) continue;
      perClass.set(label, (perClass.get(label) ?? 0) + 1);
      await mkdir(join(folder, String(label)), { recursive: true });
      await writeFile(join(folder, String(label), `digit-${i}.png`), digitPng(images[i]!));
    }
    await page.getByLabel('A folder of images, one sub-folder per label').check();
    await page.getByLabel('Image folder').setInputFiles(folder);
    await page.getByLabel('Package name').fill('e2e-folder');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect(page.locator('#data-status')).toContainText('90 images in 3 classes (0, 1, 2): 72 training, 9 validation, 9 test');
    await expect(page.locator('#train-progress')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await expect(page.locator('#package-line')).toContainText('e2e-folder@1.0.0-local.');
    await expect(page.getByRole('button', { name: 'Install on this device' })).toBeEnabled();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
