/**
 * The main-thread side of the runtime: `createRuntime()` starts the module worker and
 * gives a typed client over comlink. Nothing heavy runs here: inputs are handed to
 * the worker (canvases become ImageBitmaps, which transfer), outputs come back by
 * transfer.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import type { BackendReport } from './engine/backend-choice.ts';
import type { BackendId, Capabilities } from './engine/types.ts';
import { EdgeloopError, installErrorTransfer } from '../format/index.ts';
import type { Manifest } from '../format/index.ts';
import type {
  BatchOptions,
  BatchProgress,
  InstallProgress,
  InstallResult,
  InstalledVersion,
  LoadProgress,
  LoadSource,
  PredictOptions,
  Prediction,
  RuntimeSettings,
  StorageEstimate,
  UpdateCheck,
  UpdatePolicy,
  WireInput,
  WorkerApi,
} from './worker/api.ts';
import type { TensorInput } from './worker/preprocess.ts';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /**
   * Ed25519 public keys (base64url, 32 bytes) of trusted publishers. When set, a package
   * must carry a valid `manifest.sig` by one of them.
   * @defaultValue [] (signatures not checked; file hashes always are)
   */
  trustedKeys?: readonly string[];
  /** With `trustedKeys` set, still load packages that have no signature. @defaultValue false */
  allowUnsigned?: boolean;
  /** Threads for wasm backends, or `auto` (up to 4 where cross-origin isolated, else 1). @defaultValue 'auto' */
  wasmThreads?: number | 'auto';
  /** tfjs environment flags for the worker, e.g. `{ WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }`. @defaultValue {} */
  tfjsFlags?: Readonly<Record<string, number | boolean>>;
  /** Timed warm-up runs per candidate backend when choosing `auto`. @defaultValue 3 */
  warmupRuns?: number;
  /** A worker to use instead of the bundled one (it must run `worker/worker-entry.ts`). */
  worker?: Worker;
  /**
   * For models loaded by name from the store: `manual` (only `install` changes the
   * version), `on-load` (check the registry, install a newer version, then load) or
   * `background` (load what is installed, update for next time). Automatic updates are
   * skipped when the browser asks to save data. @defaultValue 'manual'
   */
  updatePolicy?: UpdatePolicy;
  /** IndexedDB database name of the model store. @defaultValue 'edgeloop-models' */
  storeName?: string;
}

/** Options of {@link Runtime.install}. */
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

/** Options of {@link Runtime.load}. */
export interface LoadOptions {
  /** Force a backend, or `auto` to measure the candidates and keep the fastest. @defaultValue 'auto' */
  backend?: BackendId | 'auto';
  /** Restrict `auto` to these backends. @defaultValue all */
  allow?: readonly BackendId[];
  /** Move to the next backend when the current one fails mid-session. @defaultValue true */
  failover?: boolean;
  /** Base URL of the package files when `load` gets a manifest object. */
  baseUrl?: string;
  /**
   * The artifact to run, by id (e.g. `onnx-int8-phone-wasm`, one the compressor made for a
   * device class). @defaultValue the first artifact of each engine (the fp32 ones)
   */
  artifact?: string;
  onProgress?: (progress: LoadProgress) => void;
}

/** What {@link Model.predict} accepts. */
export type ModelInput = TensorInput | ImageData | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

/** Options of {@link Model.predict}. */
export interface ModelPredictOptions extends PredictOptions {
  /** Hand the input's buffer to the worker instead of copying it (the caller's array becomes empty). @defaultValue false */
  transfer?: boolean;
}

/** Options of {@link Model.predictBatch}. */
export interface ModelBatchOptions extends BatchOptions {
  onProgress?: (progress: BatchProgress) => void;
}

