/**
 * The model store: verified package versions in IndexedDB (through `idb`), used from
 * the runtime worker, the files' bytes in the Origin Private File System where the
 * browser has one ({@link OpfsFiles}: IndexedDB reads large values several times slower).
 * Four object stores:
 *
 * - `files`    [name, version, path] → one package file: its SHA-256, the checksum of
 *              its verified bytes (file-checksum.ts; none in stores written before it) and
 *              where they are (in OPFS, or in the row itself: the fallback, and every
 *              store written before OPFS was used)
 * - `versions` [name, version] → the exact manifest bytes and signature, where it came
 *              from, its state (`partial` until every file is stored and verified,
 *              then `complete`), size, install and last-use times, pin
 * - `models`   name → which version is active (and which was before), the registry it
 *              follows, the highest version installed from each registry, the index
 *              ETag
 * - `meta`     settings of the store itself (the device id)
 *
 * A version becomes loadable only in the one transaction that marks it complete and
 * makes it active, so an interrupted install never disturbs the active version. A file's
 * OPFS bytes are written before its row is (no row, no file: an install cut off
 * between the two fetches the file again and overwrites it); a version's OPFS folder is
 * removed after the transaction that deletes its rows, and a folder left by a crash
 * there is swept when that model next loses a version or the version is installed again.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { EdgeloopError, compareVersions, isEdgeloopError } from '../../format/index.ts';
import { fileChecksum } from './file-checksum.ts';
import { OpfsFiles } from './opfs-files.ts';

export const STORE_DB_NAME = 'edgeloop-models';
const DB_VERSION = 2;
/** Files up to this size keep their bytes in their IndexedDB row (Chromium keeps such values inline; larger ones are blob files). */
const INLINE_BYTES = 64 * 1024;

/** One package file with its bytes: what is stored, and what a read gives back. */
export interface FileRecord {
  name: string;
  version: string;
  path: string;
  sha256: string;
  data: Uint8Array;
  /** `xxh64:<hex>` of `data`, recorded by {@link ModelStore.putFile} (absent in older stores). */
  checksum?: string;
}

/** A `files` row: the bytes in `data`, or (`opfs: true`) `bytes` of them in OPFS. */
interface FileRow {
  name: string;
  version: string;
  path: string;
  sha256: string;
  checksum?: string;
  data?: Uint8Array;
  opfs?: true;
  bytes?: number;
}

export interface VersionRecord {
  name: string;
  version: string;
  /** The registry base URL it was installed from. */
  source: string;
  manifestBytes: Uint8Array;
  signature: Uint8Array | null;
  state: 'partial' | 'complete';
  /** Total bytes of its files. */
  bytes: number;
  /** ISO time the install completed (undefined while partial). */
  installedAt?: string;
  /** ms since epoch of the last load (LRU eviction order). */
  lastUsedAt: number;
  pinned: boolean;
}

export interface ModelRecord {
  name: string;
  active?: string;
  previous?: string;
  /** The registry base URL `checkForUpdate` asks. */
  source?: string;
  /** Registry base URL → the highest version ever installed from it (rollback-attack defence). */
  highest: Record<string, string>;
  /** ETag of the last index fetched, and what it resolved to. */
  indexEtag?: string;
  indexLatest?: string;
  /**
   * The alias this model follows (`install(name, { from, alias })`): update checks ask
   * for the version the registry assigns this device under it (its canary side included)
   * and move to it, back as well as forward.
   */
  alias?: string;
}

interface StoreSchema extends DBSchema {
  files: { key: [string, string, string]; value: FileRow; indexes: { byVersion: [string, string] } };
  versions: { key: [string, string]; value: VersionRecord; indexes: { byName: string } };
  models: { key: string; value: ModelRecord };
  /** One row per setting of the store itself: `{ key: 'deviceId', value }`. */
  meta: { key: string; value: { key: string; value: string } };
}

/** What `runtime.store.versions(name)` lists. */
export interface InstalledVersion {
  name: string;
  version: string;
  state: 'partial' | 'complete';
  bytes: number;
  installedAt?: string;
  lastUsedAt: number;
  source: string;
  pinned: boolean;
  active: boolean;
  previous: boolean;
}

