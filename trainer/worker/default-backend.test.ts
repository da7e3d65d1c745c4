import { describe, expect, it } from 'vitest';
import { defaultTrainerBackend } from './default-backend.ts';

describe('defaultTrainerBackend', () => {
  it.each([
    { name: 'no adapter', adapter: undefined, backend: 'wasm' },
    { name: 'a fallback adapter (GPUAdapterInfo.isFallbackAdapter)', adapter: { info: { isFallbackAdapter: true, vendor: 'google', architecture: '' } }, backend: 'wasm' },
    { name: 'a fallback adapter (the older GPUAdapter.isFallbackAdapter)', adapter: { info: { vendor: 'google' }, isFallbackAdapter: true }, backend: 'wasm' },
    { name: 'SwiftShader not flagged as fallback', adapter: { info: { vendor: 'google', architecture: 'swiftshader', description: '' } }, backend: 'wasm' },
    { name: 'a hardware adapter', adapter: { info: { isFallbackAdapter: false, vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce' } }, backend: 'webgpu' },
  ] as const)('$name → $backend', ({ adapter, backend }) => {
    const choice = defaultTrainerBackend(adapter);
    expect(choice.backend).toBe(backend);
    expect(choice.reason.length).toBeGreaterThan(0);
  });
});
