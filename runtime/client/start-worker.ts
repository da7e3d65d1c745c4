/**
 * Starts the runtime worker from a built worker module's URL. A module worker must be
 * same-origin with the page (https://html.spec.whatwg.org/#dom-worker), so a worker
 * served from a CDN starts from a same-origin blob whose only line imports the CDN's
 * module (CORS); inside it, `import.meta.url` is the CDN URL, so the engines find their
 * `.wasm` next to it. Pages with a CSP must allow `worker-src blob:` for that path.
 */

/** The source of the blob module that imports a cross-origin worker module. */
export function workerBootstrapSource(workerUrl: string): string {
  return `import ${JSON.stringify(workerUrl)};\n`;
}

/** Whether `workerUrl` can be started directly (same origin as the page), not through a blob. */
export function isSameOriginWorker(workerUrl: string, pageUrl: string | undefined): boolean {
  if (pageUrl === undefined) return true;
  return new URL(workerUrl, pageUrl).origin === new URL(pageUrl).origin;
}

/** Starts a module worker from `workerUrl`, through a blob when it is cross-origin. */
export function startWorker(workerUrl: string | URL, name: string): Worker {
  const pageUrl = globalThis.location?.href;
  const url = new URL(workerUrl, pageUrl).href;
  if (isSameOriginWorker(url, pageUrl)) return new Worker(url, { type: 'module', name });
  const blobUrl = URL.createObjectURL(new Blob([workerBootstrapSource(url)], { type: 'text/javascript' }));
  try {
    return new Worker(blobUrl, { type: 'module', name });
  } finally {
    // The constructor resolves the blob URL's entry when it parses the URL
    // (https://url.spec.whatwg.org/#concept-url-blob-entry), so it can go now.
    URL.revokeObjectURL(blobUrl);
  }
}
