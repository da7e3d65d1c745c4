import { describe, expect, it } from 'vitest';
import { detectCapabilities } from './capabilities.ts';

describe('detectCapabilities', () => {
  it('reports WebGPU absent, with the reason, when turned off — even where navigator.gpu exists', async () => {
    const requestAdapter = () => Promise.reject(new Error('must not be asked'));
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter }, hardwareConcurrency: 2 }, configurable: true });
    try {
      const caps = await detectCapabilities({ webgpu: false });
      expect(caps.webgpu).toEqual({ api: false, adapter: false, reason: expect.stringMatching(/webgpu: false/) });
      expect(caps.hardwareConcurrency).toBe(2);
      const on = await detectCapabilities();
      expect(on.webgpu).toMatchObject({ api: true, adapter: false, reason: expect.stringMatching(/must not be asked/) });
    } finally {
      if (had) Object.defineProperty(globalThis, 'navigator', had);
      else Reflect.deleteProperty(globalThis, 'navigator');
    }
  });
});
