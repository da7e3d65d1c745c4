/**
 * Installs package versions from a registry into the {@link ModelStore}, in the
 * worker: index (signed, unexpired, never below what is installed) → manifest and
 * signature → each file SHA-256-checked and stored as it arrives → one transaction
 * that completes and activates the version. Everything before that transaction can
 * fail, be aborted or be cut off by a closed tab without touching the active version;
 * the next install of the same version fetches only the files still missing.
 *
 * Registry layout (docs/REGISTRY.md): `<base>/<name>/index.json` (+ `index.sig`) and
 * `<base>/<name>/<version>/` package folders.
 */
import { EdgeloopError, isEdgeloopError, INDEX_FILES, compareVersions, isVersion, newestVersion, parseManifest, parseRegistryIndex, verifyFileBytes, type Manifest, type RegistryIndex } from '../../format/index.ts';
import { checkSignature, fetchArtifacts, fetchBytes, fetchOptional, fetchSignedManifest, type TrustPolicy } from '../internal/package-fetch.ts';
import { evictionCandidates, planEviction, QuotaRetry, type EvictableVersion } from './eviction-policy.ts';
import type { ModelRecord, ModelStore, VersionRecord } from './model-store.ts';
import type { StoreLocks } from './store-locks.ts';
import { chooseAliasVersion, fetchAssignedVersion } from './alias-choice.ts';

/** What to install. */
export interface InstallRequest {
  /** Registry base URL (the folder holding `<name>/index.json`). */
  from: string;
  /** An exact version: installed even if older than what is installed (an explicit downgrade). */
  version?: string;
  /**
   * An alias of the index, followed from now on: update checks move this device to the
   * version the alias assigns it (its canary side on a sync endpoint), back as well as
   * forward. @defaultValue 'latest' (not followed: only newer versions are taken)
   */
  alias?: string;
}

/** Progress of an install. */
export interface InstallProgress {
  phase: 'index' | 'manifest' | 'storage' | 'download' | 'activate' | 'done';
  loadedBytes: number;
  totalBytes: number;
  version?: string;
}

/** What an install did. */
export interface InstallResult {
  name: string;
  version: string;
  bytes: number;
  /** Files downloaded now, and files found already stored (from an earlier, interrupted try). */
  fetchedFiles: number;
  reusedFiles: number;
  /** The version was already installed completely; nothing was downloaded. */
  alreadyInstalled: boolean;
  /** Versions evicted to make room. */
  evicted: string[];
}

/** A package in memory, for {@link Installer.installLocal}. */
export interface LocalPackage {
  name: string;
  manifestBytes: Uint8Array;
  signature?: Uint8Array | null;
  files: ReadonlyMap<string, Uint8Array>;
}

/** The `source` of versions installed from memory: no registry to check for updates. */
export const LOCAL_SOURCE = 'local:';

/** What `checkForUpdate` found. */
export interface UpdateCheck {
  name: string;
  active?: string;
  /** The version the index's `latest` alias names (or its newest version). */
  latest?: string;
  updateAvailable: boolean;
  /** The server answered 304 Not Modified to the stored ETag. */
  notModified: boolean;
  /** The alias the model follows, when it follows one: `latest` is then the version it assigns this device. */
  alias?: string;
}

/** Storage figures (bytes). */
export interface StorageEstimate {
  usage: number;
  quota: number;
}

/** What an {@link Installer} works with. */
export interface InstallerDeps {
  store: ModelStore;
  trust: TrustPolicy;
  /** The install lock (one install per model across tabs) and the "loaded" locks. */
  locks: StoreLocks;
  estimate(): Promise<StorageEstimate>;
  /** The id a sync endpoint's canary split hashes for this device. */
  deviceId(): Promise<string>;
}

/** Installs versions into the store: from a registry, or from memory. */
export class Installer {
  readonly #deps: InstallerDeps;

  constructor(deps: InstallerDeps) {
    this.#deps = deps;
  }

  install(name: string, request: InstallRequest, onProgress: (p: InstallProgress) => void = () => undefined, signal?: AbortSignal): Promise<InstallResult> {
    return this.#deps.locks.withInstallLock(name, () => this.#install(name, request, onProgress, signal));
  }

  async #install(name: string, request: InstallRequest, onProgress: (p: InstallProgress) => void, signal?: AbortSignal): Promise<InstallResult> {
    const { store } = this.#deps;
    const source = registryBase(request.from);
    const model = await store.model(name);

