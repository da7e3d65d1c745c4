/**
 * The bytes of the model store's package files in the Origin Private File System, for
 * the {@link ModelStore} (whose IndexedDB keeps everything else). Reading 14 MB back from
 * OPFS with a sync access handle takes a third of the time IndexedDB takes in Chromium
 * (scripts/bench/opfs-probe.ts: 55 vs 189 ms on a profile on disk). In a whole warm load
 * the gain is smaller (MobileNetV2: ~60 ms of ~300 ms of reads): a sync read holds the
 * worker's thread, where IndexedDB's left it to the engine's start meanwhile.
 *
 * Layout: `edgeloop-store/<db>/<name>/<version>/<path>`, each part escaped by
 * {@link entryName} (names and paths may hold `/`; OPFS entry names may not). A version's
 * files live in one folder, so removing a version is one recursive removal.
 *
 * Writes run under the model's install lock (one writer per version, across tabs) and
 * go through `createWritable`, which takes from the quota exactly what the bytes need (a
 * sync access handle, used where there is no `createWritable`, reserves room in steps of
 * at least 1 MiB in Chromium, which an origin near its quota refuses). Reads take a
 * `read-only` sync access handle, which any number of workers may hold at once, and fall
 * back to `getFile()` where a handle cannot be had (a browser without the `mode` option
 * keeps handles exclusive). https://fs.spec.whatwg.org/#api-filesystemsyncaccesshandle
 */

const ROOT = 'edgeloop-store';

/** `createSyncAccessHandle`'s options (Chromium 121+; not yet in TypeScript's lib). */
interface SyncAccessHandleOptions {
  mode?: 'readwrite' | 'read-only' | 'readwrite-unsafe';
}
type SyncFileHandle = FileSystemFileHandle & {
  createSyncAccessHandle?: (options?: SyncAccessHandleOptions) => Promise<FileSystemSyncAccessHandle>;
};

/**
 * An OPFS entry name for any string: `encodeURIComponent` (no `/` or `\` is left) with
 * `.` escaped too, so that no name is `.` or `..`. Reversible ({@link fromEntryName}).
 */
export function entryName(part: string): string {
  return encodeURIComponent(part).replace(/\./g, '%2E');
}

/** The string an {@link entryName} was made from, or undefined for a name it could not have made. */
export function fromEntryName(entry: string): string | undefined {
  try {
    const part = decodeURIComponent(entry);
    return entryName(part) === entry ? part : undefined;
  } catch {
    return undefined; // not one of ours (a malformed escape)
  }
}

/** Package file bytes in OPFS, under one store's folder. */
export class OpfsFiles {
  readonly #folder: FileSystemDirectoryHandle;

  private constructor(folder: FileSystemDirectoryHandle) {
    this.#folder = folder;
  }

