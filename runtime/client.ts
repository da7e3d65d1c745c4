/**
 * The main-thread side of the runtime: `createRuntime()` starts the module worker and
 * gives a typed client over comlink: `load`, `capabilities`, `store.*`, `dispose`.
 * Nothing heavy runs here (see `client/model-client.ts` for how inputs cross).
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { PrecisionOption } from './engine/artifact-choice.ts';
import type { BackendId, Capabilities } from './engine/types.ts';
import { EdgeloopError, installErrorTransfer, isPackageName } from '../format/index.ts';
import type { Manifest } from '../format/index.ts';
import type { LoadProgress, LoadSource, RuntimeSettings, StoreIntegrity, UpdatePolicy, WorkerApi, WorkerFeedbackApi, WorkerStoreApi, WorkerTelemetryApi } from './worker/api.ts';
import { ModelClient, type Model } from './client/model-client.ts';
import { StoreClient, type RuntimeStore } from './client/store-client.ts';
import { TelemetryClient, type RuntimeTelemetry } from './client/telemetry-client.ts';
import { FeedbackClient, type RuntimeFeedback } from './client/feedback-client.ts';
import { startWorker } from './client/start-worker.ts';
import { PredictChannel } from './client/predict-channel.ts';
import { FEEDBACK_DB_NAME, resolveFeedbackSettings, type FeedbackOptions } from './feedback/feedback-settings.ts';
import { resolveTelemetrySettings, type TelemetryOptions } from './telemetry/telemetry-settings.ts';

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
  /** Threads for wasm backends, or `auto` (half the cores, at most 4, where cross-origin isolated; else 1). @defaultValue 'auto' */
  wasmThreads?: number | 'auto';
  /** tfjs environment flags for the worker, e.g. `{ WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }`. @defaultValue {} */
  tfjsFlags?: Readonly<Record<string, number | boolean>>;
  /** Timed warm rounds per candidate backend at least when choosing `auto` (it times each until its timings are stable). @defaultValue 3 */
  warmupRuns?: number;
  /** A worker to use instead of the bundled one (it must run `worker/worker-entry.ts`). */
  worker?: Worker;
  /**
   * URL of a built worker module (what `worker/worker-entry.ts` builds to), e.g. on a
   * CDN. A cross-origin URL starts through a same-origin blob that imports it (the page's
   * CSP then needs `worker-src blob:`); the engines find their `.wasm` next to it.
   * @defaultValue the worker bundled with this module
   */
  workerUrl?: string | URL;
  /**
   * For models loaded by name from the store: `manual` (only `install` changes the
   * version), `on-load` (check the registry, install a newer version, then load) or
   * `background` (load what is installed, update for next time). Automatic updates are
   * skipped when the browser asks to save data. @defaultValue 'manual'
   */
  updatePolicy?: UpdatePolicy;
  /** IndexedDB database name of the model store. @defaultValue 'edgeloop-models' */
  storeName?: string;
  /**
   * How a model loaded from the store has its files checked on every load (its
   * manifest's signature is always checked again). `checksum`: against the xxHash64
   * recorded when the install had verified each file's SHA-256 — catches bytes that
   * changed on disk, in a few ms for 14 MB. `sha256`: every file's SHA-256 again
   * (~5 ms a MB in Chromium), for those who want it; neither defends against someone
   * who can rewrite the browser profile, and with it the runtime's own cached code
   * (docs/BENCHMARKS.md, `store`). Files stored before checksums existed are checked
   * with SHA-256 either way. @defaultValue 'checksum'
   */
  storeIntegrity?: StoreIntegrity;
  /**
   * The id a sync endpoint hashes to put this device on one side of a canary split
   * (`store.install(name, { from, alias })`), for fleets that assign their own; 1–256
   * characters. @defaultValue a random id made on first use and kept in the model store
   */
  deviceId?: string;
  /**
   * Drift telemetry: bin counts of each prediction's signals, sent in windows to the
   * sync endpoint (docs/TELEMETRY.md says exactly what is sent).
   * @defaultValue undefined (off)
   */
  telemetry?: TelemetryOptions;
  /**
   * Where labelled examples the user chose to share go (`model.feedback(…, { share: true })`).
   * Without it, examples are kept on the device only. @defaultValue undefined
   */
  feedback?: FeedbackOptions;
  /** IndexedDB database of the device's labelled examples. @defaultValue 'edgeloop-feedback' */
  feedbackDatabase?: string;
  /**
   * `false` makes the worker behave as if the browser had no WebGPU (`navigator.gpu`
   * absent): both WebGPU backends are skipped with that reason. For device labs that
   * emulate a device without WebGPU — a page's init script cannot reach the worker.
   * @defaultValue true (use WebGPU where the browser has it)
   */
  webgpu?: boolean;
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
   * The weights' precision (like transformers.js's `dtype`): `auto` runs the artifact
   * compressed for this kind of device (WebGPU or not, shader-f16 or not), generic fp32
   * where nothing targets it; `fp32`, `fp16`, `int8`, `int4` pick that precision among
   * the artifacts this device can run, else fail with `PRECISION_UNAVAILABLE`.
   * `model.backend.artifactReason` says what was chosen and why. @defaultValue 'auto'
   */
  precision?: PrecisionOption;
  /**
   * The artifact to run, by id (e.g. `onnx-int8-phone-wasm`); wins over `precision`.
   * @defaultValue chosen by `precision`
   */
  artifact?: string;
  /**
   * With `backend: 'auto'`: `true` loads straight onto the backend measured fastest for
   * this package's artifacts (their SHA-256), this device (browser, cores, WebGPU adapter,
   * wasm threads, tfjs flags) and this runtime version, remembered in IndexedDB
   * (`edgeloop-backend-choice`) by an earlier load, timing nothing (`model.backend.reason`
   * says `auto: remembered from <date> (…)`); without such a record it measures and
   * remembers. The record is re-checked by the load after 14 days, 50 loads, or a
   * failover. `'refresh'` measures afresh and remembers that; `false` neither reads nor
   * writes the memory. @defaultValue true
   */
  rememberBackend?: boolean | 'refresh';
  onProgress?: (progress: LoadProgress) => void;
}