    // 1. Which version.
    let version = request.version;
    if (version !== undefined) {
      if (!isVersion(version)) throw new EdgeloopError('INPUT_INVALID', `"${version}" is not a semantic version such as "1.2.0"`, { details: { version } });
    } else {
      onProgress({ phase: 'index', loadedBytes: 0, totalBytes: 0 });
      const { index } = await this.#fetchIndex(name, source, undefined, signal);
      const alias = request.alias ?? 'latest';
      const follow = request.alias !== undefined || model?.alias === alias;
      const assigned = follow ? await fetchAssignedVersion(source, name, alias, await this.#deps.deviceId(), signal) : undefined;
      version = chooseAliasVersion({ name, source, index, alias, assigned, model, follow });
    }

    // 2. Already here?
    const existing = await store.version(name, version);
    if (existing?.state === 'complete') {
      await store.completeAndActivate(name, version, source, request.alias);
      onProgress({ phase: 'done', loadedBytes: existing.bytes, totalBytes: existing.bytes, version });
      return { name, version, bytes: existing.bytes, fetchedFiles: 0, reusedFiles: 0, alreadyInstalled: true, evicted: [] };
    }

    // 3. Manifest and signature.
    onProgress({ phase: 'manifest', loadedBytes: 0, totalBytes: 0, version });
    const baseUrl = new URL(`${encodeURIComponent(name)}/${encodeURIComponent(version)}/`, source).href;
    const fetched = await fetchSignedManifest(baseUrl, this.#deps.trust, signal);
    assertIdentity(fetched.manifest, name, version, baseUrl);
    if (existing && !sameBytes(existing.manifestBytes, fetched.manifestBytes)) {
      // The registry changed a published version under us: drop what the earlier try stored.
      await store.deleteVersion(name, version);
    }
    const files = fetched.manifest.artifacts.flatMap((a) => a.files);
    const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
    const stored = existing && sameBytes(existing.manifestBytes, fetched.manifestBytes) ? await store.storedPaths(name, version) : new Set<string>();
    const neededBytes = files.filter((f) => !stored.has(f.path)).reduce((sum, f) => sum + f.bytes, 0);

    // 4. Room.
    onProgress({ phase: 'storage', loadedBytes: 0, totalBytes, version });
    const evicted = await this.#makeRoom(name, version, neededBytes);

    // 5. Files, each stored as soon as it is verified. Should the browser refuse a write
    // (its estimate was optimistic), evict the least recently used candidate and retry;
    // with nothing left to evict, give up and free what this version took.
    const byPath = new Map(files.map((f) => [f.path, f]));
    let storedBytes = 0;
    let evicting = Promise.resolve();
    const retry = new QuotaRetry();
    /** Runs a store write; when the browser refuses it for quota, waits or evicts and retries, or fails with QUOTA_EXCEEDED. */
    const withRoom = async (write: () => Promise<void>): Promise<void> => {
      for (;;) {
        try {
          await write();
          return;
        } catch (error) {
          if (!isEdgeloopError(error, 'QUOTA_EXCEEDED')) throw error;
          // One step at a time: parallel writes failing together must not each evict.
          const turn = evicting.then(async () => {
            const step = retry.next();
            if (step.action === 'wait') {
              await new Promise((resolve) => setTimeout(resolve, step.ms));
              await this.#deps.estimate(); // also makes Chromium recount the origin's usage
              return true;
            }
            const [next] = await this.#evictionCandidates(name, version);
            if (!next) return false;
            await store.deleteVersion(next.name, next.version);
            evicted.push(`${next.name}@${next.version}`);
            await this.#deps.estimate();
            retry.evicted();
            return true;
          });
          evicting = turn.then(() => undefined, () => undefined);
          if (!(await turn)) {
            const { usage, quota } = await this.#deps.estimate();
            throw new EdgeloopError(
              'QUOTA_EXCEEDED',
              `${name}@${version} needs ${neededBytes} bytes but the browser refused to store more after ${storedBytes} (storage quota reached; ` +
                `it estimates ${Math.max(0, quota - usage)} bytes available) and no inactive, unpinned version is left to evict; ` +
                'free space, unpin or remove versions, or ask for persistent storage',
              { details: { neededBytes, storedBytes, availableBytes: Math.max(0, quota - usage) }, cause: error },
            );
          }
        }
      }
    };
    const put = (path: string, data: Uint8Array): Promise<void> =>
      withRoom(async () => {
        await store.putFile({ name, version, path, sha256: byPath.get(path)!.sha256, data });
        storedBytes += data.byteLength;
      });
    // The version record holds the manifest (its drift baseline can be tens of KiB): it
    // needs room like a file.
    await withRoom(() => store.beginVersion({ name, version, source, manifestBytes: fetched.manifestBytes, signature: fetched.signature, bytes: totalBytes }));
    let downloaded: Map<string, Uint8Array>;
    try {
      downloaded = await fetchArtifacts(baseUrl, fetched.manifest.artifacts, {
        skip: stored,
        signal,
        onProgress: ({ loadedBytes }) => onProgress({ phase: 'download', loadedBytes, totalBytes, version }),
        onFile: put,
      });
    } catch (error) {
      // Out of room: keep nothing of this version (it would only crowd the next try).
      if (isEdgeloopError(error, 'QUOTA_EXCEEDED')) await store.deleteVersion(name, version).catch(() => undefined);
      throw error;
    }

    // 6. Activate, atomically.
    onProgress({ phase: 'activate', loadedBytes: totalBytes, totalBytes, version });
    await store.completeAndActivate(name, version, source, request.alias);
    onProgress({ phase: 'done', loadedBytes: totalBytes, totalBytes, version });
    return { name, version, bytes: totalBytes, fetchedFiles: downloaded.size, reusedFiles: stored.size, alreadyInstalled: false, evicted };
  }

  /**
   * Installs a package held in memory (one the trainer just built, say): the same
   * checks as a download — signature policy, identity, every file's SHA-256 — then the
   * same atomic activation. Its source is recorded as `local:`.
   */
  installLocal(pkg: LocalPackage): Promise<InstallResult> {
    return this.#deps.locks.withInstallLock(pkg.name, async () => {
      const { store } = this.#deps;
      await checkSignature(pkg.manifestBytes, pkg.signature ?? null, this.#deps.trust);
      const manifest = parseManifest(pkg.manifestBytes);
      assertIdentity(manifest, pkg.name, manifest.version, 'the local package ');
      const version = manifest.version;
      const existing = await store.version(pkg.name, version);
      if (existing && !sameBytes(existing.manifestBytes, pkg.manifestBytes)) {
        throw new EdgeloopError('MANIFEST_INVALID', `${pkg.name}@${version} is already installed with a different manifest; versions are immutable, give this one a new version`, {
          details: { field: 'version', name: pkg.name, version },
        });
      }
      const files = manifest.artifacts.flatMap((a) => a.files);
      const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
      const evicted = existing?.state === 'complete' ? [] : await this.#makeRoom(pkg.name, version, bytes);
      if (existing?.state !== 'complete') {
        await store.beginVersion({ name: pkg.name, version, source: LOCAL_SOURCE, manifestBytes: pkg.manifestBytes, signature: pkg.signature ?? null, bytes });
        for (const file of files) {
          const data = pkg.files.get(file.path);
          if (!data) throw new EdgeloopError('INTEGRITY_MISMATCH', `the local package lacks ${file.path}, which its manifest lists`, { details: { path: file.path } });
          await verifyFileBytes(file, data, { url: `local:${pkg.name}/${version}/${file.path}` });
          await store.putFile({ name: pkg.name, version, path: file.path, sha256: file.sha256, data });
        }
      }
      await store.completeAndActivate(pkg.name, version, LOCAL_SOURCE);
      return { name: pkg.name, version, bytes, fetchedFiles: 0, reusedFiles: 0, alreadyInstalled: existing?.state === 'complete', evicted };
    });
  }

