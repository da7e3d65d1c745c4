/**
 * The trainer worker's default backend. WebGPU only on a hardware adapter: a software
 * (fallback) adapter — SwiftShader in headless Chromium, or a browser's CPU fallback —
 * runs WebGPU's shaders on the CPU and trains slower than tfjs-wasm (measured on the MNIST
 * CNN: see docs/ARCHITECTURE.md, "Known facts"), as the runtime's engine found for
 * inference (runtime/engine/capabilities.ts reads the adapter the same way).
 */
import type { TrainerBackend } from './api.ts';

/** What the default choice needs to know of the adapter (a `GPUAdapter` fits). */
export interface AdapterLike {
  info?: { isFallbackAdapter?: boolean; architecture?: string; description?: string; vendor?: string };
  /** Older Chromium put the flag on the adapter itself. */
  isFallbackAdapter?: boolean;
}

/** True for a software (fallback) WebGPU adapter. */
export function isSoftwareAdapter(adapter: AdapterLike): boolean {
  const info = adapter.info ?? {};
  return Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader/i.test(`${info.architecture ?? ''} ${info.description ?? ''} ${info.vendor ?? ''}`);
}

/** The backend a job without `backend` trains on, and why, in words for the UI. */
export function defaultTrainerBackend(adapter: AdapterLike | undefined): { backend: Exclude<TrainerBackend, 'cpu'>; reason: string } {
  if (adapter === undefined) return { backend: 'wasm', reason: 'no WebGPU adapter in this browser' };
  if (isSoftwareAdapter(adapter)) return { backend: 'wasm', reason: 'only a software WebGPU adapter here, which trains slower than wasm' };
  return { backend: 'webgpu', reason: 'a hardware WebGPU adapter' };
}