export class ModelStore {
  readonly #db: Promise<IDBPDatabase<StoreSchema>>;
  /** Where file bytes go: OPFS, or (where it is missing) nowhere but IndexedDB. */
  readonly #opfs: Promise<OpfsFiles | { unavailable: string }>;
  #opfsFailed = false;

  constructor(dbName = STORE_DB_NAME) {
    this.#opfs = OpfsFiles.open(dbName);
    this.#db = openDB<StoreSchema>(dbName, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          const files = db.createObjectStore('files', { keyPath: ['name', 'version', 'path'] });
          files.createIndex('byVersion', ['name', 'version']);
          const versions = db.createObjectStore('versions', { keyPath: ['name', 'version'] });
          versions.createIndex('byName', 'name');
          db.createObjectStore('models', { keyPath: 'name' });
        }
        if (oldVersion < 2) db.createObjectStore('meta', { keyPath: 'key' });
      },
    }).catch((cause: unknown) => {
      throw new EdgeloopError('STORE_UNAVAILABLE', `IndexedDB could not be opened (${(cause as Error)?.message ?? String(cause)}); private mode or storage disabled?`, { cause });
    });
    this.#db.catch(() => undefined);
  }

  async model(name: string): Promise<ModelRecord | undefined> {
    return (await this.#db).get('models', name);
  }

  async version(name: string, version: string): Promise<VersionRecord | undefined> {
    return (await this.#db).get('versions', [name, version]);
  }

  /** A model's record and its active version's, in one read-only transaction (a load's first read). */
  async active(name: string): Promise<{ model?: ModelRecord; record?: VersionRecord }> {
    const tx = (await this.#db).transaction(['models', 'versions'], 'readonly');
    const model = await tx.objectStore('models').get(name);
    const record = model?.active === undefined ? undefined : await tx.objectStore('versions').get([name, model.active]);
    // Both reads succeeded: the read-only transaction's end is not waited for (one event-loop turn fewer).
    tx.done.catch(() => undefined);
    return { model, record };
  }

  async versionsOf(name: string): Promise<VersionRecord[]> {
    const list = await (await this.#db).getAllFromIndex('versions', 'byName', name);
    return list.sort((a, b) => compareVersions(b.version, a.version));
  }

  async allVersions(): Promise<VersionRecord[]> {
    return (await this.#db).getAll('versions');
  }

  /** The names of the models with at least one version in the store, sorted. */
  async names(): Promise<string[]> {
    const keys = await (await this.#db).getAllKeys('versions');
    return [...new Set(keys.map((key) => (key as [string, string])[0]))].sort();
  }

  async list(name: string): Promise<InstalledVersion[]> {
    const model = await this.model(name);
    return (await this.versionsOf(name)).map((v) => ({
      name: v.name,
      version: v.version,
      state: v.state,
      bytes: v.bytes,
      installedAt: v.installedAt,
      lastUsedAt: v.lastUsedAt,
      source: v.source,
      pinned: v.pinned,
      active: model?.active === v.version,
      previous: model?.previous === v.version,
    }));
  }

  /** Paths of the files of a version already stored (verified when they were written). */
  async storedPaths(name: string, version: string): Promise<Set<string>> {
    const keys = await (await this.#db).getAllKeysFromIndex('files', 'byVersion', [name, version]);
    return new Set(keys.map((k) => k[2]));
  }

  async readFile(name: string, version: string, path: string): Promise<FileRecord | undefined> {
    const [read] = await this.readFiles(name, version, [path]);
    return read;
  }

  /**
   * Several files of a version in one read-only transaction: every read is asked for at
   * once (no round trip between them), and each file's promise settles as its bytes
   * arrive, so a caller can check one while the next is still being read. `undefined` for
   * a file the store lacks.
   */
  async readFiles(name: string, version: string, paths: readonly string[]): Promise<Array<Promise<FileRecord | undefined>>> {
    const tx = (await this.#db).transaction('files', 'readonly');
    const rows = paths.map((path) => tx.store.get([name, version, path]));
    // A failed read also fails the transaction: the caller hears of it through its file's promise.
    tx.done.catch(() => undefined);
    const opfs = await this.#opfs;
    const lookup = opfs instanceof OpfsFiles ? opfs.lookup(name, version) : undefined;
    // OPFS reads are synchronous in the worker: one at a time, each as its row arrives;
    // the files are looked up as their rows arrive, while earlier files are read.
    let previous: Promise<unknown> = Promise.resolve();
    return rows.map((row) => {
      const file = row.then((r) => (r && !r.data ? lookup?.(r.path) : undefined));
      file.catch(() => undefined); // reported through `read`
      const read = Promise.all([row, file, previous]).then(async ([r, handle]): Promise<FileRecord | undefined> => {
        if (!r || r.data) return r as FileRecord | undefined;
        const data = handle && (await (opfs as OpfsFiles).read(handle));
        return data && { name, version, path: r.path, sha256: r.sha256, checksum: r.checksum, data };
      });
      previous = read.catch(() => undefined);
      return read;
    });
  }

  /** Records a version being installed (keeps what an earlier attempt stored). */
  async beginVersion(record: Omit<VersionRecord, 'state' | 'lastUsedAt' | 'pinned' | 'installedAt'>): Promise<void> {
    const db = await this.#db;
    const opfs = await this.#opfs;
    if (opfs instanceof OpfsFiles && !(await db.get('versions', [record.name, record.version]))) {
      // A new install: files a crash left in OPFS after their version was deleted go first.
      await opfs.removeVersion(record.name, record.version).catch((error: unknown) => console.warn('edgeloop: could not remove leftover OPFS files (they are overwritten)', error));
    }
    const tx = db.transaction('versions', 'readwrite');
    const write = async () => {
      const existing = await tx.store.get([record.name, record.version]);
      if (!existing) await tx.store.put({ ...record, state: 'partial', lastUsedAt: Date.now(), pinned: false });
      await tx.done;
    };
    await wrapQuota(write(), record.manifestBytes.byteLength);
  }

  /**
   * Stores a verified file: its bytes into OPFS and then its row; or the bytes in the row
   * for a small file (one IndexedDB read of a small value beats OPFS's round trips), and
   * where OPFS is missing or refuses a write for any reason but room.
   */
  async putFile(record: FileRecord): Promise<void> {
    const { name, version, path, sha256, data } = record;
    const checksum = await fileChecksum(data);
    const opfs = await this.#opfs;
    let row: FileRow = { ...record, checksum };
    if (opfs instanceof OpfsFiles && !this.#opfsFailed && data.byteLength > INLINE_BYTES) {
      try {
        await wrapQuota(opfs.write(name, version, path, data), data.byteLength);
        row = { name, version, path, sha256, checksum, opfs: true, bytes: data.byteLength };
      } catch (error) {
        if (isEdgeloopError(error, 'QUOTA_EXCEEDED')) throw error;
        this.#opfsFailed = true;
        console.warn('edgeloop: the Origin Private File System refused a write; the model store keeps file bytes in IndexedDB from now on', error);
      }
    }
    await wrapQuota((await this.#db).put('files', row), data.byteLength);
  }

  /**
   * In one transaction: marks the version complete, makes it active (the old active
   * becomes `previous`), records it as followed from `source` and raises `highest`.
   */
  /**
   * This install's random id, made on first use and kept with the store: what a registry's
   * canary split hashes (the same device stays on the same side). It names no person or
   * device; clearing the site's data makes a new one.
   */
  async deviceId(): Promise<string> {
    const db = await this.#db;
    const tx = db.transaction('meta', 'readwrite');
    let row = await tx.store.get('deviceId');
    if (!row) await tx.store.put((row = { key: 'deviceId', value: crypto.randomUUID() }));
    await tx.done;
    return row.value;
  }

  async completeAndActivate(name: string, version: string, source: string, follow?: string): Promise<ModelRecord> {
    const db = await this.#db;
    const tx = db.transaction(['versions', 'models'], 'readwrite');
    const versions = tx.objectStore('versions');
    const models = tx.objectStore('models');
    const record = await versions.get([name, version]);
    if (!record) throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} vanished during its install`, { details: { name, version } });
    await versions.put({ ...record, state: 'complete', installedAt: record.installedAt ?? new Date().toISOString(), lastUsedAt: Date.now() });
    const model: ModelRecord = (await models.get(name)) ?? { name, highest: {} };
    if (model.active !== version) {
      model.previous = model.active;
      model.active = version;
    }
    model.source = source;
    if (follow !== undefined) model.alias = follow;
    const highest = model.highest[source];
    if (highest === undefined || compareVersions(version, highest) > 0) model.highest = { ...model.highest, [source]: version };
    await models.put(model);
    await tx.done;
    return model;
  }

  /** Switches the active version (it must be complete); the old one becomes `previous`. */
  async activate(name: string, version: string): Promise<ModelRecord> {
    const db = await this.#db;
    const tx = db.transaction(['versions', 'models'], 'readwrite');
    const record = await tx.objectStore('versions').get([name, version]);
    if (!record || record.state !== 'complete') {
      throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} is not installed${record ? ' completely' : ''}; install it first`, { details: { name, version } });
    }
    const models = tx.objectStore('models');
    const model: ModelRecord = (await models.get(name)) ?? { name, highest: {} };
    if (model.active !== version) {
      model.previous = model.active;
      model.active = version;
      await models.put(model);
    }
    await tx.done;
    return model;
  }

  async setPinned(name: string, version: string, pinned: boolean): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction('versions', 'readwrite');
    const record = await tx.store.get([name, version]);
    if (!record) throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} is not installed`, { details: { name, version } });
    await tx.store.put({ ...record, pinned });
    await tx.done;
  }

  async touch(name: string, version: string): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction('versions', 'readwrite');
    const record = await tx.store.get([name, version]);
    if (record) await tx.store.put({ ...record, lastUsedAt: Date.now() });
    await tx.done;
  }

  async setIndexState(name: string, state: { indexEtag?: string; indexLatest?: string }): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction('models', 'readwrite');
    const model = await tx.store.get(name);
    if (model) await tx.store.put({ ...model, ...state });
    await tx.done;
  }

  /**
   * Deletes a version and its files in one transaction. Refuses the active version.
   * (Callers check that no page has it loaded.)
   */
  async deleteVersion(name: string, version: string): Promise<number> {
    const db = await this.#db;
    const tx = db.transaction(['versions', 'files', 'models'], 'readwrite');
    const model = await tx.objectStore('models').get(name);
    if (model?.active === version) {
      throw new EdgeloopError('VERSION_ACTIVE', `${name}@${version} is the active version; activate another version before removing it`, { details: { name, version } });
    }
    const record = await tx.objectStore('versions').get([name, version]);
    if (!record) throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} is not installed`, { details: { name, version } });
    const files = tx.objectStore('files');
    let freed = 0;
    for (let cursor = await files.index('byVersion').openCursor([name, version]); cursor; cursor = await cursor.continue()) {
      freed += cursor.value.data?.byteLength ?? cursor.value.bytes ?? 0;
      await cursor.delete();
    }
    await tx.objectStore('versions').delete([name, version]);
    if (model && model.previous === version) await tx.objectStore('models').put({ ...model, previous: undefined });
    await tx.done;
    // The version is gone for every reader; now its bytes, and any folder a crash left.
    const opfs = await this.#opfs;
    if (opfs instanceof OpfsFiles) {
      await opfs.sweep(name, async () => (await db.getAllKeysFromIndex('versions', 'byName', name)).map((key) => key[1]));
    }
    return freed;
  }

  close(): void {
    void this.#db.then((db) => db.close()).catch(() => undefined);
  }
}

/** Maps IndexedDB's QuotaExceededError to a typed error. */
async function wrapQuota<T>(work: Promise<T>, bytes: number): Promise<T> {
  try {
    return await work;
  } catch (cause) {
    if ((cause as DOMException)?.name === 'QuotaExceededError') {
      throw new EdgeloopError('QUOTA_EXCEEDED', `the browser refused to store ${bytes} more bytes (storage quota reached)`, { details: { neededBytes: bytes }, cause });
    }
    throw cause;
  }
}
