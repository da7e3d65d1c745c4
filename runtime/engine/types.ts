/**
 * Shared types of the engines: which backends exist, what a device can do, and the
 * small interface every engine session implements.
 */
import type { ArtifactEngine, Manifest } from '../../format/index.ts';

/** An engine × backend pair the runtime can run a model on. */
export type BackendId = 'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu' | 'ort-webgpu' | 'ort-wasm';

/** Every backend, in the default preference order used to break ties. */
export const BACKEND_IDS: readonly BackendId[] = ['ort-webgpu', 'tfjs-webgpu', 'ort-wasm', 'tfjs-wasm', 'tfjs-cpu'];

/** The artifact engine a backend runs. */
export function engineOf(backend: BackendId): ArtifactEngine {
  return backend.startsWith('ort-') ? 'onnx' : 'tfjs';
}

/** True for the backends that need a WebGPU adapter. */
export function isWebGpuBackend(backend: BackendId): boolean {
  return backend.endsWith('-webgpu');
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

/** Creates sessions for the backends of one engine. */
export interface Engine {
  readonly engine: ArtifactEngine;
  createSession(backend: BackendId, manifest: Manifest, files: ArtifactBytes, artifactPaths: readonly string[]): Promise<EngineSession>;
}
