/**
 * e2e specs in real Chromium (Debian's, found or installed by scripts/ensure-chromium.ts),
 * against the built app served with cross-origin isolation. WebGPU runs through
 * SwiftShader where there is no GPU: correct, slow — the specs check results, not speed.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, WEBGPU_ARGS, findChromium } from './scripts/chromium.ts';

const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  // Two cores: one browser at a time keeps timings sane and SwiftShader from starving.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: findChromium(),
      args: [...CHROMIUM_BASE_ARGS, ...WEBGPU_ARGS],
    },
  },
  webServer: {
    command: `npx tsx scripts/serve.ts --port ${port}`,
    url: `http://localhost:${port}/lab.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