/** A loaded model. */
export interface Model {
  readonly manifest: Manifest;
  /** The backend chosen at load, and why. After a failover, see {@link Model.backendReport}. */
  readonly backend: BackendReport;
  /** Wall time of the load, download to warm-up, in ms. */
  readonly loadMs: number;
  predict(input: ModelInput, options?: ModelPredictOptions): Promise<Prediction>;
  predictBatch(inputs: readonly ModelInput[], options?: ModelBatchOptions): Promise<Prediction[]>;
  /** The backend running now (it changes after a failover). */
  backendReport(): Promise<BackendReport>;
  /** Destroys the GPU device under this model, as a real device loss would, to test failover (cf. WEBGL_lose_context). */
  simulateDeviceLoss(): Promise<void>;
  dispose(): Promise<void>;
}

/** The runtime. */
export interface Runtime {
  /** What the worker detected: WebGPU adapter, fallback adapter, f16, wasm SIMD and threads. */
  capabilities(): Promise<Capabilities>;
  /**
   * Loads a package: by name (`'mnist-cnn'`, the active version in the model store,
   * no network needed), from a URL (its `manifest.json` or its folder), or from a
   * manifest object plus `baseUrl`.
   */
  load(source: string | URL | Manifest, options?: LoadOptions): Promise<Model>;
  /** Downloads a version into the model store, verifying everything, then makes it active in one step. */
  install(name: string, options: InstallOptions): Promise<InstallResult>;
  /**
   * Installs a package held in memory — e.g. what the trainer just built — with the
   * same checks as a download (signature policy, every SHA-256), and activates it.
   */
  installPackage(pkg: { name: string; manifestBytes: Uint8Array; signature?: Uint8Array | null; files: ReadonlyMap<string, Uint8Array> }): Promise<InstallResult>;
  /** The versions of `name` in the store, newest first. */
  versions(name: string): Promise<InstalledVersion[]>;
  /** Makes an installed version the active one. */
  activate(name: string, version: string): Promise<void>;
  /** Goes back to the previously active version; resolves to it. */
  rollback(name: string): Promise<string>;
  /** A pinned version is never evicted to make room. */
  pin(name: string, version: string, pinned?: boolean): Promise<void>;
  /** Deletes a version (not the active one, nor one loaded in any tab). */
  remove(name: string, version: string): Promise<void>;
  /** Asks the registry (with the stored ETag) whether a newer version is out. */
  checkForUpdate(name: string): Promise<UpdateCheck>;
  /** Usage and quota of the origin's storage, and whether it is persistent. */
  storage(): Promise<StorageInfo>;
  /** Asks the browser to make the origin's storage persistent; resolves to the answer. */
  persist(): Promise<boolean>;
  /** Unloads every model and stops the worker. */
  dispose(): Promise<void>;
}

/** Resolves options into the frozen settings the worker gets. */
export function resolveRuntimeSettings(options: RuntimeOptions = {}): RuntimeSettings {
  const isolated = globalThis.crossOriginIsolated === true;
  const threads = options.wasmThreads ?? 'auto';
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) throw new RangeError(`wasmThreads must be 'auto' or a positive integer (got ${threads})`);
  const warmupRuns = options.warmupRuns ?? 3;
  if (!Number.isInteger(warmupRuns) || warmupRuns < 1) throw new RangeError(`warmupRuns must be a positive integer (got ${warmupRuns})`);
  for (const key of options.trustedKeys ?? []) {
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(key)) throw new TypeError(`trustedKeys entries must be base64url Ed25519 public keys (43 characters); got ${JSON.stringify(key)}`);
  }
  return Object.freeze({
    trustedKeys: Object.freeze([...(options.trustedKeys ?? [])]),
    allowUnsigned: options.allowUnsigned ?? false,
    wasmThreads: threads === 'auto' ? (isolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1) : isolated ? threads : 1,
    tfjsFlags: Object.freeze({ ...(options.tfjsFlags ?? {}) }),
    warmupRuns,
    updatePolicy: checkedPolicy(options.updatePolicy ?? 'manual'),
    storeName: options.storeName ?? 'edgeloop-models',
  });
}

