/**
 * What every browser benchmark needs: the fixture packages and the built app, the
 * static server (cross-origin isolated, as in production) and one headless Chromium
 * with WebGPU, on the bench harness page (pwa/bench.html, `window.bench`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, WEBGPU_ARGS, ensureChromium } from '../chromium.ts';
import { startStaticServer, type StaticServer } from '../static-server.ts';
import type { ProgressLog } from './progress-log.ts';

/** Options of {@link openBenchBrowser}. */
export interface BenchBrowserOptions {
  /** Run `scripts/make-fixtures.ts` first (it skips what is up to date). @defaultValue true */
  makeFixtures?: boolean;
  /** Its arguments (e.g. `['--mobilenet']`). @defaultValue [] */
  fixtureArgs?: readonly string[];
  /** Run `vite build` first. @defaultValue true */
  build?: boolean;
  /** The built app served at `/` (and built into). @defaultValue 'dist' */
  distDir?: string;
  /** The folder served at `/fixtures/registry`. @defaultValue 'fixtures/registry' */
  registryDir?: string;
  /** Serve the registry with `Cache-Control: no-store` (every load transfers its bytes). @defaultValue false */
  registryNoStore?: boolean;
  /**
   * `memory`: Playwright's usual off-the-record context (Chromium keeps IndexedDB and OPFS
   * in memory); `disk`: a persistent context on a fresh profile folder (removed at the
   * end), as a user's browser keeps its storage. @defaultValue 'memory'
   */
  profile?: 'memory' | 'disk';
}

/** A running benchmark browser. */
export interface BenchBrowser {
  readonly server: StaticServer;
  /** The browser; null for a `disk` profile (Playwright's persistent contexts have none). */
  readonly browser: Browser | null;
  readonly context: BrowserContext;
  /** The Chromium version string. */
  readonly chromiumVersion: string;
  /** The open bench page (replaced by {@link BenchBrowser.reopen}). */
  page(): Page;
  /** Closes the page (ending its workers, e.g. a step that ran past its deadline) and opens a fresh one. */
  reopen(): Promise<Page>;
  close(): Promise<void>;
}

/** Makes fixtures, builds, serves and opens `/bench.html` in Chromium. */
export async function openBenchBrowser(progress: ProgressLog, options: BenchBrowserOptions = {}): Promise<BenchBrowser> {
  const { makeFixtures = true, fixtureArgs = [], build = true, distDir = 'dist', registryDir = 'fixtures/registry', registryNoStore = false, profile = 'memory' } = options;
  if (makeFixtures) {
    progress.note(`making fixtures (npx tsx scripts/make-fixtures.ts ${fixtureArgs.join(' ')})`);
    execFileSync('npx', ['tsx', 'scripts/make-fixtures.ts', ...fixtureArgs], { stdio: 'inherit' });
  }
  if (build) {
    progress.note('building the app (npx vite build)');
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', ...(distDir === 'dist' ? [] : ['--outDir', distDir, '--emptyOutDir'])], { stdio: 'inherit' });
  }
  const server = await startStaticServer([
    { prefix: '/', dir: distDir },
    // Public fixture material only, as scripts/serve.ts: never fixtures/keys.
    { prefix: '/fixtures/registry', dir: registryDir, noStore: registryNoStore },
    { prefix: '/fixtures/data', dir: 'fixtures/data' },
  ]);
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const profileDir = profile === 'disk' ? mkdtempSync(join(tmpdir(), 'edgeloop-bench-profile-')) : undefined;
  const removeProfile = () => profileDir && rmSync(profileDir, { recursive: true, force: true });
  try {
    const launch = { executablePath: ensureChromium(), args: [...CHROMIUM_BASE_ARGS, ...WEBGPU_ARGS], headless: true };
    if (profileDir) {
      context = await chromium.launchPersistentContext(profileDir, { ...launch, baseURL: server.url });
    } else {
      browser = await chromium.launch(launch);
      context = await browser.newContext({ baseURL: server.url });
    }
    const opened = context;
    const open = async () => {
      const page = await opened.newPage();
      page.on('console', (message) => {
        const text = message.text();
        if (text.startsWith('[bench] ')) progress.note(text.slice(8));
        else if (message.type() === 'error' && !text.startsWith('Failed to load resource')) progress.note(`page error: ${text}`);
      });
      page.on('pageerror', (error) => progress.note(`page exception: ${error.message}`));
      page.on('response', (response) => {
        if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) progress.note(`HTTP ${response.status()} for ${response.url()}`);
      });
      await page.goto('/bench.html');
      // A string, not a function: tsx would compile a function with esbuild's `__name` helper, which the page lacks.
      await page.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 30_000 });
      return page;
    };
    let current = await open();
    const version = browser?.version() ?? (await current.evaluate('navigator.userAgent') as string).match(/Chrome\/([\d.]+)/)?.[1] ?? 'unknown';
    return {
      server,
      browser: browser ?? null,
      context: opened,
      chromiumVersion: version,
      page: () => current,
      async reopen() {
        await current.close().catch((error: unknown) => progress.note(`closing the page failed: ${String(error)}`));
        current = await open();
        return current;
      },
      async close() {
        await closeAll(opened, browser, server, removeProfile);
      },
    };
  } catch (error) {
    await context?.close();
    await browser?.close();
    await server.close();
    removeProfile();
    throw error;
  }
}

async function closeAll(context: BrowserContext, browser: Browser | undefined, server: StaticServer, removeProfile: () => void): Promise<void> {
  try {
    await context.close();
    await browser?.close();
  } finally {
    await server.close();
    removeProfile();
  }
}
