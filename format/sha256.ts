/**
 * SHA-256 through WebCrypto, and the integrity check of a downloaded artifact file
 * against its manifest entry.
 */
import { EdgeloopError } from './edgeloop-error.ts';
import type { ArtifactFile } from './manifest.ts';
import { getSubtle, toBufferSource } from './web-crypto.ts';

/** Lower-case hex SHA-256 of `data` (only the view's own bytes when given a view). */
export async function sha256Hex(data: ArrayBuffer | ArrayBufferView): Promise<string> {
  const digest = await getSubtle().digest('SHA-256', toBufferSource(data));
  return toHex(new Uint8Array(digest));
}

/** Where the checked bytes came from, for the error message. */
export interface VerifyFileContext {
  /** The URL the bytes were downloaded from. */
  url?: string;
}

/**
 * Checks downloaded bytes against their manifest entry: first the size (cheap, and
 * the usual symptom of a truncated download), then the SHA-256.
 *
 * @throws EdgeloopError `INTEGRITY_MISMATCH` with details `{ path, expected, actual, url }`
 *   (`expected`/`actual` are byte counts for a size mismatch, hex digests for a hash
 *   mismatch, and `details.check` says which: `'size'` or `'sha256'`).
 */
export async function verifyFileBytes(
  file: ArtifactFile,
  data: ArrayBuffer | Uint8Array,
  context: VerifyFileContext = {},
): Promise<void> {
  const where = context.url === undefined ? '' : ` (from ${context.url})`;
  if (data.byteLength !== file.bytes) {
    throw new EdgeloopError(
      'INTEGRITY_MISMATCH',
      `manifest file ${file.path}${where}: the downloaded bytes are ${data.byteLength} bytes long but the manifest says ${file.bytes}; refusing to load it (a truncated download or a changed file)`,
      { details: { path: file.path, expected: file.bytes, actual: data.byteLength, url: context.url, check: 'size' } },
    );
  }
  const actual = await sha256Hex(data);
  if (actual !== file.sha256) {
    throw new EdgeloopError(
      'INTEGRITY_MISMATCH',
      `manifest file ${file.path}${where}: SHA-256 does not match the downloaded bytes (expected ${abbreviate(file.sha256)}, got ${abbreviate(actual)}); refusing to load it`,
      { details: { path: file.path, expected: file.sha256, actual, url: context.url, check: 'sha256' } },
    );
  }
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function abbreviate(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
}
