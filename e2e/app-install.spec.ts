/**
 * The app as an installable PWA, in real Chromium: the manifest parses with its icons
 * and Chromium reports no installability errors (CDP), the service worker reaches
 * `activated` having precached the shell and every engine's .wasm, and the pages it
 * serves keep cross-origin isolation. Offline, a model installed on one visit loads from
 * IndexedDB and predicts on both wasm engines with no request reaching the network. An update: the app is built twice with two
 * version strings and served from one origin; the open page shows the prompt, keeps
 * running the old version until the user accepts, then reloads once into the new one —
 * and, accepted while a model installs, only once the install is done.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';
import { startStaticServer, type StaticServer } from '../scripts/static-server.ts';
import { setAppSettings, waitForServiceWorker } from './app.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const PAGES = ['/', '/models.html', '/train.html', '/monitor.html'] as const;

/** What the service worker precached, by file extension. */
async function precached(page: Page): Promise<{ urls: string[]; wasm: string[] }> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return { urls, wasm: urls.filter((u) => u.endsWith('.wasm')) };
  });
}

test('the app is installable: a parsed manifest with its icons, no installability errors, an activated service worker that precached every engine', async ({ baseURL }) => {
  // Installability needs a real profile: Playwright's default contexts are incognito ("in-incognito").
  const profile = await mkdtemp(join(tmpdir(), 'edgeloop-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: findChromium(), args: [...CHROMIUM_BASE_ARGS], headless: true, baseURL });
  try {
    await installable(context, context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});

async function installable(context: BrowserContext, page: Page): Promise<void> {
  await page.goto('/');
  await waitForServiceWorker(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors: errors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
  expect(errors, JSON.stringify(errors)).toEqual([]);
  const { url, errors: manifestErrors, data } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data: string };
  expect(url).toMatch(/\/manifest\.webmanifest$/);
  expect(manifestErrors).toEqual([]);
  const manifest = JSON.parse(data) as { name: string; short_name: string; start_url: string; display: string; icons: Array<{ src: string; sizes: string; purpose?: string }> };
  expect(manifest).toMatchObject({ short_name: 'edgeloop', display: 'standalone', start_url: './' });
  expect(manifest.icons.map((i) => `${i.sizes}:${i.purpose ?? 'any'}`).sort()).toEqual(['192x192:any', '512x512:any', '512x512:maskable']);
  for (const icon of manifest.icons) {
    const response = await page.request.get(new URL(icon.src, url).href);
    expect(response.headers()['content-type']).toBe('image/png');
    const png = await response.body();
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(`${width}x${height}`).toBe(icon.sizes);
  }

  const cache = await precached(page);
  for (const path of ['/index.html', '/models.html', '/train.html', '/monitor.html', '/manifest.webmanifest']) expect(cache.urls).toContain(path);
  // onnxruntime-web's ~27 MB wasm and tfjs-backend-wasm's three builds.
  expect(cache.wasm.some((u) => /ort-wasm-simd-threaded.*\.wasm$/.test(u)), cache.wasm.join(', ')).toBe(true);
  expect(cache.wasm.filter((u) => /tfjs-backend-wasm/.test(u))).toHaveLength(3);
  // Test pages are not part of the app.
  expect(cache.urls.some((u) => /lab|bench/.test(u))).toBe(false);
}

test('pages served by the service worker stay cross-origin isolated (threaded wasm offline)', async ({ page, context }) => {
  await page.goto('/models.html');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  for (const path of PAGES) {
    const response = await page.goto(path);
    expect(response?.fromServiceWorker(), path).toBe(true);
    expect(await page.evaluate(() => crossOriginIsolated), path).toBe(true);
    await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
  }
});

/** Draws a "1" (one vertical stroke) on the Predict page's pad and waits for the top-k. */
async function drawOne(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Clear' }).click();
  const box = (await page.getByLabel(/Drawing pad/).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.18);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.18 + (0.64 * i) / 12));
  await page.mouse.up();
  await expect(page.locator('#top-k li')).toHaveCount(3);
  return (await page.locator('#top-k li').first().innerText()).split(/\s/)[0]!;
}

test('offline after one visit: every page renders, the installed model loads from IndexedDB and predicts on ort-wasm and tfjs-wasm, and no request reaches the network', async ({ page, context }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitForServiceWorker(page);
  await page.getByRole('button', { name: 'Install MNIST CNN' }).click();
  await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 90_000 });

  // From here on, every request of the page and of its workers is logged; none may reach the network.
  await context.setOffline(true);
  const network: string[] = [];
  context.on('requestfinished', (request) => {
    void request.response().then((response) => {
      if (!response?.fromServiceWorker() && !/^(blob|data):/.test(request.url())) network.push(`${request.method()} ${request.url()}`);
    });
  });
  // A request the page itself abandons (net::ERR_ABORTED: the test navigates on while the
  // worker still imports an engine chunk from the precache) never reached for the network;
  // one that did fails offline with net::ERR_INTERNET_DISCONNECTED and is counted.
  context.on('requestfailed', (request) => {
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') network.push(`FAILED ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });

  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
    await expect(page.locator('h1').first()).toBeVisible();
  }
  for (const backend of ['ort-wasm', 'tfjs-wasm']) {
    await page.goto('/');
    await setAppSettings(page, { backend });
    await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 90_000 });
    await expect(page.locator('#backend-name')).toHaveText(backend);
    expect(await drawOne(page), backend).toBe('1');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  }
  expect(network).toEqual([]);
});