/** The runtime: the same small face whether the work runs in its worker or (tests) in-thread. */
export interface Runtime {
  /** What the worker detected: WebGPU adapter, fallback adapter, f16, wasm SIMD and threads. */
  capabilities(): Promise<Capabilities>;
  /**
   * Loads a package: by name (`'mnist-cnn'`, the active version in the model store,
   * no network needed), from a URL (its `manifest.json` or its folder), or from a
   * manifest object plus `baseUrl`.
   */
  load(source: string | URL | Manifest, options?: LoadOptions): Promise<Model>;
  /** The model store: install, versions, checkForUpdate, rollback, activate, pin, remove, storage, persist. */
  readonly store: RuntimeStore;
  /** Drift telemetry: `flush`, `disable`, `enable`, `status`, `resetInstallId` (inert unless configured). */
  readonly telemetry: RuntimeTelemetry;
  /** Labelled examples kept on this device (`model.feedback`): `counts`, `clear`, `flush`. */
  readonly feedback: RuntimeFeedback;
  /** Unloads every model and stops the worker. */
  dispose(): Promise<void>;
}

/**
 * `wasmThreads: 'auto'`: half the cores, at most 4 (onnxruntime-web's own default). All
 * the cores was the rule before: on a 2-core machine onnxruntime's pool then took both
 * (with the runtime worker and the page beside it), its multi-threaded session build in
 * a fresh worker took 2–6 s instead of 0.6–1.1 s, and the page's main thread showed long
 * tasks while predictions ran (docs/BENCHMARKS.md, `runtime`).
 */
export function autoWasmThreads(cores: number): number {
  return Math.max(1, Math.min(4, Math.ceil(cores / 2)));
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
    wasmThreads: threads === 'auto' ? (isolated ? autoWasmThreads(globalThis.navigator?.hardwareConcurrency ?? 1) : 1) : isolated ? threads : 1,
    tfjsFlags: Object.freeze({ ...(options.tfjsFlags ?? {}) }),
    warmupRuns,
    updatePolicy: checkedPolicy(options.updatePolicy ?? 'manual'),
    storeName: options.storeName ?? 'edgeloop-models',
    storeIntegrity: checkedIntegrity(options.storeIntegrity ?? 'checksum'),
    deviceId: checkedDeviceId(options.deviceId),
    telemetry: resolveTelemetrySettings(options.telemetry, globalThis.location?.href),
    feedback: resolveFeedbackSettings(options.feedback, globalThis.location?.href),
    feedbackDatabase: options.feedbackDatabase ?? FEEDBACK_DB_NAME,
    webgpu: checkedFlag('webgpu', options.webgpu ?? true),
  });
}

