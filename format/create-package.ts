/**
 * The package writer: from a model's description and its files to the exact bytes of
 * `manifest.json` (and `manifest.sig`). It runs the same validator every reader runs,
 * on the bytes it emits, so a writer can never produce a package readers reject.
 */
import type { Artifact, Manifest } from './manifest.ts';
import { MANIFEST_FORMAT } from './manifest.ts';
import { sha256Hex } from './sha256.ts';
import { signManifest } from './signature.ts';
import { parseManifest, validateManifest } from './validate-manifest.ts';

/** File names of a package version folder, next to the artifact files. */
export const PACKAGE_FILES = Object.freeze({
  manifest: 'manifest.json',
  signature: 'manifest.sig',
} as const);

/**
 * The size weight shards are split at (4 MiB): small enough for HTTP caches, service
 * worker precaching and resumable downloads, large enough to keep the request count low.
 */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024;

/** One file of an artifact being written: its path in the package and its bytes. */
export interface PackageFileInput {
  /** Relative path inside the version folder (see `ArtifactFile.path`). */
  path: string;
  data: Uint8Array;
}

/** An artifact being written: everything but the file hashes, which are computed. */
export type ArtifactInput = Omit<Artifact, 'files'> & { files: PackageFileInput[] };

/** What {@link createPackage} needs. */
export interface CreatePackageInput {
  /** The manifest fields; `format` and `artifacts` are filled in. */
  manifest: Omit<Manifest, 'format' | 'artifacts'>;
  artifacts: ArtifactInput[];
  /** A key pair from `generateSigningKeyPair()`; without it the package is unsigned. */
  signingKey?: { privateKey: string; publicKey: string };
}

/** A written package, ready to upload or store. */
export interface BuiltPackage {
  /** The manifest as readers will see it (the parse of `manifestBytes`). */
  manifest: Manifest;
  /** The exact bytes of `manifest.json`: pretty JSON (2 spaces), trailing newline. */
  manifestBytes: Uint8Array;
  /** The bytes of `manifest.sig`, when a signing key was given. */
  signature?: Uint8Array;
  /** Artifact files by path (not copied: the caller's arrays). */
  files: Map<string, Uint8Array>;
}

/**
 * Builds a package: hashes every file, fills in `bytes` and `sha256`, serialises the
 * manifest, checks the result with the readers' validator and signs the exact bytes.
 *
 * @throws EdgeloopError `MANIFEST_INVALID` / `MANIFEST_TOO_LARGE` when the result would
 *   not be a valid package (the field names the problem, e.g. `artifacts[0].files[1].path`).
 * @throws TypeError when a file's `data` is not a `Uint8Array` or the signing key is malformed.
 */
export async function createPackage(input: CreatePackageInput): Promise<BuiltPackage> {
  if (typeof input !== 'object' || input === null) throw new TypeError('createPackage needs an input object');
  if (!Array.isArray(input.artifacts)) throw new TypeError('createPackage: input.artifacts must be an array');

  const artifacts = await Promise.all(
    input.artifacts.map(async (artifact, i) => {
      if (!Array.isArray(artifact?.files)) throw new TypeError(`createPackage: artifacts[${i}].files must be an array`);
      const { files, ...rest } = artifact;
      return {
        ...rest,
        files: await Promise.all(
          files.map(async (file, j) => {
            if (!(file?.data instanceof Uint8Array)) {
              throw new TypeError(`createPackage: artifacts[${i}].files[${j}].data must be a Uint8Array`);
            }
            return { path: file.path, bytes: file.data.byteLength, sha256: await sha256Hex(file.data) };
          }),
        ),
      };
    }),
  );

  // Validate the draft first (canonical key order, unknown keys rejected), serialise
  // that, then parse the bytes back: what we return is exactly what readers will get.
  const draft = validateManifest({ ...input.manifest, format: MANIFEST_FORMAT, artifacts });
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(draft, null, 2)}\n`);
  const manifest = parseManifest(manifestBytes);

  const files = new Map<string, Uint8Array>();
  input.artifacts.forEach((artifact) => artifact.files.forEach((file) => files.set(file.path, file.data)));

  const built: BuiltPackage = { manifest, manifestBytes, files };
  if (input.signingKey !== undefined) {
    built.signature = await signManifest(manifestBytes, input.signingKey.privateKey, input.signingKey.publicKey);
  }
  return built;
}
