/**
 * Shared types of the engines: which backends exist, what a device can do, and the
 * small interface every engine session implements.
 */
import type { ArtifactEngine } from '../../format/index.ts';

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

/** The bytes of one verified artifact, by path relative to the version folder. */
export type ArtifactBytes = ReadonlyMap<string, Uint8Array>;

/** A model loaded on one backend. */
export interface EngineSession {
  readonly backend: BackendId;
  /** Runs the model on an already preprocessed input; returns the raw output. */
  run(input: TensorData): Promise<TensorData>;
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
}
