/**
 * `runtime.store`: the model store, administered from the page. Every call runs in the
 * worker, under the store's locks; `persist` alone runs here (StorageManager.persist()
 * exists on the main thread only).
 */
import { proxy, type Remote } from 'comlink';
import { EdgeloopError, isPackageName, PACKAGE_NAME_EXPECTED } from '../../format/index.ts';
import type { InstallProgress, InstallResult, InstalledVersion, StorageEstimate, UpdateCheck, WorkerStoreApi } from '../worker/api.ts';

/** Options of {@link RuntimeStore.install}. */
export interface InstallOptions {
  /** Registry base URL: the folder holding `<name>/index.json` and `<name>/<version>/`. */
  from: string;
  /** An exact version (also the only way to install one older than what is installed). */
  version?: string;
  /** An alias of the registry index. @defaultValue 'latest' */
  alias?: string;
  onProgress?: (progress: InstallProgress) => void;
  /** Aborts the install; files already verified stay stored, so the next install resumes. */
  signal?: AbortSignal;
}

/** Storage figures for the page's origin. */
export interface StorageInfo extends StorageEstimate {
  /** The browser promised not to evict this origin's storage under pressure. */
  persisted: boolean;
}
/** A package held in memory, for {@link RuntimeStore.installPackage}. */
export interface PackageInMemory {
  name: string;
  manifestBytes: Uint8Array;
  signature?: Uint8Array | null;
  files: ReadonlyMap<string, Uint8Array>;
}

/** The model store: `runtime.store`. */
export interface RuntimeStore {
  /** Downloads a version into the model store, verifying everything, then makes it active in one step. */
  install(name: string, options: InstallOptions): Promise<InstallResult>;
  /**
   * Installs a package held in memory — e.g. what the trainer just built — with the
   * same checks as a download (signature policy, every SHA-256), and activates it.
   */
  installPackage(pkg: PackageInMemory): Promise<InstallResult>;
  /** The names of the models in the store (any state), sorted. */
  models(): Promise<string[]>;
  /** The versions of `name` in the store, newest first. */
  versions(name: string): Promise<InstalledVersion[]>;
  /** Asks the registry (with the stored ETag) whether a newer version is out. */
  checkForUpdate(name: string): Promise<UpdateCheck>;
  /** Goes back to the previously active version; resolves to it. */
  rollback(name: string): Promise<string>;
  /** Makes an installed version the active one. */
  activate(name: string, version: string): Promise<void>;
  /** A pinned version is never evicted to make room. @defaultValue pinned = true */
  pin(name: string, version: string, pinned?: boolean): Promise<void>;
  /** Deletes a version (not the active one, nor one loaded in any tab). */
  remove(name: string, version: string): Promise<void>;
  /** Usage and quota of the origin's storage, and whether it is persistent. */
  storage(): Promise<StorageInfo>;
  /** Asks the browser to make the origin's storage persistent; resolves to the answer. */
  persist(): Promise<boolean>;
}

/** Implements {@link RuntimeStore} over the worker's store API. */
export class StoreClient implements RuntimeStore {
  constructor(
    private readonly api: Remote<WorkerStoreApi>,
    private readonly assertAlive: () => void,
  ) {}

  async install(name: string, options: InstallOptions): Promise<InstallResult> {
    this.assertAlive();
    assertName(name, 'install');
    if (!options || typeof options.from !== 'string') throw new TypeError('store.install needs options.from: the registry base URL');
    const { onProgress, signal, from, version, alias } = options;
    if (signal?.aborted) throw new EdgeloopError('ABORTED', 'the install was aborted before it started', { cause: signal.reason });
    const installId = crypto.randomUUID();
    const abort = () => {
      this.api.abortInstall(installId).catch((error: unknown) => console.warn('edgeloop: could not abort the install', error));
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const url = new URL(from, globalThis.location?.href).href;
      return await this.api.install(name, { from: url, version, alias }, installId, onProgress ? proxy(onProgress) : undefined);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  installPackage(pkg: PackageInMemory): Promise<InstallResult> {
    this.assertAlive();
    assertName(pkg?.name, 'installPackage');
    return this.api.installPackage({ name: pkg.name, manifestBytes: pkg.manifestBytes, signature: pkg.signature ?? null, files: new Map(pkg.files) });
  }

  models(): Promise<string[]> {
    this.assertAlive();
    return this.api.models();
  }

  versions(name: string): Promise<InstalledVersion[]> {
    this.assertAlive();
    return this.api.versions(name);
  }

  checkForUpdate(name: string): Promise<UpdateCheck> {
    this.assertAlive();
    return this.api.checkForUpdate(name);
  }

  rollback(name: string): Promise<string> {
    this.assertAlive();
    return this.api.rollback(name);
  }

  activate(name: string, version: string): Promise<void> {
    this.assertAlive();
    return this.api.activate(name, version);
  }

  pin(name: string, version: string, pinned = true): Promise<void> {
    this.assertAlive();
    return this.api.pin(name, version, pinned);
  }

  remove(name: string, version: string): Promise<void> {
    this.assertAlive();
    return this.api.remove(name, version);
  }

  async storage(): Promise<StorageInfo> {
    this.assertAlive();
    const [estimate, persisted] = await Promise.all([this.api.storageEstimate(), navigator.storage?.persisted?.() ?? Promise.resolve(false)]);
    return { ...estimate, persisted };
  }

  async persist(): Promise<boolean> {
    return (await navigator.storage?.persist?.()) ?? false;
  }
}

function assertName(name: unknown, what: string): void {
  if (!isPackageName(name)) throw new TypeError(`store.${what} needs a package name (${PACKAGE_NAME_EXPECTED}), got ${JSON.stringify(name)}`);
}
