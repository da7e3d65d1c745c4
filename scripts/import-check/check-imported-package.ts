/**
 * `npm run import -- --check` (Node): builds the check page (scripts/import-check/, a
 * small vite build cached under node_modules/.cache, rebuilt when the runtime, format or
 * page sources change), serves it and the registry folder cross-origin isolated, and
 * drives it in headless Chromium with WebGPU (SwiftShader where there is no GPU): the
 * package on every backend its artifact allows, each compared with the raw engine on that
 * backend and with the first backend that ran.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import type { Manifest } from '../../format/index.ts';
import { BACKEND_TABLE, type BackendId } from '../../runtime/index.ts';
import { CHROMIUM_BASE_ARGS, WEBGPU_ARGS, ensureChromium } from '../chromium.ts';
import type { BackendCheck, PackageCheck } from '../cli/import-command.ts';
import { startStaticServer } from '../static-server.ts';
import type { CheckInputOptions, OutputComparison } from './check-inputs.ts';
import type { PageBackendResult, PageCheckConfig } from './check-page.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PAGE_DIR = import.meta.dirname;
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'edgeloop-import-check');
/** Folders whose sources go into the page: a newer file than the last build rebuilds it. */
const SOURCES = ['runtime', 'format', 'scripts/import-check'];

/** Backends agree when their outputs differ by at most this (WebGPU and wasm round differently). */
export const CHECK_TOLERANCE = 1e-3;

/** Options of {@link checkImportedPackage}. */
export interface CheckImportedPackageOptions {
  log?: (line: string) => void;
  /** Seed of the check input. @defaultValue 1 */
  seed?: number;
  /** Shapes, fixed values and the size of dynamic dimensions of the check input (see `CheckInputOptions`). */
  inputs?: CheckInputOptions;
  /** Per backend, for loading and predicting (SwiftShader WebGPU is slow). @defaultValue 180000 */
  timeoutMs?: number;
  /** Drive this page (an e2e spec's) instead of launching Chromium. */
  page?: Page;
}

/** The backends that run an artifact of `engine`, best first (the runtime's backend table). */
export function backendsFor(manifest: Manifest): BackendId[] {
  const engines = new Set(manifest.artifacts.map((a) => a.engine));
  return BACKEND_TABLE.filter((row) => engines.has(row.engine)).map((row) => row.id);
}

/** Checks `<registryDir>/<name>/<version>/` in Chromium. */
export async function checkImportedPackage(registryDir: string, manifest: Manifest, options: CheckImportedPackageOptions = {}): Promise<PackageCheck> {
  const log = options.log ?? (() => {});
  await buildCheckPage(log);
  const server = await startStaticServer([
    { prefix: '/', dir: OUT_DIR },
    { prefix: '/registry', dir: resolve(registryDir), noStore: true },
  ]);
  const browser = options.page ? undefined : await chromium.launch({ executablePath: ensureChromium(), args: [...CHROMIUM_BASE_ARGS, ...WEBGPU_ARGS], headless: true });
  try {
    const page = options.page ?? (await browser!.newPage());
    page.on('console', (message) => {
      if (message.text().startsWith('[import-check] ')) log(`  ${message.text().slice(15)}`);
    });
    await page.goto(`${server.url}/index.html`);
    // A string, not a function: tsx would compile a function with esbuild's `__name` helper, which the page lacks.
    await page.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 60_000 });
    const config: PageCheckConfig = {
      url: `/registry/${manifest.name}/${manifest.version}/manifest.json`,
      backends: backendsFor(manifest),
      seed: options.seed ?? 1,
      inputs: options.inputs ?? {},
      timeoutMs: options.timeoutMs ?? 180_000,
    };
    log(`checking ${manifest.name}@${manifest.version} in Chromium ${page.context().browser()?.version() ?? ''} on ${config.backends.join(', ')}…`);
    const results = (await page.evaluate(`window.importCheck.run(${JSON.stringify(config)})`)) as PageBackendResult[];
    return summarize(manifest, results, log);
  } finally {
    await browser?.close();
    await server.close();
  }
}

function summarize(manifest: Manifest, results: PageBackendResult[], log: (line: string) => void): PackageCheck {
  const classifier = manifest.task !== 'tensor';
  const multiple = (manifest.outputs ?? [manifest.output]).length > 1;
  const backends: BackendCheck[] = results.map((r) => {
    const shapes = Object.entries(r.inputShapes ?? {}).map(([name, shape]) => `${name} [${shape.join(', ')}]`).join(', ');
    if (!r.ran) {
      log(`${r.backend}: refused — ${r.reason}`);
      return { backend: r.backend, ran: false, reason: r.reason };
    }
    const where = (c: OutputComparison) => (multiple ? ` (${Object.entries(c.perOutput).map(([name, d]) => `${name} ${d.toExponential(2)}`).join(', ')})` : '');
    const raw = r.vsRaw && 'error' in r.vsRaw ? `raw engine failed: ${r.vsRaw.error}` : r.vsRaw ? `vs raw engine max |Δ| ${r.vsRaw.maxAbsDiff.toExponential(2)}${where(r.vsRaw)}${classifier ? `, top-1 ${r.vsRaw.top1Agree ? 'agrees' : 'DIFFERS'}` : ''}` : '';
    const first = r.vsFirst ? `; vs ${r.vsFirst.backend} max |Δ| ${r.vsFirst.maxAbsDiff.toExponential(2)}${where(r.vsFirst)}` : '';
    log(`${r.backend}: ran on ${shapes} in ${((r.ms ?? 0) / 1000).toFixed(1)} s — ${raw}${first}`);
    const check: BackendCheck = { backend: r.backend, ran: true, maxAbsDiff: r.vsFirst?.maxAbsDiff ?? 0, top1Agree: r.vsFirst?.top1Agree ?? true };
    if (r.vsRaw && !('error' in r.vsRaw)) {
      check.rawMaxAbsDiff = r.vsRaw.maxAbsDiff;
      check.rawTop1Agree = r.vsRaw.top1Agree;
    }
    return check;
  });
  const ran = backends.filter((b) => b.ran);
  const agree = ran.every((b) => (b.maxAbsDiff ?? 0) <= CHECK_TOLERANCE && b.top1Agree !== false);
  log(`${ran.length} of ${backends.length} backends ran${ran.length > 1 ? `; outputs ${agree ? 'agree' : 'DIFFER'} (tolerance ${CHECK_TOLERANCE})` : ''}`);
  return { backends, agree, tolerance: CHECK_TOLERANCE };
}

/** Newest modification time of the `.ts` / `.html` files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|html)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

async function buildCheckPage(log: (line: string) => void): Promise<void> {
  const stampPath = join(OUT_DIR, '.built');
  const newest = Math.max(...SOURCES.map((dir) => newestSource(join(ROOT, dir))), statSync(join(ROOT, 'package-lock.json')).mtimeMs);
  const built = existsSync(stampPath) ? Number(await readFile(stampPath, 'utf8')) : 0;
  if (built >= newest && existsSync(join(OUT_DIR, 'index.html'))) return;
  log('building the check page (vite, once per source change)…');
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: PAGE_DIR,
    // 'error': vite 8 reports plugin timings as warnings on every build.
    logLevel: 'error',
    worker: { format: 'es' },
    build: { outDir: OUT_DIR, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192, rollupOptions: { input: join(PAGE_DIR, 'index.html') } },
  });
  await writeFile(stampPath, String(newest));
}
