/**
 * The runtime's worker side: loads verified packages, picks a backend, preprocesses,
 * runs, fails over. Runs behind `Comlink.expose` in the worker; being a plain class,
 * it also runs in-thread.
 */
import { releaseProxy, transfer } from 'comlink';
import { allowedBackends, chooseBackend, failoverOrder, type BackendReport } from '../engine/backend-choice.ts';
import { detectCapabilities } from '../engine/capabilities.ts';
import { OrtEngine } from '../engine/ort-engine.ts';
import { TfjsEngine } from '../engine/tfjs-engine.ts';
import { engineOf, type BackendId, type Capabilities, type Engine, type EngineSession, type EngineSettings, type TensorData } from '../engine/types.ts';
import { EdgeloopError, isEdgeloopError, parseManifest, validateManifest, verifyFileBytes, type Artifact, type ArtifactEngine, type Manifest } from '../../format/index.ts';
import type {
  BatchOptions,
  BatchProgress,
  LoadProgress,
  LoadSource,
  ModelInfo,
  PredictOptions,
  Prediction,
  RuntimeSettings,
  WireInput,
  WorkerApi,
  WorkerLoadOptions,
} from './api.ts';
import { Installer, LOCAL_SOURCE, type LocalPackage, type InstallProgress, type InstallRequest, type InstallResult, type StorageEstimate, type UpdateCheck } from '../store/installer.ts';
import { ModelStore, type InstalledVersion } from '../store/model-store.ts';
import { checkSignature, fetchArtifacts, fetchManifest, packageBaseUrl, type DownloadProgress } from './package-fetch.ts';
import { activate, prepareImage, prepareTensor, topK } from './preprocess.ts';

/** Gets the verified files of some artifacts. */
type FileSource = (artifacts: readonly Artifact[], onProgress?: (progress: DownloadProgress) => void) => Promise<Map<string, Uint8Array>>;

/** The Web Lock a page holds while it has `name@version` loaded from the store. */
const loadedLockName = (name: string, version: string) => `edgeloop:loaded:${name}@${version}`;

interface LoadedModel {
  readonly id: string;
  readonly manifest: Manifest;
  /** Gets (and verifies) the files of artifacts, from the network or the store: a failover may need one the load did not. */
  readonly getFiles: FileSource;
  /** Releases this model's "loaded" lock (store models), so the version may be evicted again. */
  readonly release?: () => void;
  /** Verified artifact bytes, kept so a failover can rebuild the model on another backend. */
  readonly files: Map<string, Uint8Array>;
  readonly artifacts: Map<ArtifactEngine, Artifact>;
  session: EngineSession;
  report: BackendReport;
  fallbacks: BackendId[];
  readonly failover: boolean;
  /** Set while a failover replaces the session, so concurrent calls wait for it. */
  recovering?: Promise<void>;
}

/** Implements {@link WorkerApi}. */
export class RuntimeService implements WorkerApi {
  readonly #settings: RuntimeSettings;
  readonly #engineSettings: EngineSettings;
  readonly #models = new Map<string, LoadedModel>();
  readonly #engines = new Map<ArtifactEngine, Engine>();
  #capabilities?: Promise<Capabilities>;
  #disposed = false;

  constructor(settings: RuntimeSettings, wasmPaths: Readonly<Record<string, string>>) {
    this.#settings = settings;
    this.#engineSettings = Object.freeze({ wasmPaths, numThreads: settings.wasmThreads, tfjsFlags: settings.tfjsFlags });
  }

  capabilities(): Promise<Capabilities> {
    this.#capabilities ??= detectCapabilities();
    return this.#capabilities;
  }

