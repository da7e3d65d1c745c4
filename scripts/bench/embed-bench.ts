/**
 * `npm run bench -- embed`: the `<edge-model>` element on someone else's page against the
 * library in the app, in one run, same model (mnist-cnn from a registry into the
 * IndexedDB store), same backend (tfjs-wasm: one thread on both sides, so the app's
 * cross-origin isolation gives it no edge), same digit (an `<img>` PNG drawn to a canvas).
 *
 * - **element**: a page on one loopback origin (`localhost`, strict CSP) with
 *   `<script type="module" src="<cdn>/edgeloop.js">` and one `<edge-model registry name
 *   for>`; dist-embed/ and the registry served from another (`127.0.0.1`, CORS). Timed
 *   from navigation start to the element's `prediction` event.
 * - **app**: the app's build (dist/, the lab page, which puts the runtime's API on
 *   `window.edgeloop`), whose init script installs the same model from the app origin's
 *   registry, loads it and predicts as soon as the page is ready. Timed from navigation
 *   start to the prediction.
 *
 * Each visit is a fresh browser profile (cold: empty store, no HTTP cache); the two sides
 * alternate, `--repeats` each (default 5). Loader bytes: gzip -9 of every `.js` the
 * element page's document loaded but the runtime worker's module (reported on its own:
 * it starts with the first model; the engines' code loads inside it).
 * Writes `bench-results/embed.json`: `loader_gzip_kb`, `element_first_prediction_ms`,
 * `app_first_prediction_ms`, `element_vs_app` (target ≤ 1.1).
 *
 * Options: `--repeats <n>`, `--skip-prepare` (dist/ and dist-embed/ already built).
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from '@playwright/test';
import { grayscalePng, startCdn, startSite } from '../../e2e/embed-servers.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { CHROMIUM_BASE_ARGS, ensureChromium } from '../chromium.ts';
import { startStaticServer } from '../static-server.ts';
import { repeatsAndPrepare } from './bench-args.ts';
import type { Benchmark } from './benchmark.ts';
import { gzipKb, scriptSizes } from './script-sizes.ts';
import { percentile, round } from './stats.ts';

const TARGETS = { element_vs_app_max: 1.1, loader_gzip_kb_max: 15 };
const BACKEND = 'tfjs-wasm';
const MODEL = 'mnist-cnn';

/** The app side's init script: once the lab page is ready, install, load and predict the digit; the time lands on `window.__firstPrediction`. */
const APP_FLOW = (registry: string, backend: string, model: string) => `
(() => {
  const run = async () => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    await runtime.store.install(${JSON.stringify(model)}, { from: ${JSON.stringify(registry)} });
    const loaded = await runtime.load(${JSON.stringify(model)}, { backend: ${JSON.stringify(backend)} });
    const img = new Image();
    img.src = '/bench-digit.png';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    const prediction = await loaded.predict(canvas, { topK: 3 });
    window.__firstPrediction = { ms: performance.now(), top: prediction.topK[0].label };
  };
  const wait = () => (window.edgeloop && document.body && document.body.dataset.ready === 'true' ? run().catch((e) => (window.__firstPrediction = { error: String(e) })) : setTimeout(wait, 2));
  wait();
})();`;

/** The element side's init script: the time of the first `prediction` event. */
const ELEMENT_FLOW = `document.addEventListener('prediction', (e) => { window.__firstPrediction ??= { ms: performance.now(), top: e.detail.topK[0].label }; }, true);
document.addEventListener('error', (e) => { if (e.target.localName === 'edge-model') window.__firstPrediction ??= { error: e.detail.code + ': ' + e.detail.message }; }, true);`;

/**
 * Polls for the init script's record. A function, not a string: the element page's CSP has
 * no 'unsafe-eval', and Playwright evaluates functions outside the page's CSP.
 */
