/**
 * Finds (and, when asked, installs) the Chromium the tests and benchmarks drive.
 * Order: $CHROMIUM_PATH, /usr/bin/chromium, `apt-get install -y chromium` when root,
 * else Playwright's own browser download (which fails on machines with no route to
 * its CDN, hence last).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags every edgeloop Chromium starts with (see docs/ARCHITECTURE.md, "Known facts of this stack"). */
export const CHROMIUM_BASE_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Extra flag that exposes WebGPU in headless Chromium (SwiftShader where there is no GPU). */
export const WEBGPU_ARGS: readonly string[] = ['--enable-unsafe-webgpu'];

/** The Chromium executable to use, or `undefined` to let Playwright use its own download. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist; unset it or point it at a Chromium binary`);
    return fromEnv;
  }
  return DEBIAN_PATHS.find((path) => existsSync(path));
}

/** Makes sure a Chromium is available, installing one if needed; returns its path (or undefined for Playwright's). */
export function ensureChromium(): string | undefined {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    try {
      console.log('edgeloop: installing Debian chromium (apt-get install -y chromium)…');
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      const installed = findChromium();
      if (installed) return installed;
    } catch (error) {
      console.warn(`edgeloop: apt-get could not install chromium (${(error as Error).message}); trying Playwright's browser download`);
    }
  }
  console.log('edgeloop: installing Playwright Chromium (npx playwright install chromium)…');
  execFileSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
  return undefined;
}
