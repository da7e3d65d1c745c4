/**
 * The worker boundary: the one interface both sides of the comlink channel share.
 * `RuntimeService` implements it (in the worker, or in-thread for tests); the main
 * thread's `createRuntime` wraps it.
 */
import type { PrecisionOption } from '../engine/artifact-choice.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import type { BackendId, Capabilities, TensorValues } from '../engine/types.ts';
import type { Manifest, TensorDtype } from '../../format/index.ts';
import type { ImageSource, TensorInput, TopK } from './preprocess.ts';
import type { InstallProgress, InstallRequest, InstallResult, LocalPackage, StorageEstimate, UpdateCheck } from '../store/installer.ts';
import type { InstalledVersion } from '../store/model-store.ts';
import type { StoreIntegrity } from '../store/file-checksum.ts';
import type { UpdatePolicy } from '../store/store-service.ts';
import type { FlushResult, TelemetryStatus } from '../telemetry/telemetry-service.ts';
import type { TelemetrySettings } from '../telemetry/telemetry-settings.ts';
import type { ExampleCounts } from '../feedback/example-store.ts';
import type { FeedbackFlushResult, FeedbackReceipt } from '../feedback/feedback-service.ts';
import type { FeedbackSettings } from '../feedback/feedback-settings.ts';

export type { ExampleCounts, FeedbackFlushResult, FeedbackReceipt, FeedbackSettings };
export type { FlushResult, InstallProgress, InstallRequest, InstallResult, InstalledVersion, LocalPackage, PrecisionOption, StorageEstimate, StoreIntegrity, TelemetrySettings, TelemetryStatus, UpdateCheck, UpdatePolicy };

/** Fully-resolved runtime settings, fixed when the worker starts. */
export interface RuntimeSettings {
  /** Ed25519 public keys (base64url) whose signatures are trusted. */
  readonly trustedKeys: readonly string[];
  /** Load packages with no signature even when `trustedKeys` is set. */
  readonly allowUnsigned: boolean;
  /** Threads for the wasm backends; 1 where the page is not cross-origin isolated. */
  readonly wasmThreads: number;
  /** tfjs flags set once in the worker. */
  readonly tfjsFlags: Readonly<Record<string, number | boolean>>;
  /** Timed warm-up runs per candidate backend during `auto`. */
  readonly warmupRuns: number;
  /** For models loaded by name: when to look for (and install) a newer version. */
  readonly updatePolicy: UpdatePolicy;
  /** The IndexedDB database of the model store. */
  readonly storeName: string;
  /** How the store checks a stored file on every load: its checksum from the install, or its SHA-256. */
  readonly storeIntegrity: StoreIntegrity;
  /** The id a sync endpoint's canary split hashes for this device, or null: a random one kept with the store. */
  readonly deviceId: string | null;
  /** Drift telemetry, or `null` (off, the default). */
  readonly telemetry: TelemetrySettings | null;
  /** Where shared labelled examples go, or `null` (kept on the device only). */
  readonly feedback: FeedbackSettings | null;
  /** The IndexedDB database of the device's labelled examples. */
  readonly feedbackDatabase: string;
  /** False: the worker acts as if `navigator.gpu` were absent (device-lab profiles without WebGPU). */
  readonly webgpu: boolean;
}

/** Where a model comes from: a URL (manifest.json or its folder), or a manifest with the base URL of its files. */
export type LoadSource = { url: string } | { manifest: Manifest; baseUrl: string } | { name: string };

/** Options of a load that cross to the worker. */
export interface WorkerLoadOptions {
  /** A backend to force, or `auto`. */
  backend: BackendId | 'auto';
  /** Restrict `auto` to these backends. */
  allow?: readonly BackendId[];
  /** Move to the next backend when the current one fails mid-session. */
  failover: boolean;
  /** Load this artifact (by `id`), whatever the device. */
  artifact?: string;
  /** The weights' precision, or `auto` (the artifact compressed for this device). */
  precision?: PrecisionOption;
  /** `auto` only: use and keep the remembered choice (`true`), measure afresh and keep it (`'refresh'`), or neither (`false`). */
  rememberBackend?: boolean | 'refresh';
}

/** Progress of a load. */
export interface LoadProgress {
  phase: 'manifest' | 'download' | 'backend' | 'ready';
  loadedBytes: number;
  totalBytes: number;
  /** The backend being tried, in the `backend` phase. */
  backend?: BackendId;
}

/**
 * Where a load's time went, in ms, measured in the worker. What is left of `loadMs`
 * besides these is the worker's start and the messages to and from it.
 */
export interface LoadPhases {
  /** The manifest: fetched (network) or read (store), its signature checked; the device's capabilities and the artifact chosen. */
  manifestMs: number;
  /** The artifact's files: downloaded or read from the model store, and their SHA-256 checked. */
  bytesMs: number;
  /** The engine: the model built on its backend (with `auto`, every candidate built and timed). */
  engineMs: number;
}

/** What a load gives back. */
export interface ModelInfo {
  id: string;
  manifest: Manifest;
  backend: BackendReport;
  loadMs: number;
  /** {@link LoadPhases} of this load. */
  phases: LoadPhases;
  /** Where the bytes came from: the network (a URL) or the model store (a name). */
  from: 'network' | 'store';
}

/** An input as it crosses the boundary. */
export type WireInput = { tensor: TensorInput } | { image: ImageSource };