  async load(source: LoadSource, options: WorkerLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<ModelInfo> {
    this.#assertAlive();
    try {
      return await this.#load(source, options, callback(onProgress));
    } finally {
      release(onProgress);
    }
  }

  async #load(source: LoadSource, options: WorkerLoadOptions, report: (progress: LoadProgress) => void): Promise<ModelInfo> {
    const started = performance.now();
    report({ phase: 'manifest', loadedBytes: 0, totalBytes: 0 });
    const { manifest, getFiles, from, release: releaseLock } = await this.#resolveSource(source);
    let registered = false;
    try {
      const caps = await this.capabilities();
      const chosen = options.artifact === undefined ? undefined : manifest.artifacts.find((a) => a.id === options.artifact);
      if (options.artifact !== undefined && !chosen) {
        throw new EdgeloopError('NO_COMPATIBLE_ARTIFACT', `${manifest.name}@${manifest.version} has no artifact "${options.artifact}" (it has ${manifest.artifacts.map((a) => a.id).join(', ')})`, {
          details: { artifact: options.artifact },
        });
      }
      // With an artifact chosen, only its engine's backends are candidates.
      const { allowed, excluded } = allowedBackends(chosen ? { ...manifest, artifacts: [chosen] } : manifest, caps, options);
      const artifacts = new Map<ArtifactEngine, Artifact>();
      for (const backend of allowed) {
        const engine = engineOf(backend);
        const artifact = chosen ?? manifest.artifacts.find((a) => a.engine === engine);
        if (artifact && !artifacts.has(engine)) artifacts.set(engine, artifact);
      }
      const totalBytes = [...artifacts.values()].flatMap((a) => a.files).reduce((sum, f) => sum + f.bytes, 0);
      report({ phase: 'download', loadedBytes: 0, totalBytes });
      const files = await getFiles([...artifacts.values()], ({ loadedBytes }) => report({ phase: 'download', loadedBytes, totalBytes }));

      const create = (backend: BackendId) => {
        report({ phase: 'backend', loadedBytes: totalBytes, totalBytes, backend });
        return this.#createSession(backend, manifest, files, artifacts);
      };
      const choice = await chooseBackend(allowed, excluded, create, probeInput(manifest), { ...options, warmupRuns: this.#settings.warmupRuns });
      // A forced backend downloads only its own artifact; should it fail mid-session, the
      // model still moves on, to every other backend the package and device allow.
      const forced = options.backend !== undefined && options.backend !== 'auto';
      const fallbacks = forced
        ? failoverOrder(choice.report.backend, allowedBackends(manifest, caps, { allow: options.allow }).allowed)
        : choice.fallbacks;
      const id = crypto.randomUUID();
      this.#models.set(id, { id, manifest, getFiles, release: releaseLock, files, artifacts, session: choice.session, report: choice.report, fallbacks, failover: options.failover });
      registered = true;
      report({ phase: 'ready', loadedBytes: totalBytes, totalBytes });
      return { id, manifest, backend: choice.report, loadMs: performance.now() - started, from };
    } finally {
      if (!registered) releaseLock?.();
    }
  }

  async predict(modelId: string, input: WireInput, options: PredictOptions): Promise<Prediction> {
    const model = this.#model(modelId);
    const started = performance.now();
    const tensor = prepare(model.manifest, input);
    assertSingle(tensor, 'input');
    const { output, backend } = await this.#run(model, tensor);
    const prediction = toPredictions(model.manifest, output, backend, options.topK ?? 5, started)[0]!;
    return transfer(prediction, [prediction.output.buffer]);
  }

  async predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress?: (progress: BatchProgress) => void): Promise<Prediction[]> {
    try {
      return await this.#predictBatch(modelId, inputs, options, callback(onProgress));
    } finally {
      release(onProgress);
    }
  }

  async #predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress: (progress: BatchProgress) => void): Promise<Prediction[]> {
    const model = this.#model(modelId);
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
    // Check every input before running any, so a bad one costs nothing.
    const tensors = inputs.map((input, index) => {
      try {
        const tensor = prepare(model.manifest, input);
        assertSingle(tensor, 'each input of predictBatch');
        return tensor;
      } catch (error) {
        if (isEdgeloopError(error)) throw new EdgeloopError(error.code, `inputs[${index}]: ${error.message}`, { details: { ...error.details, index }, cause: error });
        throw error;
      }
    });
    const results: Prediction[] = [];
    for (let start = 0; start < tensors.length; start += batchSize) {
      const started = performance.now();
      const { output, backend } = await this.#run(model, stack(tensors.slice(start, start + batchSize)));
      results.push(...toPredictions(model.manifest, output, backend, options.topK ?? 5, started));
      onProgress({ done: results.length, total: tensors.length });
    }
    return transfer(results, results.map((r) => r.output.buffer));
  }

  async backendReport(modelId: string): Promise<BackendReport> {
    return this.#model(modelId).report;
  }

  async simulateDeviceLoss(modelId: string): Promise<void> {
    await this.#model(modelId).session.simulateDeviceLoss();
  }

