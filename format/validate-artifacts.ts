/**
 * Internal to the manifest validator: the `artifacts[]` part of `edgeloop/1` (ids,
 * engines, precisions, device needs, files and their paths). See validate-manifest.ts.
 */
import {
  array,
  boolean,
  describe,
  fail,
  indexPath,
  integer,
  keyPath,
  matching,
  oneOf,
  strictObject,
  string,
} from './json-checks.ts';
import { ARTIFACT_ENGINES, ARTIFACT_FEATURES, FALLBACK_CONDITIONS, PRECISIONS, type Artifact, type ArtifactFile } from './manifest.ts';
import { MANIFEST_LIMITS } from './manifest-limits.ts';
import { MAX_NAME_LENGTH, PACKAGE_NAME_EXPECTED, PACKAGE_NAME_PATTERN } from './naming.ts';

const L = MANIFEST_LIMITS;

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const SHA256_EXPECTED = 'a SHA-256 digest: 64 lower-case hex characters';
const PATH_CHARS = /^[A-Za-z0-9._\-/]+$/;
/** Files the package itself holds next to the artifact files (see `PACKAGE_FILES`). */
const RESERVED_PATHS = ['manifest.json', 'manifest.sig'];

const SHAPE = {
  artifact: { required: ['id', 'engine', 'precision', 'target', 'files'], optional: ['requires', 'device', 'fallbackWhen'] },
  artifactDevice: { required: ['webgpu', 'shaderF16'] },
  file: { required: ['path', 'bytes', 'sha256'] },
} as const;

/** A SHA-256 digest in lower-case hex. */
export function sha256Digest(value: unknown, field: string): string {
  return matching(value, field, SHA256_PATTERN, SHA256_EXPECTED, 64);
}

/**
 * The `artifacts` of a manifest: unique ids, known engines and precisions, file paths
 * that stay inside the version folder and are unique ignoring case, and sizes inside
 * {@link MANIFEST_LIMITS}.
 */
export function artifacts(value: unknown, field: string): Artifact[] {
  const list = array(value, field, 1, L.maxArtifacts, 'artifacts');
  const ids = new Map<string, string>();
  // Lower-cased path → field, across the whole manifest: every file lands in the same
  // version folder, and some file systems (macOS, Windows) ignore case.
  const paths = new Map<string, string>();
  let totalBytes = 0;
  const result = list.map((item, i) => {
    const at = indexPath(field, i);
    const o = strictObject(item, at, SHAPE.artifact);
    const id = matching(o.id, keyPath(at, 'id'), PACKAGE_NAME_PATTERN, PACKAGE_NAME_EXPECTED, MAX_NAME_LENGTH);
    const firstId = ids.get(id);
    if (firstId !== undefined) fail(keyPath(at, 'id'), 'duplicate', `repeats id "${id}" of ${firstId}; artifact ids must be unique`);
    ids.set(id, keyPath(at, 'id'));
    const engine = oneOf(o.engine, keyPath(at, 'engine'), ARTIFACT_ENGINES);
    const precision = oneOf(o.precision, keyPath(at, 'precision'), PRECISIONS);
    const target = matching(o.target, keyPath(at, 'target'), PACKAGE_NAME_PATTERN, `${PACKAGE_NAME_EXPECTED} (a device profile id, or "generic")`, MAX_NAME_LENGTH);
    const filesAt = keyPath(at, 'files');
    const files = array(o.files, filesAt, 1, L.maxFilesPerArtifact, 'files').map((fileValue, j) => {
      const file = artifactFile(fileValue, indexPath(filesAt, j), paths);
      totalBytes += file.bytes;
      return file;
    });
    const artifact: Artifact = { id, engine, precision, target, files };
    if (o.requires !== undefined) {
      const requiresAt = keyPath(at, 'requires');
      artifact.requires = array(o.requires, requiresAt, 0, ARTIFACT_FEATURES.length, 'features').map((f, j) => oneOf(f, indexPath(requiresAt, j), ARTIFACT_FEATURES));
      if (new Set(artifact.requires).size !== artifact.requires.length) fail(requiresAt, 'duplicate', 'names a feature twice');
    }
    if (o.device !== undefined) {
      const deviceAt = keyPath(at, 'device');
      const d = strictObject(o.device, deviceAt, SHAPE.artifactDevice);
      artifact.device = { webgpu: boolean(d.webgpu, keyPath(deviceAt, 'webgpu')), shaderF16: boolean(d.shaderF16, keyPath(deviceAt, 'shaderF16')) };
    }
    if (o.fallbackWhen !== undefined) artifact.fallbackWhen = oneOf(o.fallbackWhen, keyPath(at, 'fallbackWhen'), FALLBACK_CONDITIONS);
    return artifact;
  });
  if (totalBytes > L.maxTotalBytes) {
    fail(field, 'too-large', `files add up to ${totalBytes} bytes; a package may hold at most ${L.maxTotalBytes} bytes (4 GiB)`);
  }
  // A file cannot also be a folder: "a" and "a/b" cannot both be written.
  for (const [key, at] of paths) {
    for (let slash = key.indexOf('/'); slash !== -1; slash = key.indexOf('/', slash + 1)) {
      const folder = paths.get(key.slice(0, slash));
      if (folder !== undefined) fail(at, 'path', `lies inside the path of ${folder}, which is a file, not a folder`);
    }
  }
  return result;
}

function artifactFile(value: unknown, field: string, paths: Map<string, string>): ArtifactFile {
  const o = strictObject(value, field, SHAPE.file);
  const pathAt = keyPath(field, 'path');
  const path = filePath(o.path, pathAt);
  const key = path.toLowerCase();
  const first = paths.get(key);
  if (first !== undefined) {
    fail(pathAt, 'duplicate', `repeats the path ${describe(path)} of ${first}; every file path in the manifest must be unique (ignoring case)`);
  }
  paths.set(key, pathAt);
  return {
    path,
    bytes: integer(o.bytes, keyPath(field, 'bytes'), 0, L.maxFileBytes, 'a size in bytes: an integer'),
    sha256: sha256Digest(o.sha256, keyPath(field, 'sha256')),
  };
}

/**
 * A file path must stay inside the package's version folder wherever it is joined:
 * a URL (`new URL(path, base)` resolves `..`), a file system path on the endpoint,
 * or an IndexedDB key.
 */
function filePath(value: unknown, field: string): string {
  const path = string(value, field, 1, L.maxPathLength);
  const got = `(got ${describe(path)})`;
  const segments = path.split('/');
  if (path.includes('\\')) fail(field, 'path', `must use forward slashes only, no backslashes ${got}`);
  if (path.startsWith('/')) fail(field, 'path', `must be a relative path, not start with '/' ${got}`);
  if (/^[A-Za-z]:/.test(path)) fail(field, 'path', `must be a relative path without a drive letter ${got}`);
  if (!PATH_CHARS.test(path)) fail(field, 'path', `may only use the characters A-Z a-z 0-9 . _ - / ${got}`);
  if (segments.includes('..')) fail(field, 'path', `must be a relative path without '..' segments ${got}`);
  if (segments.includes('.')) fail(field, 'path', `must not have '.' segments ${got}`);
  if (segments.includes('')) fail(field, 'path', `must not have empty segments ('//' or a trailing '/') ${got}`);
  if (RESERVED_PATHS.includes(path.toLowerCase())) {
    fail(field, 'path', `must not be ${RESERVED_PATHS.join(' or ')}: the package itself uses those names ${got}`);
  }
  return path;
}