test.describe('an app update', () => {
  let dir: string;
  let server: StaticServer;
  const current = () => join(dir, 'current');

  const build = async (version: string, outDir: string) => {
    await run('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, env: { ...process.env, EDGELOOP_APP_VERSION: version, EDGELOOP_OUT_DIR: outDir } });
  };
  const serve = async (outDir: string) => {
    await unlink(current()).catch(() => undefined);
    await symlink(outDir, current());
  };

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    dir = await mkdtemp(join(tmpdir(), 'edgeloop-update-'));
    await Promise.all([build('1.0.0-e2e-first', join(dir, 'first')), build('1.0.0-e2e-second', join(dir, 'second'))]);
    await serve(join(dir, 'first'));
    server = await startStaticServer([
      { prefix: '/', dir: current() },
      { prefix: '/fixtures/registry', dir: join(ROOT, 'fixtures', 'registry'), noStore: true },
    ]);
  });
  test.afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the open page shows the prompt, keeps the old version until accepted, then reloads once into the new one', async ({ page }) => {
    await page.goto(`${server.url}/`);
    await waitForServiceWorker(page);
    // A returning visit: the page is now controlled by the first version's worker, so a new one must wait.
    await page.reload();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(await page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-first');
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'still here'));
    let loads = 0;
    page.on('load', () => loads++);

    await serve(join(dir, 'second'));
    // The browser looks for a new service worker on navigation, and the app on focus; ask now.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.locator('#update-prompt');
    await expect(prompt).toBeVisible({ timeout: 120_000 });
    await expect(prompt).toContainText('A new version is ready');
    // Waiting, not taken over: the old page and its state are untouched.
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('still here');
    expect(await page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-first');
    expect(loads).toBe(0);

    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload' }).click()]);
    await expect.poll(() => page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-second');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBeUndefined();
    await waitForServiceWorker(page);
    expect(loads).toBe(1);
    await expect(page.locator('#update-prompt')).toBeHidden();
  });

  test('an update accepted while a model installs waits for the install: no reload under the work, then one reload into the new version with the model kept', async ({ page }) => {
    await serve(join(dir, 'first'));
    await page.goto(`${server.url}/`);
    await waitForServiceWorker(page);
    await page.reload();
    expect(await page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-first');
    let loads = 0;
    page.on('load', () => loads++);

    // The model's weights arrive only when the test lets them: the install stays in flight meanwhile.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/fixtures/registry/mnist-cnn/1.0.0/tfjs/**', async (route) => {
      await released;
      await route.continue();
    });
    await serve(join(dir, 'second'));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.locator('#update-prompt');
    await expect(prompt).toContainText('A new version is ready', { timeout: 120_000 });

    await page.getByRole('button', { name: 'Install MNIST CNN' }).click();
    await expect(page.locator('#load-status')).toContainText('Installing', { timeout: 30_000 });
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await expect(prompt).toContainText('Updating when the work in progress is done');
    // Long enough for a reload to have happened had the update not waited.
    await page.waitForTimeout(3000);
    expect(loads).toBe(0);
    expect(await page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-first');

    await Promise.all([page.waitForEvent('load', { timeout: 120_000 }), release()]);
    await expect.poll(() => page.evaluate(() => window.edgeloopApp?.version)).toBe('1.0.0-e2e-second');
    expect(loads).toBe(1);
    // The install finished before the reload: the new version loads the model from the store.
    await page.unroute('**/fixtures/registry/mnist-cnn/1.0.0/tfjs/**');
    await expect(page.locator('#load-status')).toContainText('Loaded mnist-cnn@1.0.0', { timeout: 90_000 });
  });
});
