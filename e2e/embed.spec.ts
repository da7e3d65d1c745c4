/**
 * The embed on a page that is not ours: a site on one loopback origin, with a strict
 * CSP that allows only the CDN, embeds dist-embed/ served from another (CORS). The
 * `<edge-model>` element loads the signed CNN fixture through the IndexedDB store,
 * predicts the digit in an `<img>`, fires its events and renders its list; bad packages
 * fire `error` with their code; the same page opened again offline predicts (page and
 * embed from the HTTP cache, as a CDN's caching headers allow; the model from the store);
 * the classic script works on its own; two elements share one worker; without WebGPU
 * the element lands on wasm.
 *
 * Needs `npm run build:embed` (npm run test:e2e runs it) and `npm run fixtures`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { mnistSample } from '../test-support/mnist-sample.ts';
import { saveScreenshots } from './app.ts';
import { grayscalePng, startCdn, startSite, type TestServer } from './embed-servers.ts';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { FIXTURES, packageVariant, publisherKey, REGISTRY } from './lab.ts';

const EMBED = resolve(import.meta.dirname, '..', 'dist-embed');

let cdn: TestServer;
let site: TestServer;
let digitLabel: number;
let key: string;
let csp: string;

interface Recorded {
  type: string;
  id: string;
  code?: string;
  loadedBytes?: number;
  backend?: string;
  threads?: string;
  top?: string;
}

/** Records the elements' events from before any script runs (init scripts bypass the page's CSP). */
async function recordEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const events: Recorded[] = [];
    (window as unknown as { embedEvents: Recorded[] }).embedEvents = events;
    for (const type of ['progress', 'load', 'prediction', 'error']) {
      // Capture phase: the element's events do not bubble, but capture listeners on the document still see them.
      document.addEventListener(
        type,
        (event) => {
          const target = event.target as HTMLElement;
          if (target.localName !== 'edge-model') return;
          const detail = (event as CustomEvent).detail as Record<string, unknown> & { topK?: { label: string }[] };
          events.push({
            type,
            id: target.id,
            code: detail?.code as string | undefined,
            loadedBytes: detail?.loadedBytes as number | undefined,
            backend: detail?.backend as string | undefined,
            threads: (detail?.wasmThreads as { reason?: string } | undefined)?.reason,
            top: detail?.topK?.[0]?.label,
          });
        },
        true,
      );
    }
  });
}

function events(page: Page): Promise<Recorded[]> {
  return page.evaluate(() => (window as unknown as { embedEvents: Recorded[] }).embedEvents);
}

function modulePage(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop that reads digits</title>
<script type="module" src="${cdn.url}edgeloop.js"></script></head>
<body><h1>Read a digit</h1><img id="digit" src="/digit.png" alt="a handwritten digit" width="112" height="112">${body}</body></html>`;
}

test.beforeAll(async () => {
  if (!existsSync(join(EMBED, 'edgeloop.js'))) throw new Error('dist-embed/ is missing: run `npm run build:embed` first');
  key = (await publisherKey()).publicKey;
  await packageVariant('mnist-mlp', 'embed-wrong-hash', async (dir, manifest) => {
    for (const artifact of manifest.artifacts) for (const file of artifact.files) file.sha256 = file.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const { writeSignedManifest } = await import('./lab.ts');
    await writeSignedManifest(dir, manifest);
  });
  await packageVariant('mnist-mlp', 'embed-bad-signature', async (dir) => {
    const { writeFile } = await import('node:fs/promises');
    const path = join(dir, 'manifest.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"metrics": {', '"metrics": {\n    "tampered": 1,'));
  });
  cdn = await startCdn({ '/registry/': REGISTRY, '/e2e/': join(FIXTURES, 'e2e'), '/': EMBED });
  const sample = mnistSample(1);
  digitLabel = sample.y[0]!;
  csp = [
    "default-src 'none'",
    `script-src ${cdn.origin} 'wasm-unsafe-eval'`,
    `worker-src blob: ${cdn.origin}`,
    `connect-src ${cdn.origin}`,
    "img-src 'self'",
    "style-src 'self'",
  ].join('; ');
  const html = (text: string) => ({ type: 'text/html; charset=utf-8', body: text });
  const cnn = `${cdn.url}registry/mnist-cnn/1.0.0/manifest.json`;
  site = await startSite(
    new Map<string, { type: string; body: string | Uint8Array }>([
      ['/digit.png', { type: 'image/png', body: grayscalePng(sample.x.subarray(0, 784), 28, 4) }],
      ['/module.html', html(modulePage(`<edge-model id="reader" registry="${cdn.url}registry/" name="mnist-cnn" for="digit" top-k="3" trusted-keys="${key}"></edge-model>`))],
      [
        '/errors.html',
        html(
          modulePage(
            `<edge-model id="missing" src="${cdn.url}registry/no-such-model/1.0.0/manifest.json" trusted-keys="${key}"></edge-model>` +
              `<edge-model id="wrong-hash" src="${cdn.url}e2e/embed-wrong-hash/mnist-mlp/1.0.0/manifest.json" backend="ort-wasm" trusted-keys="${key}"></edge-model>` +
              `<edge-model id="bad-signature" src="${cdn.url}e2e/embed-bad-signature/mnist-mlp/1.0.0/manifest.json" trusted-keys="${key}"></edge-model>`,
          ),
        ),
      ],
      [
        '/two.html',
        html(modulePage(`<edge-model id="one" src="${cnn}" for="digit" backend="ort-wasm" trusted-keys="${key}"></edge-model><edge-model id="two" src="${cnn}" for="digit" backend="tfjs-wasm" trusted-keys="${key}"></edge-model>`)),
      ],
      [
        '/classic.html',
        html(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Classic script</title><script src="${cdn.url}edgeloop.iife.js"></script></head>` +
            `<body><img id="digit" src="/digit.png" alt="a handwritten digit"><edge-model id="classic" src="${cnn}" for="digit" backend="ort-wasm" trusted-keys="${key}"></edge-model></body></html>`,
        ),
      ],
    ]),
    csp,
  );
});

