/**
 * Fetches a package version over HTTP in the worker: manifest (+ signature, checked
 * against the trusted keys), then the files an artifact needs, each SHA-256-checked
 * before anything uses it. Nothing unverified ever reaches an engine.
 */
import { EdgeloopError, MAX_MANIFEST_BYTES, PACKAGE_FILES, parseManifest, verifyFileBytes, verifyManifestSignature, type Artifact, type Manifest } from '../../format/index.ts';

/** Download progress over all files of a load. */
export interface DownloadProgress {
  loadedBytes: number;
  totalBytes: number;
}

/** Signature policy. */
export interface TrustPolicy {
  trustedKeys: readonly string[];
  allowUnsigned: boolean;
}

/** Base URL (the version folder, ending in `/`) for a manifest URL or folder URL. */
export function packageBaseUrl(source: string): string {
  const url = new URL(source);
  if (url.pathname.endsWith(`/${PACKAGE_FILES.manifest}`)) url.pathname = url.pathname.slice(0, -PACKAGE_FILES.manifest.length);
  else if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** A manifest as fetched: its exact bytes and signature file (for the store) and the parsed manifest. */
export interface FetchedManifest {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  signature: Uint8Array | null;
}

/** Fetches, verifies and parses `manifest.json` (and `manifest.sig` when signatures are checked). */
export async function fetchManifest(baseUrl: string, trust: TrustPolicy): Promise<Manifest> {
  return (await fetchSignedManifest(baseUrl, trust)).manifest;
}

/** {@link fetchManifest}, keeping the exact bytes and the signature file. */
export async function fetchSignedManifest(baseUrl: string, trust: TrustPolicy, signal?: AbortSignal): Promise<FetchedManifest> {
  const manifestUrl = new URL(PACKAGE_FILES.manifest, baseUrl).href;
  const manifestBytes = (await fetchBytes(manifestUrl, { signal })).bytes;
  const signature = await fetchOptional(new URL(PACKAGE_FILES.signature, baseUrl).href, signal);
  await checkSignature(manifestBytes, signature, trust);
  return { manifest: parseManifest(manifestBytes), manifestBytes, signature };
}

/** Applies the signature policy to `bytes` (a manifest or a registry index) and its signature file. */
export async function checkSignature(bytes: Uint8Array, signature: Uint8Array | null, trust: TrustPolicy): Promise<void> {
  if (trust.trustedKeys.length === 0) return;
  if (signature || !trust.allowUnsigned) await verifyManifestSignature(bytes, signature, trust.trustedKeys);
}

/** GETs a file that may be absent: null on 404. */
export async function fetchOptional(url: string, signal?: AbortSignal): Promise<Uint8Array | null> {
  try {
    return (await fetchBytes(url, { signal })).bytes;
  } catch (error) {
    if (error instanceof EdgeloopError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/** Options of {@link fetchArtifacts}. */
export interface FetchArtifactsOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** Called with each verified file as it arrives (the store writes it at once). */
  onFile?: (path: string, bytes: Uint8Array) => Promise<void> | void;
  /** Paths already held (verified earlier): not fetched, counted as done. */
  skip?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/**
 * Fetches and verifies the files of `artifacts` (at most 4 at a time). Reports bytes
 * as they arrive. Resolves to the verified bytes by path (skipped files excluded).
 */
export async function fetchArtifacts(
  baseUrl: string,
  artifacts: readonly Artifact[],
  options: FetchArtifactsOptions | ((progress: DownloadProgress) => void) = {},
): Promise<Map<string, Uint8Array>> {
  const { onProgress, onFile, skip, signal } = typeof options === 'function' ? { onProgress: options } : options;
  const files = artifacts.flatMap((a) => a.files);
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  let loadedBytes = files.filter((f) => skip?.has(f.path)).reduce((sum, f) => sum + f.bytes, 0);
  const out = new Map<string, Uint8Array>();
  const queue = files.filter((f) => !skip?.has(f.path));
  // One failure stops the other downloads too.
  const stop = new AbortController();
  const abort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      if (stop.signal.aborted) return;
      const url = new URL(file.path, baseUrl).href;
      const { bytes } = await fetchBytes(url, {
        expectedBytes: file.bytes,
        signal: stop.signal,
        onChunk: (delta) => {
          loadedBytes += delta;
          onProgress?.({ loadedBytes, totalBytes });
        },
      });
      await verifyFileBytes(file, bytes, { url });
      await onFile?.(file.path, bytes);
      out.set(file.path, bytes);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, () => worker().catch((error: unknown) => (stop.abort(error), Promise.reject(error)))));
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (signal?.aborted) throw new EdgeloopError('ABORTED', 'the download was aborted', { cause: signal.reason });
  return out;
}

/** Options of {@link fetchBytes}. */
export interface FetchBytesOptions {
  /** The size the manifest lists; reading stops with INTEGRITY_MISMATCH past it. */
  expectedBytes?: number;
  onChunk?: (bytes: number) => void;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Resolve (rather than throw) on HTTP 304, with empty bytes. */
  allowNotModified?: boolean;
}

/**
 * GETs `url` into memory, streaming so progress can be reported. Never reads more than
 * `expectedBytes` (a file) or just past MAX_MANIFEST_BYTES (a manifest, which
 * parseManifest then refuses as too large).
 */
export async function fetchBytes(url: string, options: FetchBytesOptions = {}): Promise<{ bytes: Uint8Array; response: Response }> {
  const { expectedBytes, onChunk, headers, signal, allowNotModified = false } = options;
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers, signal, cache: headers?.['If-None-Match'] ? 'no-cache' : 'default' });
  } catch (cause) {
    if (signal?.aborted) throw new EdgeloopError('ABORTED', `the download of ${url} was aborted`, { details: { url }, cause });
    throw new EdgeloopError('FETCH_FAILED', `could not fetch ${url}: ${cause instanceof Error ? cause.message : String(cause)} (offline, or the server is down?)`, {
      details: { url },
      cause,
    });
  }
  if (response.status === 304 && allowNotModified) return { bytes: new Uint8Array(0), response };
  if (response.status === 404) throw new EdgeloopError('NOT_FOUND', `${url} was not found (404); check the package URL and version`, { details: { url, status: 404 } });
  if (!response.ok) throw new EdgeloopError('FETCH_FAILED', `${url} answered HTTP ${response.status}`, { details: { url, status: response.status } });
  // A file larger than the manifest says is an integrity failure; stop reading early
  // rather than buffering whatever a hostile server sends.
  const limit = expectedBytes ?? MAX_MANIFEST_BYTES;
  const reader = response.body?.getReader();
  if (!reader) return { bytes: new Uint8Array(await response.arrayBuffer()), response };
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((cause: unknown) => {
      if (signal?.aborted) throw new EdgeloopError('ABORTED', `the download of ${url} was aborted`, { details: { url }, cause });
      throw new EdgeloopError('FETCH_FAILED', `the download of ${url} broke off after ${received} bytes`, { details: { url, received }, cause });
    });
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      await reader.cancel();
      if (expectedBytes === undefined) break; // the manifest size check reports it
      throw new EdgeloopError('INTEGRITY_MISMATCH', `${url} is larger than the ${expectedBytes} bytes its manifest lists; refusing to load it`, {
        details: { url, expected: expectedBytes },
      });
    }
    chunks.push(value);
    onChunk?.(value.byteLength);
  }
  const bytes = new Uint8Array(received > limit ? limit + 1 : received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk.subarray(0, bytes.length - offset), offset);
    offset += chunk.byteLength;
  }
  return { bytes, response };
}
