/**
 * Fetches a package version over HTTP in the worker: manifest (+ signature, checked
 * against the trusted keys), then the files an artifact needs, each SHA-256-checked
 * before anything uses it. Nothing unverified ever reaches an engine.
 */
import { EdgeloopError } from '../errors.ts';
import { MAX_MANIFEST_BYTES, PACKAGE_FILES, parseManifest, verifyFileBytes, verifyManifestSignature, type Artifact, type Manifest } from '../format/index.ts';

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

/** Fetches, verifies and parses `manifest.json` (and `manifest.sig` when signatures are checked). */
export async function fetchManifest(baseUrl: string, trust: TrustPolicy): Promise<Manifest> {
  const manifestUrl = new URL(PACKAGE_FILES.manifest, baseUrl).href;
  const manifestBytes = await fetchBytes(manifestUrl);
  if (trust.trustedKeys.length > 0) {
    const signatureUrl = new URL(PACKAGE_FILES.signature, baseUrl).href;
    const signature = await fetchBytes(signatureUrl).catch((error: unknown) => {
      if (error instanceof EdgeloopError && error.code === 'NOT_FOUND') return null;
      throw error;
    });
    if (signature || !trust.allowUnsigned) await verifyManifestSignature(manifestBytes, signature, trust.trustedKeys);
  }
  return parseManifest(manifestBytes);
}

/**
 * Fetches and verifies the files of `artifacts` (at most 4 at a time). Reports bytes
 * as they arrive. Resolves to the verified bytes by path.
 */
export async function fetchArtifacts(
  baseUrl: string,
  artifacts: readonly Artifact[],
  onProgress?: (progress: DownloadProgress) => void,
): Promise<Map<string, Uint8Array>> {
  const files = artifacts.flatMap((a) => a.files);
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  let loadedBytes = 0;
  const out = new Map<string, Uint8Array>();
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const url = new URL(file.path, baseUrl).href;
      const bytes = await fetchBytes(url, file.bytes, (delta) => {
        loadedBytes += delta;
        onProgress?.({ loadedBytes, totalBytes });
      });
      await verifyFileBytes(file, bytes, { url });
      out.set(file.path, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, files.length) }, worker));
  return out;
}

/**
 * GETs `url` into memory, streaming so progress can be reported. Never reads more than
 * `expectedBytes` (a file) or just past MAX_MANIFEST_BYTES (a manifest, which
 * parseManifest then refuses as too large).
 */
async function fetchBytes(url: string, expectedBytes?: number, onChunk?: (bytes: number) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (cause) {
    throw new EdgeloopError('FETCH_FAILED', `could not fetch ${url}: ${cause instanceof Error ? cause.message : String(cause)} (offline, or the server is down?)`, {
      details: { url },
      cause,
    });
  }
  if (response.status === 404) throw new EdgeloopError('NOT_FOUND', `${url} was not found (404); check the package URL and version`, { details: { url, status: 404 } });
  if (!response.ok) throw new EdgeloopError('FETCH_FAILED', `${url} answered HTTP ${response.status}`, { details: { url, status: response.status } });
  // A file larger than the manifest says is an integrity failure; stop reading early
  // rather than buffering whatever a hostile server sends.
  const limit = expectedBytes ?? MAX_MANIFEST_BYTES;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((cause: unknown) => {
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
  return bytes;
}