test.afterAll(async () => {
  await site?.close();
  await cdn?.close();
});

test('module: a strict-CSP page on another origin loads the CNN through the store, predicts the digit, and again offline', async ({ page, context }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  await recordEvents(page);
  await page.goto(`${site.url}module.html`);
  const reader = page.locator('edge-model#reader');
  await expect(reader.locator('[part~="item"]').first()).toBeVisible({ timeout: 120_000 });
  const seen = await events(page);
  expect(seen.filter((e) => e.type === 'error')).toEqual([]);
  const progress = seen.filter((e) => e.type === 'progress');
  expect(progress.length).toBeGreaterThan(0);
  expect(Math.max(...progress.map((e) => e.loadedBytes ?? 0))).toBeGreaterThan(10_000);
  expect(seen.find((e) => e.type === 'load')?.backend).toMatch(/^(tfjs|ort)-/);
  expect(seen.find((e) => e.type === 'prediction')?.top).toBe(String(digitLabel));

  // The rendered list: a live region with the top-k labels and percentages.
  await expect(reader.locator('[role="status"]')).toHaveAttribute('aria-live', 'polite');
  await expect(reader.locator('[part~="item"]')).toHaveCount(3);
  await expect(reader.locator('[part~="top"] [part="label"]')).toHaveText(String(digitLabel));
  await expect(reader.locator('[part~="top"] [part="score"]')).toHaveText(/^\d{1,3}%$/);
  // The worker and the wasm came from the CDN; the page's origin served only the page and the image.
  expect(cdn.requests.some((p) => /^\/assets\/worker-entry-[\w-]+\.js$/.test(p))).toBe(true);
  expect(cdn.requests.some((p) => p.endsWith('.wasm'))).toBe(true);
  expect(site.requests.every((p) => p === '/module.html' || p === '/digit.png' || p === '/favicon.ico')).toBe(true);
  expect(violations).toEqual([]);
  // predict(input) gives the library's Prediction.
  const direct = await page.evaluate(async () => {
    const element = document.querySelector('edge-model') as HTMLElement & { predict(input: unknown): Promise<{ topK: { label: string }[]; backend: string; output: Float32Array }> };
    const p = await element.predict(document.getElementById('digit'));
    return { top: p.topK[0]!.label, backend: p.backend, outputs: p.output.length };
  });
  expect(direct).toMatchObject({ top: String(digitLabel), outputs: 10 });
  await saveScreenshots(page, 'embed');

  // Offline: the site and the CDN are unreachable. The page and the embed's code come
  // from the browser's HTTP cache (the servers' caching headers, as a CDN sends them), the
  // model from the IndexedDB store; a registry request would fail.
  const registryRequests = cdn.requests.filter((p) => p.startsWith('/registry/')).length;
  await context.setOffline(true);
  // A navigation, not reload(): a reload revalidates the page itself, which offline cannot.
  await page.goto(`${site.url}module.html`);
  await expect(reader.locator('[part~="top"] [part="label"]')).toHaveText(String(digitLabel), { timeout: 120_000 });
  const offline = await events(page);
  expect(offline.filter((e) => e.type === 'error')).toEqual([]);
  expect(offline.find((e) => e.type === 'prediction')?.top).toBe(String(digitLabel));
  expect(cdn.requests.filter((p) => p.startsWith('/registry/')).length).toBe(registryRequests);
  await context.setOffline(false);
});