  /**
   * The store's OPFS folder, or the reason there is none: no `navigator.storage.getDirectory`
   * (older browsers), or a browser that refuses it (some private modes). The store then
   * keeps the bytes in IndexedDB.
   */
  static async open(dbName: string): Promise<OpfsFiles | { unavailable: string }> {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (typeof storage?.getDirectory !== 'function') return { unavailable: 'this browser has no Origin Private File System' };
    try {
      const root = await (await storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
      return new OpfsFiles(await root.getDirectoryHandle(entryName(dbName), { create: true }));
    } catch (cause) {
      return { unavailable: `the Origin Private File System refused access (${(cause as Error)?.name ?? String(cause)})` };
    }
  }

  /**
   * Writes a file's bytes, replacing what was there: when this resolves the bytes are in
   * the file, and the store may record them (a writable's bytes replace the file's only
   * when it closes). Throws the browser's error (`QuotaExceededError` when out of room)
   * after removing what it half wrote.
   */
  async write(name: string, version: string, path: string, data: Uint8Array): Promise<void> {
    const folder = await this.#versionFolder(name, version, true);
    const handle = (await folder!.getFileHandle(entryName(path), { create: true })) as SyncFileHandle;
    try {
      if (typeof handle.createWritable === 'function') {
        const writable = await handle.createWritable();
        try {
          await writable.write(data as Uint8Array<ArrayBuffer>);
          await writable.close();
        } catch (error) {
          await writable.abort().catch(() => undefined); // the write's own error is the one to report
          throw error;
        }
      } else {
        const access = await handle.createSyncAccessHandle!();
        try {
          access.truncate(0);
          for (let at = 0; at < data.byteLength; ) {
            const written = access.write(data.subarray(at), { at });
            if (written <= 0) throw new DOMException(`wrote ${at} of ${data.byteLength} bytes`, 'InvalidStateError');
            at += written;
          }
          access.flush();
        } finally {
          access.close();
        }
      }
    } catch (error) {
      await folder!.removeEntry(entryName(path)).catch(() => undefined); // free the room; a leftover is overwritten or swept later
      throw error;
    }
  }

  /**
   * Looks files of a version up: a handle per path, or undefined for a file not there.
   * The version's folder is found once, on the first lookup (each step is a round trip
   * to the browser).
   */
  lookup(name: string, version: string): (path: string) => Promise<FileSystemFileHandle | undefined> {
    let folder: Promise<FileSystemDirectoryHandle | undefined> | undefined;
    return async (path) => {
      try {
        return await (await (folder ??= this.#versionFolder(name, version, false)))?.getFileHandle(entryName(path));
      } catch (error) {
        if ((error as DOMException)?.name === 'NotFoundError') return undefined;
        throw error;
      }
    };
  }

  /** A file's bytes (from {@link OpfsFiles.lookup}) in a buffer of their own. */
  async read(file: FileSystemFileHandle): Promise<Uint8Array> {
    const handle = file as SyncFileHandle;
    if (typeof handle.createSyncAccessHandle === 'function') {
      let access: FileSystemSyncAccessHandle | undefined;
      try {
        access = await handle.createSyncAccessHandle({ mode: 'read-only' });
      } catch (error) {
        // Another handle holds the file (a browser whose handles are all exclusive, with
        // another worker reading): `getFile()` needs no handle.
        if ((error as DOMException)?.name !== 'NoModificationAllowedError') throw error;
      }
      if (access) {
        try {
          const data = new Uint8Array(access.getSize());
          let at = 0;
          while (at < data.byteLength) {
            const read = access.read(data.subarray(at), { at });
            if (read <= 0) break;
            at += read;
          }
          return at === data.byteLength ? data : data.slice(0, at);
        } finally {
          access.close();
        }
      }
    }
    return new Uint8Array(await (await handle.getFile()).arrayBuffer());
  }

  /** Removes a version's folder and every file in it (nothing when there is none). */
  async removeVersion(name: string, version: string): Promise<void> {
    const model = await this.#modelFolder(name, false);
    try {
      await model?.removeEntry(entryName(version), { recursive: true });
    } catch (error) {
      if ((error as DOMException)?.name !== 'NotFoundError') throw error;
    }
  }

  /**
   * Removes the folders of `name`'s versions that `recorded` (what the store's records
   * list, asked after the folders are listed) lacks: a deleted version's, and those a
   * crash left. A folder another tab's install is filling is never taken: its version is
   * recorded before its first file is written. A failure only leaves work for the next sweep.
   */
  async sweep(name: string, recorded: () => Promise<readonly string[]>): Promise<void> {
    try {
      const folders = await this.#versions(name);
      if (folders.length === 0) return;
      const keep = new Set(await recorded());
      for (const version of folders) if (!keep.has(version)) await this.removeVersion(name, version);
    } catch (error) {
      console.warn(`edgeloop: could not remove files of removed versions of ${name} from OPFS; tried again when ${name} next loses a version`, error);
    }
  }

  /** The versions of `name` that have a folder (files, or an empty folder). */
  async #versions(name: string): Promise<string[]> {
    const model = await this.#modelFolder(name, false);
    const found: string[] = [];
    if (!model) return found;
    for await (const [entry, handle] of (model as FileSystemDirectoryHandle & AsyncIterable<[string, FileSystemHandle]>)) {
      const version = handle.kind === 'directory' ? fromEntryName(entry) : undefined;
      if (version !== undefined) found.push(version);
    }
    return found;
  }

  async #modelFolder(name: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    try {
      return await this.#folder.getDirectoryHandle(entryName(name), { create });
    } catch (error) {
      if ((error as DOMException)?.name === 'NotFoundError') return undefined;
      throw error;
    }
  }

  async #versionFolder(name: string, version: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    const model = await this.#modelFolder(name, create);
    try {
      return await model?.getDirectoryHandle(entryName(version), { create });
    } catch (error) {
      if ((error as DOMException)?.name === 'NotFoundError') return undefined;
      throw error;
    }
  }
}