  async unload(modelId: string): Promise<void> {
    const model = this.#models.get(modelId);
    if (!model) return;
    this.#models.delete(modelId);
    model.session.dispose();
    model.release?.();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const id of [...this.#models.keys()]) await this.unload(id);
    for (const controller of this.#installs.values()) controller.abort(new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed'));
    this.#store?.close();
  }

  async #resolveSource(source: LoadSource): Promise<{ manifest: Manifest; getFiles: FileSource; from: 'network' | 'store'; release?: () => void }> {
    const trust = { trustedKeys: this.#settings.trustedKeys, allowUnsigned: this.#settings.allowUnsigned };
    if ('name' in source) return this.#fromStore(source.name);
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

  /**
   * The active version of `name` from the store, after the update policy had its say.
   * The signature and every file hash are checked again on the way out: nothing that
   * changed on disk since the install reaches an engine.
   */
  async #fromStore(name: string): Promise<{ manifest: Manifest; getFiles: FileSource; from: 'store'; release: () => void }> {
    const store = this.#modelStore();
    await this.#applyUpdatePolicy(name);
    const model = await store.model(name);
    if (!model?.active) throw new EdgeloopError('NOT_INSTALLED', `${name} is not installed; runtime.install('${name}', { from }) first`, { details: { name } });
    const version = model.active;
    const record = await store.version(name, version);
    if (!record || record.state !== 'complete') throw new EdgeloopError('NOT_INSTALLED', `${name}@${version} is not installed completely`, { details: { name, version } });
    await checkSignature(record.manifestBytes, record.signature, { trustedKeys: this.#settings.trustedKeys, allowUnsigned: this.#settings.allowUnsigned });
    const manifest = parseManifest(record.manifestBytes);
    const release = await holdLock(loadedLockName(name, version));
    void store.touch(name, version).catch(() => undefined);
    const getFiles: FileSource = async (artifacts, onProgress) => {
      const files = artifacts.flatMap((a) => a.files);
      const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
      let loadedBytes = 0;
      const out = new Map<string, Uint8Array>();
      for (const file of files) {
        const stored = await store.readFile(name, version, file.path);
        if (!stored) throw new EdgeloopError('INTEGRITY_MISMATCH', `${name}@${version}: ${file.path} is missing from the store; install the version again`, { details: { name, version, path: file.path } });
        const data = new Uint8Array(stored.data);
        await verifyFileBytes(file, data, { url: `indexeddb:${name}/${version}/${file.path}` });
        out.set(file.path, data);
        loadedBytes += file.bytes;
        onProgress?.({ loadedBytes, totalBytes });
      }
      return out;
    };
    return { manifest, getFiles, from: 'store', release };
  }

  /** `on-load`: install a newer version before loading; `background`: after. Never on Save-Data, never fatal. */
  async #applyUpdatePolicy(name: string): Promise<void> {
    const policy = this.#settings.updatePolicy;
    if (policy === 'manual' || (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData) return;
    const update = async () => {
      const model = await this.#modelStore().model(name);
      if (!model?.source || model.source === LOCAL_SOURCE) return;
      const check = await this.#installer().checkForUpdate(name);
      if (check.updateAvailable && check.latest) await this.#installer().install(name, { from: model.source, version: check.latest });
    };
    if (policy === 'on-load') {
      await update().catch((error: unknown) => console.warn(`edgeloop: update check for ${name} failed; loading the installed version`, error));
    } else {
      void update().catch((error: unknown) => console.warn(`edgeloop: background update of ${name} failed`, error));
    }
  }

  // ### Model store

  #store?: ModelStore;
  #installerInstance?: Installer;
  readonly #installs = new Map<string, AbortController>();

  #modelStore(): ModelStore {
    this.#assertAlive();
    return (this.#store ??= new ModelStore(this.#settings.storeName));
  }

  #installer(): Installer {
    return (this.#installerInstance ??= new Installer({
      store: this.#modelStore(),
      trust: { trustedKeys: this.#settings.trustedKeys, allowUnsigned: this.#settings.allowUnsigned },
      inUse: async (name, version) => {
        const locks = await navigator.locks.query();
        return (locks.held ?? []).some((lock) => lock.name === loadedLockName(name, version));
      },
      estimate: () => this.storageEstimate(),
      withLock: <T>(name: string, work: () => Promise<T>) => navigator.locks.request(`edgeloop:install:${name}`, work) as unknown as Promise<T>,
    }));
  }

  async install(name: string, request: InstallRequest, installId: string, onProgress?: (progress: InstallProgress) => void): Promise<InstallResult> {
    const controller = new AbortController();
    this.#installs.set(installId, controller);
    try {
      return await this.#installer().install(name, request, callback(onProgress), controller.signal);
    } finally {
      this.#installs.delete(installId);
      release(onProgress);
    }
  }

  async installPackage(pkg: LocalPackage): Promise<InstallResult> {
    return this.#installer().installLocal(pkg);
  }

  async abortInstall(installId: string): Promise<void> {
    this.#installs.get(installId)?.abort(new EdgeloopError('ABORTED', 'the install was aborted'));
  }

  async versions(name: string): Promise<InstalledVersion[]> {
    return this.#modelStore().list(name);
  }

  async activate(name: string, version: string): Promise<void> {
    await navigator.locks.request(`edgeloop:install:${name}`, () => this.#modelStore().activate(name, version));
  }

  async rollback(name: string): Promise<string> {
    return navigator.locks.request(`edgeloop:install:${name}`, async (): Promise<string> => {
      const model = await this.#modelStore().model(name);
      if (!model?.previous) throw new EdgeloopError('NOT_INSTALLED', `${name} has no previous version to roll back to`, { details: { name, active: model?.active } });
      await this.#modelStore().activate(name, model.previous);
      return model.previous;
    });
  }

  async pin(name: string, version: string, pinned: boolean): Promise<void> {
    await this.#modelStore().setPinned(name, version, pinned);
  }

  async remove(name: string, version: string): Promise<void> {
    await navigator.locks.request(`edgeloop:install:${name}`, async () => {
      if ((await this.#modelStore().model(name))?.active === version) {
        throw new EdgeloopError('VERSION_ACTIVE', `${name}@${version} is the active version; activate another version before removing it`, { details: { name, version } });
      }
      const locks = await navigator.locks.query();
      if ((locks.held ?? []).some((lock) => lock.name === loadedLockName(name, version))) {
        throw new EdgeloopError('VERSION_IN_USE', `${name}@${version} is loaded (in this or another tab); dispose it before removing the version`, { details: { name, version } });
      }
      await this.#modelStore().deleteVersion(name, version);
    });
  }

  async checkForUpdate(name: string): Promise<UpdateCheck> {
    return this.#installer().checkForUpdate(name);
  }

  async storageEstimate(): Promise<StorageEstimate> {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  }

  #createSession(backend: BackendId, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>, artifacts: ReadonlyMap<ArtifactEngine, Artifact>): Promise<EngineSession> {
    const engine = engineOf(backend);
    const artifact = artifacts.get(engine)!;
    let instance = this.#engines.get(engine);
    if (!instance) {
      instance = engine === 'tfjs' ? new TfjsEngine(this.#engineSettings) : new OrtEngine(this.#engineSettings);
      this.#engines.set(engine, instance);
    }
    return instance.createSession(backend, manifest, files, artifact.files.map((f) => f.path));
  }

  /** Runs on the current session; on a backend failure, moves to the next backend and runs again. */
  async #run(model: LoadedModel, input: TensorData): Promise<{ output: TensorData; backend: BackendId }> {
    const errors: string[] = [];
    for (;;) {
      await model.recovering;
      const session = model.session;
      try {
        return { output: await session.run(input), backend: session.backend };
      } catch (error) {
        if (this.#disposed || !this.#models.has(model.id)) throw new EdgeloopError('MODEL_DISPOSED', 'the model was unloaded during the call');
        errors.push(`${session.backend}: ${error instanceof Error ? error.message : String(error)}`);
        if (!model.failover) throw new EdgeloopError('INFERENCE_FAILED', `inference failed on ${session.backend}: ${errors[0]}`, { details: { backend: session.backend }, cause: error });
        if (model.session === session) {
          model.recovering = this.#failover(model, session, errors);
          await model.recovering.finally(() => (model.recovering = undefined));
        }
      }
    }
  }

  async #failover(model: LoadedModel, failed: EngineSession, errors: string[]): Promise<void> {
    failed.dispose();
    while (model.fallbacks.length > 0) {
      const backend = model.fallbacks.shift()!;
      try {
        await this.#ensureArtifact(model, engineOf(backend));
        model.session = await this.#createSession(backend, model.manifest, model.files, model.artifacts);
        model.report = {
          ...model.report,
          backend,
          reason: `failover: ${failed.backend} failed mid-session (${errors[errors.length - 1]}); moved to ${backend}`,
        };
        return;
      } catch (error) {
        errors.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new EdgeloopError('ALL_BACKENDS_FAILED', `every backend failed for ${model.manifest.name}@${model.manifest.version}: ${errors.join('; ')}`, {
      details: { errors },
    });
  }

  /** Downloads and verifies the package's artifact for `engine` if the load skipped it. */
  async #ensureArtifact(model: LoadedModel, engine: ArtifactEngine): Promise<void> {
    if (model.artifacts.has(engine)) return;
    const artifact = model.manifest.artifacts.find((a) => a.engine === engine);
    if (!artifact) throw new EdgeloopError('NO_COMPATIBLE_ARTIFACT', `the package has no ${engine} artifact`, { details: { engine } });
    const fetched = await model.getFiles([artifact]);
    for (const [path, bytes] of fetched) model.files.set(path, bytes);
    model.artifacts.set(engine, artifact);
  }

  #model(modelId: string): LoadedModel {
    this.#assertAlive();
    const model = this.#models.get(modelId);
    if (!model) throw new EdgeloopError('MODEL_DISPOSED', 'this model was disposed; load it again', { details: { modelId } });
    return model;
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
  }
}

/** Files of a package folder on the network, fetched and verified. */
function networkFiles(baseUrl: string): FileSource {
  return (artifacts, onProgress) => fetchArtifacts(baseUrl, artifacts, { onProgress });
}

/** Takes a shared Web Lock and holds it until the returned function is called. */
async function holdLock(name: string): Promise<() => void> {
  let unlock!: () => void;
  const held = new Promise<void>((resolve) => (unlock = resolve));
  await new Promise<void>((acquired) => {
    void navigator.locks.request(name, { mode: 'shared' }, () => {
      acquired();
      return held;
    });
  });
  return unlock;
}

/** Wraps a (possibly remote) progress callback so a throwing or unreachable listener never fails the work. */
function callback<T>(listener: ((value: T) => void) | undefined): (value: T) => void {
  if (!listener) return () => undefined;
  return (value) => {
    try {
      void Promise.resolve(listener(value)).catch((error: unknown) => console.warn('edgeloop: a progress listener failed', error));
    } catch (error) {
      console.warn('edgeloop: a progress listener failed', error);
    }
  };
}

/** Releases a comlink-proxied callback's port once the call that took it is over. */
function release(listener: unknown): void {
  const releaser = (listener as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy];
  if (typeof releaser === 'function') releaser();
}

function prepare(manifest: Manifest, input: WireInput): TensorData {
  if (input && typeof input === 'object' && 'tensor' in input) return prepareTensor(manifest, input.tensor);
  if (input && typeof input === 'object' && 'image' in input) return prepareImage(manifest, input.image);
  throw new EdgeloopError('INPUT_INVALID', 'input must be { data, shape } or an ImageData, ImageBitmap or canvas');
}

function assertSingle(tensor: TensorData, what: string): void {
  if (tensor.shape[0] !== 1) {
    throw new EdgeloopError('INPUT_INVALID', `${what} must hold one example (batch dimension 1, got ${tensor.shape[0]}); pass several examples to predictBatch as separate inputs`, {
      details: { shape: tensor.shape },
    });
  }
}

/** A zero input of batch 1, for warm-ups. */
function probeInput(manifest: Manifest): TensorData {
  const shape = manifest.input.shape.map((d) => (d === -1 ? 1 : d));
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
}

function stack(tensors: TensorData[]): TensorData {
  const rows = tensors.reduce((sum, t) => sum + t.shape[0]!, 0);
  const data = new Float32Array(tensors.reduce((sum, t) => sum + t.data.length, 0));
  let offset = 0;
  for (const t of tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return { data, shape: [rows, ...tensors[0]!.shape.slice(1)] };
}

function toPredictions(manifest: Manifest, output: TensorData, backend: BackendId, k: number, started: number): Prediction[] {
  const probabilities = activate(manifest, output);
  const rows = output.shape[0] ?? 1;
  const width = probabilities.length / rows;
  const latencyMs = (performance.now() - started) / rows;
  return Array.from({ length: rows }, (_, row) => {
    const slice = probabilities.slice(row * width, (row + 1) * width);
    return { output: slice, shape: [1, ...output.shape.slice(1)], topK: topK(manifest, slice, k), backend, latencyMs };
  });
}
