/**
 * The npm package in a user's own Vite app, in Chromium: `npm pack` (which builds lib/),
 * the tarball installed into a fresh project outside this repository, a two-file app
 * that imports `edgeloop` and `edgeloop/embed`, built by Vite, served with the signed CNN
 * fixture: the library loads the model and predicts a real test digit right, and an
 * `<edge-model>` from `edgeloop/embed` does the same from an `<img>` — the runtime worker
 * and the engines' `.wasm` found by the bundler through `new URL(…, import.meta.url)`.
 *
 * Slow (a build, an `npm install` and a Vite build: about two minutes).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { startStaticServer, type StaticServer } from '../scripts/static-server.ts';
import { mnistSample } from '../test-support/mnist-sample.ts';
import { grayscalePng } from './embed-servers.ts';
import { publisherKey, REGISTRY } from './lab.ts';

const ROOT = resolve(import.meta.dirname, '..');
let work: string;
let server: StaticServer;
let digit: number;

function run(command: string, args: string[], cwd: string, timeout = 300_000): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test.beforeAll(async () => {
  test.setTimeout(600_000);
  work = mkdtempSync(join(tmpdir(), 'edgeloop-vite-app-'));
  const out = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
  const tarball = join(work, (JSON.parse(out.slice(out.indexOf('[\n'))) as Array<{ filename: string }>)[0]!.filename);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-shop', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);

  const key = (await publisherKey()).publicKey;
  const sample = mnistSample(1);
  digit = sample.y[0]!;
  writeFileSync(
    join(app, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>My shop</title><script type="module" src="./main.js"></script></head>
<body><img id="digit" src="/digit.png" alt="a digit" width="112" height="112"><edge-model id="reader" src="/registry/mnist-cnn/1.0.0/manifest.json" for="digit" backend="ort-wasm" trusted-keys="${key}"></edge-model></body></html>\n`,
  );
  writeFileSync(
    join(app, 'main.js'),
    `import { createRuntime } from 'edgeloop';
import { defineEdgeModel } from 'edgeloop/embed';
defineEdgeModel();
const runtime = await createRuntime({ trustedKeys: [${JSON.stringify(key)}] });
const model = await runtime.load('/registry/mnist-cnn/1.0.0/manifest.json', { backend: 'tfjs-wasm' });
const pixels = new Float32Array(await (await fetch('/digit.f32')).arrayBuffer()).map((v) => v * 255);
const prediction = await model.predict({ data: pixels, shape: [28, 28, 1] });
window.libraryResult = { top: prediction.topK[0].label, backend: prediction.backend };
`,
  );
  writeFileSync(join(app, 'vite.config.js'), "export default { worker: { format: 'es' }, build: { target: 'es2022' }, logLevel: 'warn' };\n");
  run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], app);
  writeFileSync(join(app, 'dist', 'digit.png'), grayscalePng(sample.x.subarray(0, 784), 28, 4));
  writeFileSync(join(app, 'dist', 'digit.f32'), new Uint8Array(sample.x.slice(0, 784).buffer));
  server = await startStaticServer([
    { prefix: '/', dir: join(app, 'dist') },
    { prefix: '/registry', dir: REGISTRY, noStore: true },
  ]);
});

test.afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a user's Vite app built against the packed tarball loads the CNN and predicts, by the library and by <edge-model>", async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/`);
  await expect.poll(() => page.evaluate(() => (window as unknown as { libraryResult?: unknown }).libraryResult), { timeout: 120_000 }).toBeTruthy();
  const library = await page.evaluate(() => (window as unknown as { libraryResult: { top: string; backend: string } }).libraryResult);
  expect(library).toEqual({ top: String(digit), backend: 'tfjs-wasm' });
  await expect(page.locator('#reader [part~="top"] [part="label"]')).toHaveText(String(digit), { timeout: 120_000 });
  expect(errors).toEqual([]);
});
