/**
 * Capability detection, run in the worker (WebGPU and wasm are per-realm facts).
 */
import type { Capabilities } from './types.ts';

// A minimal module using a v128 instruction: validates only where wasm SIMD exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Options of {@link detectCapabilities}. */
export interface DetectOptions {
  /** False: report WebGPU as absent without asking the browser (`createRuntime({ webgpu: false })`). @defaultValue true */
  webgpu?: boolean;
}

/** Detects WebGPU (adapter, fallback, f16, limits) and wasm (SIMD, threads) support. */
export async function detectCapabilities(options: DetectOptions = {}): Promise<Capabilities> {
  const wasm = {
    simd: safeValidate(SIMD_PROBE),
    threads: typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true,
  };
  const hardwareConcurrency = globalThis.navigator?.hardwareConcurrency ?? 1;
  if (options.webgpu === false) {
    return { webgpu: { api: false, adapter: false, reason: 'navigator.gpu is treated as missing: WebGPU turned off by createRuntime({ webgpu: false })' }, wasm, hardwareConcurrency };
  }
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    return { webgpu: { api: false, adapter: false, reason: 'navigator.gpu is missing (no WebGPU in this browser or context)' }, wasm, hardwareConcurrency };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { webgpu: { api: true, adapter: false, reason: `requestAdapter() failed: ${String(error)}` }, wasm, hardwareConcurrency };
  }
  if (!adapter) {
    return { webgpu: { api: true, adapter: false, reason: 'requestAdapter() returned null (WebGPU disabled or blocklisted)' }, wasm, hardwareConcurrency };
  }
  // `isFallbackAdapter` moved from GPUAdapter to GPUAdapterInfo; read both.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  const fallback = Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter) || /swiftshader/i.test(`${info.architecture} ${info.description}`);
  return {
    webgpu: {
      api: true,
      adapter: true,
      vendor: info.vendor,
      architecture: info.architecture,
      fallback,
      shaderF16: adapter.features.has('shader-f16'),
      limits: {
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    },
    wasm,
    hardwareConcurrency,
  };
}

function safeValidate(bytes: BufferSource): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    // WebAssembly missing or a hostile CSP: no SIMD.
    return false;
  }
}
