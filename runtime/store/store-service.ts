/**
 * The model store's worker side: installs (from a registry or from memory), version
 * administration, storage figures, and opening the active version of a model for the
 * loader after the update policy had its say. Every change to a model's versions runs
 * under its install lock ({@link StoreLocks}).
 */
import { EdgeloopError, parseManifest, type Manifest } from '../../format/index.ts';
import { checkSignature, type TrustPolicy } from '../internal/package-fetch.ts';
import type { FileSource, OpenedPackage, PendingFileSource } from '../loader/model-source.ts';
import { Installer, LOCAL_SOURCE, type InstallProgress, type InstallRequest, type InstallResult, type LocalPackage, type StorageEstimate, type UpdateCheck } from './installer.ts';
import { loadHasher, verifyStoredFile, type StoreIntegrity } from './file-checksum.ts';
import { ModelStore, type InstalledVersion } from './model-store.ts';
import { StoreLocks } from './store-locks.ts';

/** When a model loaded by name looks for a newer version. */
export type UpdatePolicy = 'manual' | 'on-load' | 'background';

/** Settings of a {@link StoreService}. */
export interface StoreServiceSettings {
  /** The IndexedDB database. */
  storeName: string;
  trust: TrustPolicy;
  updatePolicy: UpdatePolicy;
  /** The id canary splits hash for this device, or null: a random one kept with the store. */
  deviceId: string | null;
  /** How stored files are checked on every load (file-checksum.ts). */
  integrity: StoreIntegrity;
}

/** The store operations the worker exposes (as `store.*`). */
export class StoreService {
  readonly #settings: StoreServiceSettings;
  readonly #locks = new StoreLocks();
  readonly #installs = new Map<string, AbortController>();
  #store?: ModelStore;
  #installer?: Installer;
  #closed = false;

  constructor(settings: StoreServiceSettings) {
    this.#settings = settings;
  }

  /** Installs `name` from a registry; `installId` lets {@link StoreService.abortInstall} stop it. */
  async install(name: string, request: InstallRequest, installId: string, onProgress: (progress: InstallProgress) => void = () => undefined): Promise<InstallResult> {
    const controller = new AbortController();
    this.#installs.set(installId, controller);
    try {
      return await this.#getInstaller().install(name, request, onProgress, controller.signal);
    } finally {
      this.#installs.delete(installId);
    }
  }

  /** Installs a package held in memory (verified like a download) and activates it. */
  installPackage(pkg: LocalPackage): Promise<InstallResult> {
    return this.#getInstaller().installLocal(pkg);
  }

  /** Aborts the install started with `installId` (what was stored stays, for a resume). */
  async abortInstall(installId: string): Promise<void> {
    this.#installs.get(installId)?.abort(new EdgeloopError('ABORTED', 'the install was aborted'));
  }

  /** The names of the models in the store, sorted. */
  models(): Promise<string[]> {
    return this.#modelStore().names();
  }

  /** The versions of `name` in the store, newest first. */
  versions(name: string): Promise<InstalledVersion[]> {
    return this.#modelStore().list(name);
  }

  /** Makes an installed version the active one. */
  async activate(name: string, version: string): Promise<void> {
    await this.#locks.withInstallLock(name, () => this.#modelStore().activate(name, version));
  }