function checkedPolicy(policy: UpdatePolicy): UpdatePolicy {
  if (policy !== 'manual' && policy !== 'on-load' && policy !== 'background') throw new RangeError(`updatePolicy must be 'manual', 'on-load' or 'background' (got ${String(policy)})`);
  return policy;
}

/** A bare package name (as opposed to a URL): loads from the model store. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
function isPackageName(source: unknown): source is string {
  return typeof source === 'string' && PACKAGE_NAME.test(source) && !source.endsWith('.json');
}

/** Starts the runtime worker and returns its client. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const settings = resolveRuntimeSettings(options);
  installErrorTransfer();
  const worker = options.worker ?? new Worker(new URL('./worker/worker-entry.ts', import.meta.url), { type: 'module', name: 'edgeloop-runtime' });
  const channel = new MessageChannel();
  worker.postMessage({ type: 'edgeloop:init', settings, port: channel.port2 }, [channel.port2]);
  const api = wrap<WorkerApi>(channel.port1);
  return new RuntimeClient(api, worker, channel.port1);
}

class RuntimeClient implements Runtime {
  #disposed = false;
  readonly #models = new Set<ModelClient>();

  constructor(
    private readonly api: Remote<WorkerApi>,
    private readonly worker: Worker,
    private readonly port: MessagePort,
  ) {}

  capabilities(): Promise<Capabilities> {
    this.#assertAlive();
    return this.api.capabilities();
  }

  async load(source: string | URL | Manifest, options: LoadOptions = {}): Promise<Model> {
    this.#assertAlive();
    const { onProgress, baseUrl, backend = 'auto', allow, failover = true, artifact } = options;
    const wireSource: LoadSource =
      typeof source === 'string' && isPackageName(source)
        ? { name: source }
        : typeof source === 'string' || source instanceof URL
          ? { url: new URL(source, globalThis.location?.href).href }
          : { manifest: source, baseUrl: new URL(requireBaseUrl(baseUrl), globalThis.location?.href).href };
    const callback = onProgress ? proxy(onProgress) : undefined;
    const info = await this.api.load(wireSource, { backend, allow, failover, artifact }, callback);
    const model = new ModelClient(this.api, info.id, info.manifest, info.backend, info.loadMs, (m) => this.#models.delete(m));
    this.#models.add(model);
    return model;
  }

  async install(name: string, options: InstallOptions): Promise<InstallResult> {
    this.#assertAlive();
    if (!isPackageName(name)) throw new TypeError(`install needs a package name (lower-case letters, digits, . _ -), got ${JSON.stringify(name)}`);
    if (!options || typeof options.from !== 'string') throw new TypeError('install needs options.from: the registry base URL');
    const { onProgress, signal, from, version, alias } = options;
    if (signal?.aborted) throw new EdgeloopError('ABORTED', 'the install was aborted before it started', { cause: signal.reason });
    const installId = crypto.randomUUID();
    const abort = () => void this.api.abortInstall(installId);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const url = new URL(from, globalThis.location?.href).href;
      return await this.api.install(name, { from: url, version, alias }, installId, onProgress ? proxy(onProgress) : undefined);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  installPackage(pkg: { name: string; manifestBytes: Uint8Array; signature?: Uint8Array | null; files: ReadonlyMap<string, Uint8Array> }): Promise<InstallResult> {
    this.#assertAlive();
    if (!isPackageName(pkg?.name)) throw new TypeError(`installPackage needs a package name, got ${JSON.stringify(pkg?.name)}`);
    return this.api.installPackage({ name: pkg.name, manifestBytes: pkg.manifestBytes, signature: pkg.signature ?? null, files: new Map(pkg.files) });
  }

  versions(name: string): Promise<InstalledVersion[]> {
    this.#assertAlive();
    return this.api.versions(name);
  }

  activate(name: string, version: string): Promise<void> {
    this.#assertAlive();
    return this.api.activate(name, version);
  }

  rollback(name: string): Promise<string> {
    this.#assertAlive();
    return this.api.rollback(name);
  }

  pin(name: string, version: string, pinned = true): Promise<void> {
    this.#assertAlive();
    return this.api.pin(name, version, pinned);
  }

  remove(name: string, version: string): Promise<void> {
    this.#assertAlive();
    return this.api.remove(name, version);
  }

  checkForUpdate(name: string): Promise<UpdateCheck> {
    this.#assertAlive();
    return this.api.checkForUpdate(name);
  }

  async storage(): Promise<StorageInfo> {
    this.#assertAlive();
    const [estimate, persisted] = await Promise.all([this.api.storageEstimate(), navigator.storage?.persisted?.() ?? Promise.resolve(false)]);
    return { ...estimate, persisted };
  }

  async persist(): Promise<boolean> {
    // StorageManager.persist() exists on the main thread only.
    return (await navigator.storage?.persist?.()) ?? false;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.api.dispose();
    } finally {
      this.port.close();
      this.worker.terminate();
    }
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
  }
}

class ModelClient implements Model {
  #disposed = false;

  constructor(
    private readonly api: Remote<WorkerApi>,
    private readonly id: string,
    readonly manifest: Manifest,
    readonly backend: BackendReport,
    readonly loadMs: number,
    private readonly onDispose: (model: ModelClient) => void,
  ) {}

  async predict(input: ModelInput, options: ModelPredictOptions = {}): Promise<Prediction> {
    this.#assertAlive();
    const { transfer: handOver = false, ...rest } = options;
    const [wire, transferables] = await toWire(input, handOver);
    return this.api.predict(this.id, transfer(wire, transferables), rest);
  }

  async predictBatch(inputs: readonly ModelInput[], options: ModelBatchOptions = {}): Promise<Prediction[]> {
    this.#assertAlive();
    if (!Array.isArray(inputs)) throw new TypeError('predictBatch takes an array of inputs');
    const { onProgress, ...rest } = options;
    const wires = await Promise.all(inputs.map((input) => toWire(input, false)));
    const callback = onProgress ? proxy(onProgress) : undefined;
    return this.api.predictBatch(this.id, transfer(wires.map(([w]) => w), wires.flatMap(([, t]) => t)), rest, callback);
  }

  backendReport(): Promise<BackendReport> {
    this.#assertAlive();
    return this.api.backendReport(this.id);
  }

  simulateDeviceLoss(): Promise<void> {
    this.#assertAlive();
    return this.api.simulateDeviceLoss(this.id);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.onDispose(this);
    await this.api.unload(this.id);
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('MODEL_DISPOSED', 'this model was disposed; load it again');
  }
}

function requireBaseUrl(baseUrl: string | undefined): string {
  if (!baseUrl) throw new TypeError('load(manifest) needs options.baseUrl: the URL of the folder holding the package files');
  return baseUrl;
}

/** Converts an input for the wire; canvases become ImageBitmaps (made here, so ours to transfer). */
async function toWire(input: ModelInput, handOver: boolean): Promise<[WireInput, Transferable[]]> {
  if (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) {
    const bitmap = await createImageBitmap(input);
    return [{ image: bitmap }, [bitmap]];
  }
  if (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas) {
    const bitmap = await createImageBitmap(input);
    return [{ image: bitmap }, [bitmap]];
  }
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return [{ image: input }, []];
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) return [{ image: input }, []];
  if (input && typeof input === 'object' && 'data' in input && 'shape' in input) {
    if (!ArrayBuffer.isView(input.data)) throw new EdgeloopError('INPUT_INVALID', 'input.data must be a typed array (Float32Array, Int32Array or Uint8Array)');
    if (!Array.isArray(input.shape)) throw new EdgeloopError('INPUT_INVALID', 'input.shape must be an array of integers');
    const tensor = { data: input.data, shape: [...input.shape] };
    return [{ tensor }, handOver && input.data.buffer instanceof ArrayBuffer ? [input.data.buffer] : []];
  }
  throw new EdgeloopError('INPUT_INVALID', 'input must be { data, shape }, an ImageData, an ImageBitmap, an HTMLCanvasElement or an OffscreenCanvas');
}