  /**
   * Asks the registry the model was installed from whether a newer version is out,
   * sending the stored ETag (a 304 costs no body).
   */
  async checkForUpdate(name: string, signal?: AbortSignal): Promise<UpdateCheck> {
    const { store } = this.#deps;
    const model = await store.model(name);
    if (!model?.source) throw new EdgeloopError('NOT_INSTALLED', `${name} is not installed; install it first`, { details: { name } });
    if (model.source === LOCAL_SOURCE) return { name, active: model.active, latest: model.active, updateAvailable: false, notModified: true };
    if (model.alias !== undefined) {
      // A followed alias: the whole index (no ETag shortcut: the endpoint's split can move without it) and this device's side.
      const { index } = await this.#fetchIndex(name, model.source, undefined, signal);
      const assigned = await fetchAssignedVersion(model.source, name, model.alias, await this.#deps.deviceId(), signal);
      const target = chooseAliasVersion({ name, source: model.source, index, alias: model.alias, assigned, model, follow: true });
      await store.setIndexState(name, { indexLatest: target });
      return { name, active: model.active, latest: target, updateAvailable: target !== model.active, notModified: false, alias: model.alias };
    }
    const result = await this.#fetchIndex(name, model.source, model.indexEtag, signal);
    let latest = model.indexLatest;
    if (result.index) {
      latest = result.index.aliases.latest ?? newestVersion(result.index);
      await store.setIndexState(name, { indexEtag: result.etag, indexLatest: latest });
    }
    const highest = model.highest[model.source];
    const updateAvailable =
      latest !== undefined &&
      (model.active === undefined || compareVersions(latest, model.active) > 0) &&
      (highest === undefined || compareVersions(latest, highest) >= 0);
    return { name, active: model.active, latest, updateAvailable, notModified: result.index === undefined };
  }

  /** GETs, verifies and checks the expiry of `<source>/<name>/index.json`; with an ETag, may answer "not modified". */
  async #fetchIndex(name: string, source: string, etag: string | undefined, signal?: AbortSignal): Promise<{ index: RegistryIndex; etag?: string }>;
  async #fetchIndex(name: string, source: string, etag: string | undefined, signal?: AbortSignal): Promise<{ index?: RegistryIndex; etag?: string }> {
    const folder = new URL(`${encodeURIComponent(name)}/`, source);
    const url = new URL(INDEX_FILES.index, folder).href;
    const { bytes, response } = await fetchBytes(url, { signal, headers: etag ? { 'If-None-Match': etag } : undefined, allowNotModified: etag !== undefined });
    if (response.status === 304) return {};
    const signature = await fetchOptional(new URL(INDEX_FILES.signature, folder).href, signal);
    await checkSignature(bytes, signature, this.#deps.trust).catch((error: unknown) => {
      if (isEdgeloopError(error)) throw new EdgeloopError(error.code, `registry index ${url}: ${error.message}`, { details: { ...error.details, url }, cause: error });
      throw error;
    });
    const index = parseRegistryIndex(bytes, name);
    if (Date.parse(index.expires) <= Date.now()) {
      throw new EdgeloopError('INDEX_EXPIRED', `the registry index ${url} expired at ${index.expires}; the registry must re-sign it (a stale index can hide updates)`, {
        details: { url, expires: index.expires },
      });
    }
    return { index, etag: response.headers.get('ETag') ?? undefined };
  }

  /**
   * Makes room for `neededBytes`: evicts least-recently-used versions that are not
   * active, pinned, loaded anywhere or the one being installed, only if that is
   * enough; otherwise fails with QUOTA_EXCEEDED and evicts nothing.
   */
  async #makeRoom(name: string, version: string, neededBytes: number): Promise<string[]> {
    const { store } = this.#deps;
    const { usage, quota } = await this.#deps.estimate();
    let available = Math.max(0, quota - usage);
    if (neededBytes <= available) return [];
    const candidates = await this.#evictionCandidates(name, version);
    const plan = planEviction(neededBytes, available, candidates);
    if (!plan.fits) {
      const freeable = plan.freeableBytes;
      throw new EdgeloopError(
        'QUOTA_EXCEEDED',
        `${name}@${version} needs ${neededBytes} bytes but only ${available} are available` +
          (candidates.length ? ` (${freeable} after evicting every inactive, unpinned version)` : '') +
          '; free space, unpin or remove versions, or ask for persistent storage',
        { details: { neededBytes, availableBytes: available, evictableBytes: freeable - available } },
      );
    }
    const evicted: string[] = [];
    for (const v of plan.evict) {
      available += await store.deleteVersion(v.name, v.version);
      evicted.push(`${v.name}@${v.version}`);
    }
    return evicted;
  }

  /** Versions that may be evicted, least recently used first: not active, pinned, loaded anywhere or `name@version`. */
  async #evictionCandidates(name: string, version: string): Promise<VersionRecord[]> {
    const { store } = this.#deps;
    const actives = new Map<string, string | undefined>();
    const versions: Array<VersionRecord & EvictableVersion> = [];
    for (const v of await store.allVersions()) {
      if (!actives.has(v.name)) actives.set(v.name, (await store.model(v.name))?.active);
      const active = actives.get(v.name) === v.version;
      const loaded = !active && !v.pinned && (await this.#deps.locks.isLoaded(v.name, v.version));
      versions.push({ ...v, active, loaded });
    }
    return evictionCandidates(versions, { name, version });
  }
}

/** The registry base URL, ending in `/`. */
export function registryBase(from: string): string {
  const url = new URL(from, globalThis.location?.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url.href;
}

function assertIdentity(manifest: Manifest, name: string, version: string, url: string): void {
  if (manifest.name !== name || manifest.version !== version) {
    throw new EdgeloopError('MANIFEST_INVALID', `${url}manifest.json is ${manifest.name}@${manifest.version}, not the ${name}@${version} its folder says`, {
      details: { field: manifest.name !== name ? 'name' : 'version', expected: `${name}@${version}`, actual: `${manifest.name}@${manifest.version}` },
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
