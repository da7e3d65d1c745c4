import { describe, expect, it } from 'vitest';
import { BACKEND_IDS, BACKEND_TABLE, backendRow, isBackendId } from './backend-table.ts';
import type { BackendId } from './types.ts';

describe('the backend table', () => {
  it('has one row per backend, in priority order, and BACKEND_IDS follows it', () => {
    expect(BACKEND_IDS).toEqual(['ort-webgpu', 'tfjs-webgpu', 'ort-wasm', 'tfjs-wasm', 'tfjs-cpu']);
    expect(new Set(BACKEND_TABLE.map((r) => r.priority)).size).toBe(BACKEND_TABLE.length);
    expect(BACKEND_TABLE.map((r) => r.priority)).toEqual([...BACKEND_TABLE.map((r) => r.priority)].sort((a, b) => a - b));
  });

  it.each<[BackendId, string, string, boolean]>([
    ['ort-webgpu', 'onnx', 'webgpu', true],
    ['tfjs-webgpu', 'tfjs', 'webgpu', true],
    ['ort-wasm', 'onnx', 'wasm', false],
    ['tfjs-wasm', 'tfjs', 'wasm', false],
    ['tfjs-cpu', 'tfjs', 'cpu', false],
  ])('%s runs %s artifacts on %s (needs WebGPU: %s)', (id, engine, device, needsWebGpu) => {
    expect(backendRow(id)).toMatchObject({ id, engine, device, needsWebGpu });
  });

  it('refuses an id it does not have', () => {
    expect(isBackendId('ort-cpu')).toBe(false);
    expect(isBackendId('tfjs-wasm')).toBe(true);
    expect(() => backendRow('ort-cpu' as BackendId)).toThrow(RangeError);
  });

  it('rows are frozen: nothing can re-route a backend at run time', () => {
    expect(Object.isFrozen(BACKEND_TABLE)).toBe(true);
    expect(Object.isFrozen(backendRow('ort-wasm'))).toBe(true);
  });
});
