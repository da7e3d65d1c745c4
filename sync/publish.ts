/**
 * Publishing one package version: everything the runtime will check at install is
 * checked here first (the manifest validator, the signature against the configured
 * publisher keys, every file's size and SHA-256), then the bytes go to the blob store
 * and the rows to the database. A version is immutable: the same bytes again are
 * acknowledged, other bytes are refused.
 */
import { PACKAGE_FILES, parseManifest, sha256Hex, verifyFileBytes, verifyManifestSignature, type Manifest } from '../format/index.ts';
import type { SyncContext } from './context.ts';
import { SyncError } from './errors.ts';
import type { StoredFile, VersionRecord } from './store/store.ts';

/** The publish body (see docs/SYNC-API.md). */
export interface PublishBody {
  manifest: string;
  signature?: string;
  files: Record<string, string>;
}

/** What the client is told. */
export interface PublishResult {
  status: 200 | 201;
  body: { name: string; version: string; bytes: number };
}

/**
 * Strict base64 (RFC 4648 §4, padded). Node's decoder skips characters outside the
 * alphabet, so a decoded length other than the one the text implies means the text
 * was not base64.
 */
function decodeBase64(text: string, field: string): Buffer {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 !== 0 || bytes.byteLength !== (text.length / 4) * 3 - padding) {
    throw new SyncError('BAD_REQUEST', `${field} is not base64 (RFC 4648, with padding)`, { details: { field } });
  }
  return bytes;
}

function artifactFiles(manifest: Manifest): Map<string, { path: string; bytes: number; sha256: string }> {
  const files = new Map<string, { path: string; bytes: number; sha256: string }>();
  for (const artifact of manifest.artifacts) for (const file of artifact.files) files.set(file.path, file);
  return files;
}

/** Verifies and stores one version. @throws SyncError with the contract's code. */
export async function publishVersion(ctx: SyncContext, name: string, version: string, body: PublishBody): Promise<PublishResult> {
  const manifestBytes = decodeBase64(body.manifest, 'manifest');
  const manifest = parseManifest(manifestBytes);
  if (manifest.name !== name || manifest.version !== version) {
    throw new SyncError(
      'MANIFEST_INVALID',
      `manifest.json says ${manifest.name}@${manifest.version} but was published as ${name}@${version}; publish it under the name and version it carries`,
      { details: { field: manifest.name !== name ? 'name' : 'version' } },
    );
  }
  const signature = body.signature === undefined ? undefined : decodeBase64(body.signature, 'signature');
  await verifyManifestSignature(manifestBytes, signature, ctx.config.publisherKeys);

  const expected = artifactFiles(manifest);
  for (const path of Object.keys(body.files)) {
    if (!expected.has(path)) {
      throw new SyncError('BAD_REQUEST', `files holds "${path.slice(0, 255)}", which manifest.json does not list; send exactly the manifest's files`, {
        details: { field: 'files', path },
      });
    }
  }
  const decoded = new Map<string, Buffer>();
  for (const [path, file] of expected) {
    const text = body.files[path];
    if (typeof text !== 'string') {
      throw new SyncError('INTEGRITY_MISMATCH', `manifest file ${path} is missing from the upload; send every file the manifest lists`, {
        details: { path, check: 'missing' },
      });
    }
    const bytes = decodeBase64(text, `files["${path}"]`);
    await verifyFileBytes(file, bytes);
    decoded.set(path, bytes);
  }

  const manifestSha256 = await sha256Hex(manifestBytes);
  const signatureBytes = signature ?? Buffer.alloc(0);
  const signatureSha256 = await sha256Hex(signatureBytes);
  const totalBytes = [...expected.values()].reduce((sum, f) => sum + f.bytes, 0);
  const result = { name, version, bytes: totalBytes };

  const existing = await ctx.metrics.timeStore(() => ctx.store.getVersion(name, version));
  if (existing) return { status: sameBytes(existing, manifestSha256, signatureSha256, name, version), body: result };

  const files: StoredFile[] = [
    { path: PACKAGE_FILES.manifest, sha256: manifestSha256, bytes: manifestBytes.byteLength },
    { path: PACKAGE_FILES.signature, sha256: signatureSha256, bytes: signatureBytes.byteLength },
    ...[...expected.values()].map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes })),
  ];
  // Blobs first: a row never points at bytes that are not on disk. A crash in between
  // leaves an unreferenced blob, which a later publish of the same bytes reuses.
  await ctx.blobs.put(manifestSha256, manifestBytes);
  await ctx.blobs.put(signatureSha256, signatureBytes);
  for (const f of expected.values()) await ctx.blobs.put(f.sha256, decoded.get(f.path)!);

  const outcome = await ctx.metrics.timeStore(() =>
    ctx.store.insertVersion({
      name,
      version,
      publishedAt: new Date().toISOString(),
      bytes: totalBytes,
      manifestSha256,
      signatureSha256,
      metrics: manifest.metrics,
      files,
    }),
  );
  if (outcome === 'exists') {
    // Another publish of this version won the race; compare with what it stored.
    const winner = await ctx.store.getVersion(name, version);
    return { status: sameBytes(winner!, manifestSha256, signatureSha256, name, version), body: result };
  }
  return { status: 201, body: result };
}

function sameBytes(existing: VersionRecord, manifestSha256: string, signatureSha256: string, name: string, version: string): 200 {
  if (existing.manifestSha256 === manifestSha256 && existing.signatureSha256 === signatureSha256) return 200;
  throw new SyncError(
    'CONFLICT',
    `${name}@${version} is already published with other bytes; versions are immutable, so publish a new version number`,
    { details: { name, version } },
  );
}
