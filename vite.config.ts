/**
 * Builds the app (pwa/) into dist/ (EDGELOOP_OUT_DIR overrides): the installable app —
 * Predict (index.html), Models, Train, Monitor — with its web app manifest and service
 * worker (vite-plugin-pwa, injectManifest: pwa/sw.ts), and the device-lab harness
 * (lab.html) and benchmark page (bench.html) the e2e specs and benchmarks drive.
 *
 * Trusted publisher keys are compiled into the app, as a real deployment would: from
 * EDGELOOP_TRUSTED_KEYS (comma-separated base64url Ed25519 public keys), else the
 * fixture publisher key that `npm run fixtures` generates. The app's version string is
 * package.json's, or EDGELOOP_APP_VERSION (the update e2e builds twice with two).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const here = import.meta.dirname;

function trustedKeys(): string[] {
  if (process.env.EDGELOOP_TRUSTED_KEYS) return process.env.EDGELOOP_TRUSTED_KEYS.split(',').map((k) => k.trim()).filter(Boolean);
  const fixtureKey = resolve(here, 'fixtures/keys/publisher.json');
  if (!existsSync(fixtureKey)) return [];
  return [(JSON.parse(readFileSync(fixtureKey, 'utf8')) as { publicKey: string }).publicKey];
}

const appVersion = process.env.EDGELOOP_APP_VERSION ?? (JSON.parse(readFileSync(resolve(here, 'package.json'), 'utf8')) as { version: string }).version;

/** The app's pages: every one is precached, so each opens offline. */
const APP_PAGES = ['index', 'models', 'train', 'monitor'] as const;

export default defineConfig({
  root: resolve(here, 'pwa'),
  publicDir: resolve(here, 'pwa/public'),
  define: {
    __EDGELOOP_TRUSTED_KEYS__: JSON.stringify(trustedKeys()),
    __EDGELOOP_APP_VERSION__: JSON.stringify(appVersion),
  },
  worker: { format: 'es' },
  build: {
    outDir: resolve(here, process.env.EDGELOOP_OUT_DIR ?? 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        ...Object.fromEntries(APP_PAGES.map((page) => [page, resolve(here, `pwa/${page}.html`)])),
        lab: resolve(here, 'pwa/lab.html'),
        bench: resolve(here, 'pwa/bench.html'),
      },
    },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: '.',
      filename: 'sw.ts',
      registerType: 'prompt',
      // The shell registers the worker itself (workbox-window), to show the update prompt.
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      manifest: {
        id: './',
        name: 'edgeloop — models on your device',
        short_name: 'edgeloop',
        description: 'Run, train, compress and monitor small machine-learning models on this device, online or off.',
        start_url: './',
        scope: './',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#1b1f24',
        background_color: '#1b1f24',
        categories: ['productivity', 'developer tools'],
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // The app shell, every engine's .js and .wasm (onnxruntime-web's is ~27 MB), the icons.
        globPatterns: ['**/*.{js,css,html,wasm,png,webmanifest}'],
        // Test and benchmark pages are not part of the app.
        globIgnores: ['lab.html', 'bench.html', 'assets/lab-*.js', 'assets/bench-*.js'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
      },
    }),
  ],
});
