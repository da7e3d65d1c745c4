/**
 * Publishing one package version: everything the runtime will check at install is
 * checked here first (the manifest validator, the signature against the configured
 * publisher keys, every file's size and SHA-256), then the bytes go to the blob store
 * and the rows to the database. A version is immutable: the same bytes again are
 * acknowledged, other bytes are refused. A publish that loses a race for its version
 * (or fails to insert) leaves no blob that only it wrote: the file store's are removed
 * when no row references them, PostgreSQL's roll back with the rows. A race leaves only
 * the winner's blobs.
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
 * Strict base64: RFC 4648 §4, padded, canonical — the rule of `decodeBase64` in
 * format/base64url.ts, on Node's native codec (a 64 MiB body decodes in a fraction of
 * the time). Node's decoder is lenient (it takes base64url's `-` `_`, skips blanks,
 * ignores missing padding and non-zero unused bits), so the text must be exactly what
 * encoding the decoded bytes writes: one spelling per byte string.
 */
export function decodeStrictBase64(text: string, field: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new SyncError('BAD_REQUEST', `${field} is not canonical base64 (RFC 4648 §4: A-Z a-z 0-9 + /, padded with "=", no blanks)`, {
      details: { field },
    });
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
  const manifestBytes = decodeStrictBase64(body.manifest, 'manifest');
  const manifest = parseManifest(manifestBytes);
  if (manifest.name !== name || manifest.version !== version) {
    throw new SyncError(
      'MANIFEST_INVALID',
      `manifest.json says ${manifest.name}@${manifest.version} but was published as ${name}@${version}; publish it under the name and version it carries`,
      { details: { field: manifest.name !== name ? 'name' : 'version' } },
    );
  }
  const signature = body.signature === undefined ? undefined : decodeStrictBase64(body.signature, 'signature');
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
    const bytes = decodeStrictBase64(text, `files["${path}"]`);
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
  const blobs = new Map<string, Uint8Array>([[manifestSha256, manifestBytes], [signatureSha256, signatureBytes]]);
  for (const f of expected.values()) blobs.set(f.sha256, decoded.get(f.path)!);
  const record = {
    name,
    version,
    publishedAt: new Date().toISOString(),
    bytes: totalBytes,
    manifestSha256,
    signatureSha256,
    metrics: manifest.metrics,
    files,
  };

  // The blob store says how its blobs meet the rows (sync/blob-store.ts). Files: written
  // first, so a row never points at bytes that are not on disk; the insert checks, under
  // the blob locks, that they are still there (a concurrent loser may have removed one it
  // wrote that this publish shares), and if not they are written again. A crash in
  // between leaves an unreferenced blob, which a later publish of the same bytes reuses.
  // PostgreSQL's blobs table: nothing staged, the blobs are written in the row transaction.
  const written = new Set<string>();
  for (let attempt = 1; attempt <= MAX_INSERT_ATTEMPTS; attempt++) {
    for (const sha256 of await ctx.blobs.stage(blobs)) written.add(sha256);
    let outcome: 'created' | 'exists' | 'blobs-missing';
    try {
      outcome = await ctx.metrics.timeStore(() => ctx.store.insertVersion(record, ctx.blobs.forInsert(blobs)));
    } catch (error) {
      await discardBlobs(ctx, written, error);
      throw error;
    }
    if (outcome === 'blobs-missing') continue;
    if (outcome === 'exists') {
      // Another publish of this version won the race: remove the blobs this one wrote
      // that no row references (a blob the winner shares stays), then compare.
      await discardBlobs(ctx, written);
      const winner = await ctx.store.getVersion(name, version);
      return { status: sameBytes(winner!, manifestSha256, signatureSha256, name, version), body: result };
    }
    return { status: 201, body: result };
  }
  await discardBlobs(ctx, written);
  throw new SyncError('INTERNAL', `the blobs of ${name}@${version} kept disappearing while it was published; publish it again`);
}

/** Insert attempts when blobs vanish between writing them and the insert (only a concurrent removal does that). */
const MAX_INSERT_ATTEMPTS = 3;

/**
 * Removes the blobs of `written` that no row references. With `failure`, the publish
 * is failing already: a cleanup error is attached to it rather than replacing it (the
 * blobs stay, unreferenced, and a later publish of the same bytes reuses them).
 */
async function discardBlobs(ctx: SyncContext, written: ReadonlySet<string>, failure?: unknown): Promise<void> {
  if (written.size === 0) return;
  try {
    await ctx.metrics.timeStore(() => ctx.blobs.removeUnreferenced([...written]));
  } catch (cleanup) {
    if (failure === undefined) throw cleanup;
    if (failure instanceof Error) failure.cause ??= cleanup;
  }
}

function sameBytes(existing: VersionRecord, manifestSha256: string, signatureSha256: string, name: string, version: string): 200 {
  if (existing.manifestSha256 === manifestSha256 && existing.signatureSha256 === signatureSha256) return 200;
  throw new SyncError(
    'CONFLICT',
    `${name}@${version} is already published with other bytes; versions are immutable, so publish a new version number`,
    { details: { name, version } },
  );
}