function checkedFlag(name: string, value: boolean): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false (got ${JSON.stringify(value)})`);
  return value;
}

function checkedDeviceId(id: string | undefined): string | null {
  if (id === undefined) return null;
  if (typeof id !== 'string' || id.length < 1 || id.length > 256) throw new TypeError(`deviceId must be a string of 1–256 characters (got ${JSON.stringify(id)})`);
  return id;
}

function checkedIntegrity(integrity: StoreIntegrity): StoreIntegrity {
  if (integrity !== 'checksum' && integrity !== 'sha256') throw new RangeError(`storeIntegrity must be 'checksum' or 'sha256' (got ${String(integrity)})`);
  return integrity;
}

function checkedPolicy(policy: UpdatePolicy): UpdatePolicy {
  if (policy !== 'manual' && policy !== 'on-load' && policy !== 'background') throw new RangeError(`updatePolicy must be 'manual', 'on-load' or 'background' (got ${String(policy)})`);
  return policy;
}

/** A bare package name (as opposed to a URL): loads from the model store. */
function isStoreName(source: unknown): source is string {
  return isPackageName(source) && !source.endsWith('.json');
}

/** Starts the runtime worker and returns its client. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const settings = resolveRuntimeSettings(options);
  installErrorTransfer();
  const worker =
    options.worker ??
    (options.workerUrl !== undefined
      ? startWorker(options.workerUrl, 'edgeloop-runtime')
      : new Worker(new URL('./worker/worker-entry.ts', import.meta.url), { type: 'module', name: 'edgeloop-runtime' }));
  // One channel: the worker's own postMessage, shared by comlink and the predict fast path.
  const predictions = new PredictChannel(worker, { type: 'edgeloop:init', settings });
  const api = wrap<WorkerApi>(predictions.endpoint);
  return new RuntimeClient(api, worker, predictions, settings.telemetry !== null, settings.feedback !== null);
}

class RuntimeClient implements Runtime {
  #disposed = false;
  readonly #models = new Set<ModelClient>();
  readonly store: RuntimeStore;
  readonly #telemetry: TelemetryClient;
  readonly feedback: RuntimeFeedback;
  /** `model.predict`'s fast path, on the worker's channel beside comlink (client/predict-channel.ts). */
  readonly #predictions: PredictChannel;

  constructor(
    private readonly api: Remote<WorkerApi>,
    private readonly worker: Worker,
    predictions: PredictChannel,
    telemetryOn: boolean,
    private readonly canShareFeedback: boolean,
  ) {
    // comlink proxies every property path, so \`api.store.install(…)\` calls the worker's
    // \`store.install\`; its types only see a plain property, hence the cast.
    this.store = new StoreClient(api.store as unknown as Remote<WorkerStoreApi>, () => this.#assertAlive());
    this.#telemetry = new TelemetryClient(api.telemetry as unknown as Remote<WorkerTelemetryApi>, () => this.#assertAlive(), telemetryOn);
    this.feedback = new FeedbackClient(api.feedback as unknown as Remote<WorkerFeedbackApi>, () => this.#assertAlive());
    this.#predictions = predictions;
  }

  get telemetry(): RuntimeTelemetry {
    return this.#telemetry;
  }

  capabilities(): Promise<Capabilities> {
    this.#assertAlive();
    return this.api.capabilities();
  }

  async load(source: string | URL | Manifest, options: LoadOptions = {}): Promise<Model> {
    this.#assertAlive();
    const { onProgress, baseUrl, backend = 'auto', allow, failover = true, artifact, precision = 'auto', rememberBackend = true } = options;
    if (rememberBackend !== true && rememberBackend !== false && rememberBackend !== 'refresh') throw new TypeError(`rememberBackend must be true, false or 'refresh' (got ${String(rememberBackend)})`);
    const wireSource: LoadSource =
      typeof source === 'string' && isStoreName(source)
        ? { name: source }
        : typeof source === 'string' || source instanceof URL
          ? { url: new URL(source, globalThis.location?.href).href }
          : { manifest: source, baseUrl: new URL(requireBaseUrl(baseUrl), globalThis.location?.href).href };
    const callback = onProgress ? proxy(onProgress) : undefined;
    const info = await this.api.load(wireSource, { backend, allow, failover, artifact, precision, rememberBackend }, callback);
    const model = new ModelClient(this.api, this.#predictions, info.id, info.manifest, info.backend, info.loadMs, info.phases, (m) => this.#models.delete(m), this.canShareFeedback);
    this.#models.add(model);
    return model;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#telemetry.dispose();
    try {
      await this.api.dispose();
    } finally {
      this.#predictions.close();
      this.worker.terminate();
    }
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
  }
}

function requireBaseUrl(baseUrl: string | undefined): string {
  if (!baseUrl) throw new TypeError('load(manifest) needs options.baseUrl: the URL of the folder holding the package files');
  return baseUrl;
}
