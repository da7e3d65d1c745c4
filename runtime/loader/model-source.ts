/**
 * Where a model's manifest and bytes come from: the network (a URL, or a manifest object
 * with the base URL of its files) or the model store (by name; the store service opens
 * those). Every source hands out verified bytes only.
 */
import { EdgeloopError, validateManifest, type Artifact, type Manifest } from '../../format/index.ts';
import { fetchArtifacts, fetchManifest, packageBaseUrl, type DownloadProgress, type TrustPolicy } from '../internal/package-fetch.ts';

/** Gets the verified files of some artifacts, by path. */
export type FileSource = (artifacts: readonly Artifact[], onProgress?: (progress: DownloadProgress) => void) => Promise<Map<string, Uint8Array>>;

/** Files read whose checks are still running (see {@link OpenedPackage.readFiles}). */
export interface PendingFiles {
  /** The bytes as read, by path: not yet known to be the package's. */
  files: Map<string, Uint8Array>;
  /**
   * Resolves once every file's size and SHA-256 matched the manifest; rejects with the
   * first mismatch (`INTEGRITY_MISMATCH`, `details.path` naming the file).
   */
  checked: Promise<void>;
}

/** Reads the files of some artifacts and hands them out before their checks are done. */
export type PendingFileSource = (artifacts: readonly Artifact[], onProgress?: (progress: DownloadProgress) => void) => Promise<PendingFiles>;

/** A package opened for loading. */
export interface OpenedPackage {
  manifest: Manifest;
  /** Gets (and verifies) artifact files: a failover may need one the load did not. */
  getFiles: FileSource;
  from: 'network' | 'store';
  /**
   * The manifest's own checks (its signature) when the source runs them while the files
   * are read rather than before: nothing may use the package until it resolves, and its
   * rejection is the load's error. Absent: the manifest was checked before the open
   * resolved.
   */
  checked?: Promise<void>;
  /**
   * Reads the load's files and resolves as soon as their bytes are there, their SHA-256
   * checks still running (WebCrypto, off the worker's thread), so an engine can build
   * the model meanwhile. Only the loader's first read uses it, and only to build: no run
   * of the model, no timing, no registered model before `checked` resolves (and a
   * session built on bytes that fail is disposed). Absent: {@link OpenedPackage.getFiles}.
   */
  readFiles?: PendingFileSource;
  /** Lets go of what the open holds (the store's "loaded" lock), once the model is unloaded. */
  release?: () => void;
}

/** Opens a package from the network: `{ url }` (its manifest.json or its folder) or a manifest object and the base URL of its files. */
export async function openNetworkPackage(source: { url: string } | { manifest: Manifest; baseUrl: string }, trust: TrustPolicy): Promise<OpenedPackage> {
  if ('url' in source) {
    const baseUrl = packageBaseUrl(source.url);
    return { manifest: await fetchManifest(baseUrl, trust), getFiles: networkFiles(baseUrl), from: 'network' };
  }
  if (trust.trustedKeys.length > 0 && !trust.allowUnsigned) {
    throw new EdgeloopError('SIGNATURE_MISSING', 'a manifest passed as an object carries no signature; load the package by URL, or set allowUnsigned', {
      details: { name: source.manifest?.name },
    });
  }
  return { manifest: validateManifest(source.manifest), getFiles: networkFiles(packageBaseUrl(source.baseUrl)), from: 'network' };
}

/** Files of a package folder on the network, fetched and verified. */
function networkFiles(baseUrl: string): FileSource {
  return (artifacts, onProgress) => fetchArtifacts(baseUrl, artifacts, { onProgress });
}
