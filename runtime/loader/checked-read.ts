/**
 * The loader's first read of a package's files, with the checks off the critical path:
 * the bytes come back as soon as they are read, and one promise says when every check
 * on them — the manifest's signature (when the source checks it alongside) and each
 * file's SHA-256 — has passed. The loader builds the model meanwhile and uses nothing
 * before that promise resolves (model-loader.ts).
 */
import type { Artifact } from '../../format/index.ts';
import type { DownloadProgress } from '../internal/package-fetch.ts';
import type { OpenedPackage, PendingFiles } from './model-source.ts';

/**
 * Reads `artifacts`' files from `opened` for a build. `checked` settles after the
 * manifest's own check and then the files' (so a bad signature is reported before any
 * file mismatch it explains). A source without {@link OpenedPackage.readFiles} hands out
 * verified files, and `checked` is only the manifest's.
 */
export async function readForBuild(opened: OpenedPackage, artifacts: readonly Artifact[], onProgress?: (progress: DownloadProgress) => void): Promise<PendingFiles> {
  const manifestChecked = opened.checked ?? Promise.resolve();
  try {
    if (artifacts.length === 0) return { files: new Map(), checked: manifestChecked };
    if (!opened.readFiles) return { files: await opened.getFiles(artifacts, onProgress), checked: manifestChecked };
    const read = await opened.readFiles(artifacts, onProgress);
    return { files: read.files, checked: inOrder(manifestChecked, read.checked) };
  } catch (error) {
    // A bad signature explains whatever the read ran into: it is the error to report.
    await manifestChecked;
    throw error;
  }
}

/** Settles after `first`, then `second`: the first rejection in that order. Marked handled (the loader awaits it later). */
function inOrder(first: Promise<void>, second: Promise<void>): Promise<void> {
  second.catch(() => undefined);
  const both = first.then(() => second);
  both.catch(() => undefined);
  return both;
}
