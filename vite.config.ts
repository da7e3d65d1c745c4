/**
 * Builds the app (pwa/) into dist/: the Predict page (index.html) and the device-lab
 * harness (lab.html) the e2e tests drive, and the benchmark page (bench.html).
 *
 * Trusted publisher keys are compiled into the app, as a real deployment would: from
 * EDGELOOP_TRUSTED_KEYS (comma-separated base64url Ed25519 public keys), else the
 * fixture publisher key that `npm run fixtures` generates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

function trustedKeys(): string[] {
  if (process.env.EDGELOOP_TRUSTED_KEYS) return process.env.EDGELOOP_TRUSTED_KEYS.split(',').map((k) => k.trim()).filter(Boolean);
  const fixtureKey = resolve(import.meta.dirname, 'fixtures/keys/publisher.json');
  if (!existsSync(fixtureKey)) return [];
  return [(JSON.parse(readFileSync(fixtureKey, 'utf8')) as { publicKey: string }).publicKey];
}

export default defineConfig({
  root: resolve(import.meta.dirname, 'pwa'),
  publicDir: false,
  define: {
    __EDGELOOP_TRUSTED_KEYS__: JSON.stringify(trustedKeys()),
  },
  worker: { format: 'es' },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'pwa/index.html'),
        lab: resolve(import.meta.dirname, 'pwa/lab.html'),
        bench: resolve(import.meta.dirname, 'pwa/bench.html'),
      },
    },
  },
});
