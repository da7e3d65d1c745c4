/**
 * Shared types of the engines: which backends exist, what a device can do, and the
 * small interface every engine session implements.
 */
import type { ArtifactEngine, TensorDtype } from '../../format/index.ts';

/** An engine × backend pair the runtime can run a model on (the rows of `BACKEND_TABLE`). */
export type BackendId = 'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu' | 'ort-webgpu' | 'ort-wasm';

/** Where a backend computes: the GPU through WebGPU, wasm on the CPU, or plain JavaScript. */
export type BackendDevice = 'webgpu' | 'wasm' | 'cpu';

/** One row of `BACKEND_TABLE`. */
export interface BackendRow {
  readonly id: BackendId;
  /** The artifact engine this backend runs. */
  readonly engine: ArtifactEngine;
  /** Where it computes. */
  readonly device: BackendDevice;
  /** True when it cannot run without a WebGPU adapter. */
  readonly needsWebGpu: boolean;
  /** Tie-break order: lower runs first when nothing else decides. */
  readonly priority: number;
  /** Loads the engine module on first use (a page that never runs an engine never downloads it). */
  readonly createEngine: (settings: EngineSettings) => Promise<Engine>;
}

/** What the device offers, as detected in the worker. */
export interface Capabilities {
  webgpu: {
    /** `navigator.gpu` exists. */
    api: boolean;
    /** An adapter was granted. */
    adapter: boolean;
    vendor?: string;
    architecture?: string;
    /** A software / fallback adapter (e.g. SwiftShader): correct but usually slow. */
    fallback?: boolean;
    shaderF16?: boolean;
    limits?: { maxStorageBuffersPerShaderStage: number; maxComputeInvocationsPerWorkgroup: number; maxBufferSize: number };
    /** Why there is no adapter, when there is none. */
    reason?: string;
  };
  wasm: {
    simd: boolean;
    /** SharedArrayBuffer is usable (cross-origin isolated): wasm can use threads. */
    threads: boolean;
  };
  hardwareConcurrency: number;
}

/** A float tensor crossing engine boundaries. */
export interface TensorData {
  data: Float32Array;
  shape: number[];
}

/** The typed array a named tensor's values travel in: float16 as its bits, bool as 0/1 bytes. */
export type TensorValues = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** A tensor of any manifest dtype, as `runNamed` takes and gives it. */
export interface NamedTensor {
  dtype: TensorDtype;
  data: TensorValues;
  shape: number[];
}

/** Tensors by name: a model's inputs or outputs. */
export type NamedTensors = Record<string, NamedTensor>;

/** The bytes of one verified artifact, by path relative to the version folder. */
export type ArtifactBytes = ReadonlyMap<string, Uint8Array>;

/** A model loaded on one backend. */
export interface EngineSession {
  readonly backend: BackendId;
  /**
   * Runs the model on an already preprocessed input; returns the raw output, whose values
   * are the caller's to change or transfer (no engine keeps or shares them).
   */
  run(input: TensorData): Promise<TensorData>;
  /**
   * Runs the model on named inputs (every input of the graph, by its name in the model)
   * and returns every output of the graph, by name, in the types the engine has (tfjs
   * answers int32 for int64 and float32 for float16; the caller casts). A name the graph
   * does not have, or a graph input not given, is `INFERENCE_FAILED` listing the graph's
   * names. A graph with one input and one output takes and gives them whatever their name.
   */
  runNamed(inputs: NamedTensors): Promise<NamedTensors>;
  /** Set when the backend's device was lost; the next `run` fails fast. */
  readonly lost: boolean;
  /** Destroys the backend's GPU device, as a real device loss would (for failover tests; cf. WEBGL_lose_context). */
  simulateDeviceLoss(): Promise<void>;
  dispose(): void;
}

/** Settings an engine reads once, at creation. */
export interface EngineSettings {
  /** URLs of the wasm binaries: tfjs's by file name, onnxruntime-web's under `wasm`. */
  wasmPaths: Readonly<Record<string, string>>;
  /** Threads for wasm backends (1 = no threads). */
  numThreads: number;
  /** tfjs environment flags, e.g. `{ WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }`. */
  tfjsFlags: Readonly<Record<string, number | boolean>>;
}

/** What an engine needs to open a session on one artifact. */
export interface SessionRequest {
  /** The artifact's verified bytes, by path (other artifacts' files may be there too). */
  files: ArtifactBytes;
  /** The artifact's file paths, in manifest order (tfjs: `model.json` first). */
  paths: readonly string[];
  /** The model input to feed, when the graph has several. @defaultValue the graph's first input */
  inputName?: string;
  /** The model output to read, when the graph has several. @defaultValue the graph's first output */
  outputName?: string;
}

/** Creates sessions for the backends of one engine. */
export interface Engine {
  readonly engine: ArtifactEngine;
  /** Opens a session on `backend` (one of this engine's rows of the backend table). */
  createSession(backend: BackendRow, request: SessionRequest): Promise<EngineSession>;
  /**
   * Loads the engine's code and sets `backend` up, without a model, so that a load can
   * do it while the model's bytes are still being read; `createSession` then waits for
   * (and reuses) this work instead of starting it.
   */
  prepare?(backend: BackendRow): Promise<void>;
}