/**
 * The values of one named input of a `tensor` model: the typed array of its dtype
 * (Float32Array, Uint16Array bits or a Float16Array for float16, Int32Array,
 * BigInt64Array, Uint8Array for uint8 and bool), 8-bit pixels (Uint8Array,
 * Uint8ClampedArray) for a float32 input with a layout or preprocessing, or a plain
 * array of numbers (bigints for int64, booleans for bool).
 */
export type TensorInputValues = TensorValues | Uint8ClampedArray | ArrayBufferView | readonly number[] | readonly bigint[] | readonly boolean[];

/** One named input as it crosses the boundary; `shape` defaults to the declared one (required where that has -1). */
export interface WireTensor {
  data: TensorInputValues;
  shape?: readonly number[];
}

/** The named inputs of a `tensor` model as they cross the boundary. */
export type WireTensors = Record<string, WireTensor>;

/** One output of a `tensor` model: its values in the typed array of its manifest dtype. */
export interface TensorOutput {
  data: TensorValues;
  shape: number[];
  dtype: TensorDtype;
}

/** What a `tensor` model's `predict` gives back. */
export interface TensorPrediction {
  /** Every output the manifest declares, by name (their buffers are transferred to the caller). */
  outputs: Record<string, TensorOutput>;
  /** The backend that produced it (it may change after a failover). */
  backend: BackendId;
  /** Worker-side time: input checks + inference + output casts. */
  latencyMs: number;
}

/** Options of a prediction. */
export interface PredictOptions {
  /** How many top classes to return. @defaultValue 5 */
  topK?: number;
}

/** One prediction. */
export interface Prediction {
  /** The output after the manifest's activation (probabilities for softmax). */
  output: Float32Array;
  shape: number[];
  /** Highest-scoring classes, best first. */
  topK: TopK[];
  /** The backend that produced it (it may change after a failover). */
  backend: BackendId;
  /** Worker-side time: preprocessing + inference + postprocessing. */
  latencyMs: number;
}

/** Batch options. */
export interface BatchOptions extends PredictOptions {
  /** Inputs per engine call. @defaultValue 32 */
  batchSize?: number;
}

/** Progress of a batch. */
export interface BatchProgress {
  done: number;
  total: number;
}

/** The model store, as the worker exposes it (`api.store.*`). */
export interface WorkerStoreApi {
  install(name: string, request: InstallRequest, installId: string, onProgress?: (progress: InstallProgress) => void): Promise<InstallResult>;
  /** Installs a package held in memory (verified like a download) and activates it. */
  installPackage(pkg: LocalPackage): Promise<InstallResult>;
  /** Aborts the install started with `installId` (what was stored stays, for a resume). */
  abortInstall(installId: string): Promise<void>;
  models(): Promise<string[]>;
  versions(name: string): Promise<InstalledVersion[]>;
  activate(name: string, version: string): Promise<void>;
  rollback(name: string): Promise<string>;
  pin(name: string, version: string, pinned: boolean): Promise<void>;
  remove(name: string, version: string): Promise<void>;
  checkForUpdate(name: string): Promise<UpdateCheck>;
  storageEstimate(): Promise<StorageEstimate>;
}

/** Telemetry, as the worker exposes it (`api.telemetry.*`); every call is a no-op answer when telemetry is not configured. */
export interface WorkerTelemetryApi {
  /** Sends the queue now (`keepalive` for page-hide flushes). */
  flush(options?: { keepalive?: boolean }): Promise<FlushResult>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** `null` when telemetry is not configured. */
  status(): Promise<TelemetryStatus | null>;
  resetInstallId(): Promise<string>;
}

/** Labelled examples on the device, as the worker exposes them (`api.feedback.*`). */
export interface WorkerFeedbackApi {
  counts(model?: string): Promise<ExampleCounts>;
  clear(model?: string): Promise<number>;
  /** Sends the shared examples waiting in the outbox (nothing to do without an endpoint). */
  flush(): Promise<FeedbackFlushResult>;
}

/** What a feedback call carries besides the input and label. */
export interface FeedbackRequest {
  /** The user chose to share this example with the endpoint. */
  share: boolean;
  /** What the model predicted (top-1 label). */
  predicted?: string;
}

/** The interface the worker exposes. */
export interface WorkerApi {
  capabilities(): Promise<Capabilities>;
  load(source: LoadSource, options: WorkerLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<ModelInfo>;
  predict(modelId: string, input: WireInput, options: PredictOptions): Promise<Prediction>;
  predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress?: (progress: BatchProgress) => void): Promise<Prediction[]>;
  /** Runs a `tensor` model on named inputs; state inputs not given are fed from the previous call. */
  predictTensors(modelId: string, inputs: WireTensors): Promise<TensorPrediction>;
  /** Forgets a `tensor` model's carried state: the next call starts from zeros. */
  resetState(modelId: string): Promise<void>;
  backendReport(modelId: string): Promise<BackendReport>;
  simulateDeviceLoss(modelId: string): Promise<void>;
  /** Keeps a labelled example of `modelId`'s input on the device (and queues it to be sent when `share`). */
  addFeedback(modelId: string, input: WireInput, label: string, request: FeedbackRequest): Promise<FeedbackReceipt>;
  unload(modelId: string): Promise<void>;
  dispose(): Promise<void>;
  /** The model store. */
  readonly store: WorkerStoreApi;
  /** Drift telemetry. */
  readonly telemetry: WorkerTelemetryApi;
  /** Labelled examples. */
  readonly feedback: WorkerFeedbackApi;
}
