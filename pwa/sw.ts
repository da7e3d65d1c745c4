/**
 * The app's service worker (built by vite-plugin-pwa, injectManifest). It precaches the
 * app shell and every engine's .js and .wasm, so after one visit each page opens and
 * every backend runs with no network. Models are not precached: they live in the
 * IndexedDB model store. Everything else (registries, the sync endpoint, fixtures) goes
 * to the network untouched.
 *
 * Responses served from the precache carry cross-origin isolation headers (COOP/COEP,
 * and CORP for subresources) whatever the host sent when they were cached, so threaded
 * wasm keeps working offline — and on hosts that cannot set headers, from the second
 * load on.
 *
 * Updates wait: a new worker stays `waiting` until the page (on the user's "Reload")
 * posts `{ type: 'SKIP_WAITING' }` — workbox-window's `messageSkipWaiting()`.
 */
/// <reference lib="webworker" />
import { addPlugins, cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import type { WorkboxPlugin } from 'workbox-core/types.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string; revision: string | null }> };

const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Adds the isolation headers to a cached response that lacks one (a new Response: cached ones are immutable). */
const crossOriginIsolation: WorkboxPlugin = {
  cachedResponseWillBeUsed: async ({ cachedResponse }) => {
    if (!cachedResponse) return cachedResponse;
    const missing = Object.entries(ISOLATION_HEADERS).filter(([name]) => !cachedResponse.headers.has(name));
    if (missing.length === 0) return cachedResponse;
    const headers = new Headers(cachedResponse.headers);
    for (const [name, value] of missing) headers.set(name, value);
    return new Response(cachedResponse.body, { status: cachedResponse.status, statusText: cachedResponse.statusText, headers });
  },
};

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

cleanupOutdatedCaches();
addPlugins([crossOriginIsolation]);
// `/` → index.html; `/models` → models.html.
precacheAndRoute(self.__WB_MANIFEST, { directoryIndex: 'index.html', cleanURLs: true });