test('a wrong src fires error NOT_FOUND; tampered packages fire INTEGRITY_MISMATCH and SIGNATURE_INVALID', async ({ page }) => {
  await recordEvents(page);
  await page.goto(`${site.url}errors.html`);
  await expect.poll(async () => (await events(page)).filter((e) => e.type === 'error').length, { timeout: 120_000 }).toBe(3);
  const codes = Object.fromEntries((await events(page)).filter((e) => e.type === 'error').map((e) => [e.id, e.code]));
  expect(codes).toEqual({ missing: 'NOT_FOUND', 'wrong-hash': 'INTEGRITY_MISMATCH', 'bad-signature': 'SIGNATURE_INVALID' });
  // `ready` rejects with the same coded error; the status line says what went wrong.
  const readyCode = await page.evaluate(() => (document.getElementById('missing') as HTMLElement & { ready: Promise<unknown> }).ready.then(() => 'resolved', (e: { code?: string }) => e.code));
  expect(readyCode).toBe('NOT_FOUND');
  await expect(page.locator('#missing [part="status"]')).toContainText('not found');
});

test('two elements on one page share one runtime worker', async ({ page }) => {
  await recordEvents(page);
  await page.goto(`${site.url}two.html`);
  await expect.poll(async () => (await events(page)).filter((e) => e.type === 'prediction').map((e) => e.id).sort(), { timeout: 120_000 }).toEqual(['one', 'two']);
  const seen = await events(page);
  expect(seen.filter((e) => e.type === 'prediction').map((e) => e.top)).toEqual([String(digitLabel), String(digitLabel)]);
  expect(page.workers().length).toBe(1);
  const started = await page.evaluate(async () => {
    const module = (await import(`${document.querySelector('script')!.src}`)) as { edgeModel: { runtimesStarted(): number } };
    return module.edgeModel.runtimesStarted();
  });
  expect(started).toBe(1);
});

test('the classic script defines window.edgeloop and the element on its own page', async ({ page }) => {
  await recordEvents(page);
  await page.goto(`${site.url}classic.html`);
  await expect(page.locator('#classic [part~="top"] [part="label"]')).toHaveText(String(digitLabel), { timeout: 120_000 });
  const global = await page.evaluate(async () => {
    const edgeloop = (window as unknown as { edgeloop: { ready: Promise<unknown>; createRuntime?: unknown; edgeModel?: { tagName: string } } }).edgeloop;
    await edgeloop.ready;
    return { createRuntime: typeof edgeloop.createRuntime, tag: edgeloop.edgeModel?.tagName, defined: customElements.get('edge-model') !== undefined };
  });
  expect(global).toEqual({ createRuntime: 'function', tag: 'edge-model', defined: true });
});

test('without WebGPU (Chromium without --enable-unsafe-webgpu: no adapter) the element lands on a wasm backend, says so in its load event, and predicts the digit', async () => {
  // Its own browser: launch options cannot change per test in one worker.
  const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_BASE_ARGS] });
  try {
    const page = await browser.newPage();
    await recordEvents(page);
    await page.goto(`${site.url}module.html`);
    await expect(page.locator('#reader [part~="top"] [part="label"]')).toHaveText(String(digitLabel), { timeout: 120_000 });
    const seen = await events(page);
    expect(seen.filter((e) => e.type === 'error')).toEqual([]);
    expect(await page.evaluate(async () => !(await (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()))).toBe(true);
    const load = seen.find((e) => e.type === 'load');
    expect(load?.backend).toMatch(/^(tfjs|ort)-wasm$/);
    // The page is not cross-origin isolated: one thread, and the report says why.
    expect(load?.threads).toMatch(load?.backend === 'ort-wasm' ? /^1 thread: the page is not cross-origin isolated/ : /^1 thread: tfjs-wasm runs single-threaded/);
  } finally {
    await browser.close();
  }
});