async function firstPrediction(page: Page, url: string): Promise<{ ms: number; top: string }> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const result = await page.evaluate(() => (window as unknown as { __firstPrediction?: { ms: number; top: string; error?: string } }).__firstPrediction);
    if (result?.error) throw new Error(`${url}: ${result.error}`);
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`${url}: no prediction within 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Visit {
  ms: number;
  top: string;
  js: string[];
}

/** One cold visit in a fresh profile: `init` runs before the page's scripts; `png` answers `/bench-digit.png` (the app side's digit). */
async function visit(browser: Browser, url: string, init: string, png?: Uint8Array): Promise<Visit> {
  const context = await browser.newContext();
  try {
    if (png) await context.route('**/bench-digit.png', (route) => route.fulfill({ contentType: 'image/png', body: Buffer.from(png) }));
    await context.addInitScript(init);
    const page = await context.newPage();
    await page.goto(url);
    const result = await firstPrediction(page, url);
    const js = (await page.evaluate("performance.getEntriesByType('resource').map((e) => e.name).filter((n) => new URL(n).pathname.endsWith('.js'))")) as string[];
    return { ms: result.ms, top: result.top, js };
  } finally {
    await context.close();
  }
}

export const embedBenchmark: Benchmark = {
  async run(args, progress) {
    const { repeats, prepare } = repeatsAndPrepare(args, 5);
    if (prepare) {
      progress.note('making fixtures, building the app and the embed');
      execFileSync('npx', ['tsx', 'scripts/make-fixtures.ts'], { stdio: 'inherit' });
      execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
      execFileSync('npx', ['tsx', 'scripts/build-embed.ts'], { stdio: 'inherit' });
    }
    const key = (JSON.parse(await readFile('fixtures/keys/publisher.json', 'utf8')) as { publicKey: string }).publicKey;
    const sample = mnistSample(1);
    const png = grayscalePng(sample.x.subarray(0, 784), 28, 4);
    const digit = String(sample.y[0]);

    const cdn = await startCdn({ '/registry/': 'fixtures/registry', '/': 'dist-embed' });
    const csp = ["default-src 'none'", `script-src ${cdn.origin} 'wasm-unsafe-eval'`, `worker-src blob: ${cdn.origin}`, `connect-src ${cdn.origin}`, "img-src 'self'"].join('; ');
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>embed bench</title><script type="module" src="${cdn.url}edgeloop.js"></script></head>
<body><img id="digit" src="/digit.png" alt="a digit"><edge-model registry="${cdn.url}registry/" name="${MODEL}" for="digit" backend="${BACKEND}" trusted-keys="${key}"></edge-model></body></html>`;
    const site = await startSite(
      new Map<string, { type: string; body: string | Uint8Array }>([
        ['/embed.html', { type: 'text/html; charset=utf-8', body: page }],
        ['/digit.png', { type: 'image/png', body: png }],
      ]),
      csp,
    );
    const app = await startStaticServer([
      { prefix: '/', dir: 'dist' },
      { prefix: '/fixtures/registry', dir: 'fixtures/registry', noStore: true },
    ]);
    const browser = await chromium.launch({ executablePath: ensureChromium(), args: [...CHROMIUM_BASE_ARGS], headless: true });
    const element: Visit[] = [];
    const inApp: Visit[] = [];
    try {
      const appContextInit = APP_FLOW(`${app.url}/fixtures/registry/`, BACKEND, MODEL);
      for (let i = 0; i < repeats; i++) {
        const e = await visit(browser, `${site.url}embed.html`, ELEMENT_FLOW);
        const a = await visit(browser, `${app.url}/lab.html`, appContextInit, png);
        if (e.top !== digit || a.top !== digit) throw new Error(`the digit is a ${digit}; the element said ${e.top}, the app ${a.top}`);
        element.push(e);
        inApp.push(a);
        progress.note(`repeat ${i + 1}/${repeats}: element ${e.ms.toFixed(0)} ms, app ${a.ms.toFixed(0)} ms to the first prediction`);
      }
    } finally {
      await browser.close();
      await Promise.all([site.close(), cdn.close(), app.close()]);
    }

    const files = await scriptSizes(element[0]!.js, 'dist-embed');
    // The page's own scripts are the loader; the worker module (fetched through the blob worker, so it shows in the page's timeline) starts with the first model.
    const isWorker = (path: string) => /\/worker-entry-[\w-]+\.js$/.test(path);
    const loaderKb = gzipKb(files.filter((f) => !isWorker(f.path)));
    const workerKb = gzipKb(files.filter((f) => isWorker(f.path)));
    // The app side's page scripts, for what the comparison means (the lab page also carries the trainer's and compressor's faces).
    const appPageKb = gzipKb((await scriptSizes(inApp[0]!.js, 'dist')).filter((f) => !/worker/.test(f.path)));
    const elementMs = round(percentile(element.map((v) => v.ms), 50), 0);
    const appMs = round(percentile(inApp.map((v) => v.ms), 50), 0);
    const ratio = round(elementMs / appMs);
    const ok = (pass: boolean) => (pass ? 'yes' : '**no**');
    const table = [
      '| side | first prediction ms (median) | samples |',
      '|---|--:|---|',
      `| element on another origin | ${elementMs} | ${element.map((v) => v.ms.toFixed(0)).join(', ')} |`,
      `| library in the app | ${appMs} | ${inApp.map((v) => v.ms.toFixed(0)).join(', ')} |`,
      '',
      '| figure | value | target | met |',
      '|---|--:|--:|:-:|',
      `| element_vs_app | ${ratio.toFixed(3)} | ≤ ${TARGETS.element_vs_app_max} | ${ok(ratio <= TARGETS.element_vs_app_max)} |`,
      `| loader_gzip_kb (the page's scripts) | ${loaderKb} | ≤ ${TARGETS.loader_gzip_kb_max} | ${ok(loaderKb <= TARGETS.loader_gzip_kb_max)} |`,
      `| worker_gzip_kb (the runtime worker, started with the first model) | ${workerKb} | | |`,
      `| app_page_js_gzip_kb (the app's lab page scripts) | ${appPageKb} | | |`,
      '',
      '| page file (element side) | bytes | gzip -9 |',
      '|---|--:|--:|',
      ...files.map((f) => `| ${f.path} | ${f.bytes} | ${f.gzip} |`),
    ].join('\n');
    return {
      json: {
        date: new Date().toISOString(),
        model: MODEL,
        backend: BACKEND,
        repeats,
        targets: TARGETS,
        loader_gzip_kb: loaderKb,
        worker_gzip_kb: workerKb,
        app_page_js_gzip_kb: appPageKb,
        element_first_prediction_ms: elementMs,
        app_first_prediction_ms: appMs,
        element_vs_app: ratio,
        loader_files: files,
        samples: { element: element.map((v) => round(v.ms, 0)), app: inApp.map((v) => round(v.ms, 0)) },
      },
      table,
    };
  },
};