  /** Goes back to the previously active version; resolves to it. */
  rollback(name: string): Promise<string> {
    return this.#locks.withInstallLock(name, async () => {
      const model = await this.#modelStore().model(name);
      if (!model?.previous) throw new EdgeloopError('NOT_INSTALLED', `${name} has no previous version to roll back to`, { details: { name, active: model?.active } });
      await this.#modelStore().activate(name, model.previous);
      return model.previous;
    });
  }

  /** A pinned version is never evicted to make room. */
  async pin(name: string, version: string, pinned: boolean): Promise<void> {
    await this.#modelStore().setPinned(name, version, pinned);
  }

  /** Deletes a version: not the active one, nor one loaded in any tab. */
  async remove(name: string, version: string): Promise<void> {
    await this.#locks.withInstallLock(name, async () => {
      if ((await this.#modelStore().model(name))?.active === version) {
        throw new EdgeloopError('VERSION_ACTIVE', `${name}@${version} is the active version; activate another version before removing it`, { details: { name, version } });
      }
      if (await this.#locks.isLoaded(name, version)) {
        throw new EdgeloopError('VERSION_IN_USE', `${name}@${version} is loaded (in this or another tab); dispose it before removing the version`, { details: { name, version } });
      }
      await this.#modelStore().deleteVersion(name, version);
    });
  }

  /** Asks the registry (with the stored ETag) whether a newer version is out. */
  checkForUpdate(name: string): Promise<UpdateCheck> {
    return this.#getInstaller().checkForUpdate(name);
  }

  /** Usage and quota of the origin's storage. */
  async storageEstimate(): Promise<StorageEstimate> {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  }

  /**
   * The active version of `name`, for the loader, after the update policy had its say.
   * The signature is checked again on every load, and every file against what its
   * install recorded (its checksum, or its SHA-256 with `integrity: 'sha256'`;
   * file-checksum.ts): nothing that changed on disk since the install is used. The
   * checks run alongside the reads: the signature as `checked`, each file's from the
   * moment its bytes arrive (`readFiles`, which hands the bytes to the loader to build
   * on before their checks end; `getFiles` waits for them). Holds the
   * version's "loaded" lock until `release`.
   */
  async open(name: string): Promise<OpenedPackage & { release: () => void }> {
    const store = this.#modelStore();
    if (this.#settings.integrity === 'checksum') void loadHasher(); // ready before the first bytes
    await this.#applyUpdatePolicy(name);
    const { model, record } = await store.active(name);
    if (!model?.active) throw new EdgeloopError('NOT_INSTALLED', `${name} is not installed; runtime.store.install('${name}', { from }) first`, { details: { name } });
    const version = model.active;
    if (!record || record.state !== 'complete') throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} is not installed completely`, { details: { name, version } });
    const signed = checkSignature(record.manifestBytes, record.signature, this.#settings.trust);
    signed.catch(() => undefined); // awaited by the loader (OpenedPackage.checked)
    let manifest: Manifest;
    try {
      manifest = parseManifest(record.manifestBytes);
    } catch (error) {
      await signed; // a bad signature is the reason to give
      throw error;
    }
    const release = await this.#locks.holdLoaded(name, version);
    void signed
      .then(() => store.touch(name, version))
      .catch((error: unknown) => console.warn(`edgeloop: could not record the use of ${name}@${version} (eviction order)`, error));
    const readFiles: PendingFileSource = async (artifacts, onProgress) => {
      const files = artifacts.flatMap((a) => a.files);
      const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
      let loadedBytes = 0;
      const reads = await store.readFiles(name, version, files.map((f) => f.path));
      const checks: Array<Promise<void>> = [];
      const read = await Promise.all(
        files.map(async (file, i) => {
          const stored = await reads[i]!.catch((cause: unknown) => {
            throw new EdgeloopError('STORE_UNAVAILABLE', `${name}@${version}: ${file.path} could not be read from the store (${(cause as Error)?.name ?? String(cause)}); reload the page, or install the version again`, {
              details: { name, version, path: file.path },
              cause,
            });
          });
          if (!stored) throw new EdgeloopError('INTEGRITY_MISMATCH', `${name}@${version}: ${file.path} is missing from the store; install the version again`, { details: { name, version, path: file.path } });
          const data = ownBytes(stored.data);
          // The check runs now, on exactly these bytes (a checksum: in this call, the hasher
          // being loaded since `open` began; a SHA-256: on WebCrypto's copy of them).
          const check = verifyStoredFile(file, stored, data, this.#settings.integrity, `store:${name}/${version}/${file.path}`);
          check.catch(() => undefined); // reported through `checked`
          checks.push(check);
          loadedBytes += file.bytes;
          onProgress?.({ loadedBytes, totalBytes });
          return [file.path, data] as const;
        }),
      );
      return { files: new Map(read), checked: Promise.all(checks).then(() => undefined) };
    };
    const getFiles: FileSource = async (artifacts, onProgress) => {
      await signed;
      const { files, checked } = await readFiles(artifacts, onProgress);
      await checked;
      return files;
    };
    return { manifest, checked: signed, readFiles, getFiles, from: 'store', release };
  }

  /** Aborts running installs and closes the database. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#installs.values()) controller.abort(new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed'));
    this.#store?.close();
  }

  /** `on-load`: install a newer version before loading; `background`: after. Never on Save-Data, never fatal. */
  async #applyUpdatePolicy(name: string): Promise<void> {
    const policy = this.#settings.updatePolicy;
    if (policy === 'manual' || (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData) return;
    const update = async () => {
      const model = await this.#modelStore().model(name);
      if (!model?.source || model.source === LOCAL_SOURCE) return;
      const check = await this.#getInstaller().checkForUpdate(name);
      if (check.updateAvailable && check.latest) await this.#getInstaller().install(name, { from: model.source, version: check.latest });
    };
    if (policy === 'on-load') {
      await update().catch((error: unknown) => console.warn(`edgeloop: update check for ${name} failed; loading the installed version`, error));
    } else {
      void update().catch((error: unknown) => console.warn(`edgeloop: background update of ${name} failed`, error));
    }
  }

  #modelStore(): ModelStore {
    if (this.#closed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
    return (this.#store ??= new ModelStore(this.#settings.storeName));
  }

  #getInstaller(): Installer {
    return (this.#installer ??= new Installer({
      store: this.#modelStore(),
      trust: this.#settings.trust,
      locks: this.#locks,
      estimate: () => this.storageEstimate(),
      deviceId: async () => this.#settings.deviceId ?? this.#modelStore().deviceId(),
    }));
  }
}

/**
 * The stored bytes as a Uint8Array that owns its whole buffer. OPFS and IndexedDB hand
 * back a fresh copy of what was stored, so that copy is used as it is (no second 14 MB
 * copy on every load); only a view into a larger buffer (a package installed from memory as a
 * slice of something bigger) is copied, so an engine that reads `.buffer` sees the file
 * alone.
 */
function ownBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}
