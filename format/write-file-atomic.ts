/**
 * Node-only: writing files and folders so that a reader (or a crash) sees the old
 * contents or the new ones, never half of either. A file is written to a temporary
 * name in the same folder, synced, and renamed over the target (rename is atomic
 * within one file system, and the same folder guarantees one file system); the folder
 * entry is synced too, so the rename itself survives a power cut
 * (https://lwn.net/Articles/457667/).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode of the new file, e.g. `0o600` for a private key. @defaultValue 0o666 (less the umask) */
  mode?: number;
  /** Create missing parent folders. @defaultValue true */
  mkdir?: boolean;
}

/** A temporary name next to `path`, hidden and unique to this process and call. */
export function temporarySibling(path: string, tag = 'tmp'): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.${tag}`);
}

/**
 * Writes `data` to `path` atomically: temporary file in the same folder, `fsync`,
 * rename over `path`, `fsync` of the folder. Resolves once the new contents are
 * durable; on failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  if (options.mkdir ?? true) await mkdir(dir, { recursive: true });
  const temp = temporarySibling(path);
  try {
    const file = await open(temp, 'wx', options.mode);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/**
 * Builds a folder under a temporary sibling name with `fill`, then swaps it in for
 * `target` (moving an existing `target` aside first: rename cannot replace a non-empty
 * folder, then removing it). Readers see the old folder or the complete new one; a
 * crash between the two renames leaves the old one beside `target` under a hidden
 * `.<name>.<pid>-<hex>.old` name. On failure of `fill` the partial folder is removed
 * and `target` is untouched.
 *
 * @returns `target`.
 */
export async function replaceDirAtomic(target: string, fill: (staging: string) => Promise<void>): Promise<string> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = temporarySibling(target, 'partial');
  try {
    await mkdir(staging);
    await fill(staging);
    const old = temporarySibling(target, 'old');
    let movedAside = false;
    try {
      await rename(target, old);
      movedAside = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(staging, target);
    if (movedAside) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await syncDir(parent);
  return target;
}

/** Syncs a folder's entries (a rename inside it) to disk. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    // Windows cannot open a folder as a file; its renames are durable on their own (NTFS journals metadata).
    if ((error as NodeJS.ErrnoException).code === 'EISDIR' || (error as NodeJS.ErrnoException).code === 'EPERM') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
