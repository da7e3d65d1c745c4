import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from '../../format/index.ts';
import { chooseBackend, failoverOrder } from './backend-choice.ts';
import type { BackendId, Capabilities, EngineSession, TensorData } from './types.ts';

/** A session whose run takes `ms` of real time (busy-wait), or throws. */
function session(backend: BackendId, ms: number | Error, log: string[]): EngineSession {
  return {
    backend,
    lost: false,
    async run(input: TensorData) {
      if (ms instanceof Error) throw ms;
      const end = performance.now() + ms;
      while (performance.now() < end);
      return input;
    },
    async runNamed(inputs) {
      return inputs;
    },
    async simulateDeviceLoss() {},
    dispose: () => log.push(`dispose ${backend}`),
  };
}

const input = { data: new Float32Array(1), shape: [1] };
const probe = (session: EngineSession) => session.run(input);

describe('chooseBackend', () => {
  it('stops timing a backend once a warm run is 3× slower than the best so far', async () => {
    const calls: Partial<Record<BackendId, number>> = {};
    const counting = (backend: BackendId, ms: number): EngineSession => {
      const inner = session(backend, ms, []);
      return { ...inner, run: (input) => ((calls[backend] = (calls[backend] ?? 0) + 1), inner.run(input)) };
    };
    const choice = await chooseBackend(['tfjs-wasm', 'tfjs-webgpu'], [], async (b) => counting(b, b === 'tfjs-wasm' ? 1 : 20), probe, { warmupRuns: 4 });
    expect(choice.report.backend).toBe('tfjs-wasm');
    expect(calls['tfjs-wasm']).toBe(1 + 4); // one untimed run, then all four timed
    expect(calls['tfjs-webgpu']).toBe(1 + 1); // one untimed, one timed: hopeless, stopped
    expect(choice.report.candidates.find((c) => c.backend === 'tfjs-webgpu')!.warmupMs!).toBeGreaterThanOrEqual(20);
  });


  it('keeps the fastest measured backend, disposes the others, and ranks the fallbacks', async () => {
    const log: string[] = [];
    const times: Partial<Record<BackendId, number>> = { 'tfjs-webgpu': 12, 'tfjs-wasm': 1, 'tfjs-cpu': 6 };
    const choice = await chooseBackend(['tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu'], [], async (b) => session(b, times[b]!, log), probe, { warmupRuns: 2 });
    expect(choice.report.backend).toBe('tfjs-wasm');
    expect(choice.report.reason).toMatch(/^auto: fastest warm-up/);
    expect(choice.fallbacks).toEqual(['tfjs-cpu', 'tfjs-webgpu']);
    expect(log.sort()).toEqual(['dispose tfjs-cpu', 'dispose tfjs-webgpu']);
    const measured = Object.fromEntries(choice.report.candidates.map((c) => [c.backend, c.warmupMs]));
    expect(measured['tfjs-webgpu']!).toBeGreaterThan(measured['tfjs-wasm']!);
  });

  it('records a backend that fails its warm-up and still chooses among the rest', async () => {
    const log: string[] = [];
    const choice = await chooseBackend(['ort-webgpu', 'ort-wasm'], [], async (b) => session(b, b === 'ort-webgpu' ? new Error('boom') : 0, log), probe);
    expect(choice.report.backend).toBe('ort-wasm');
    expect(choice.report.candidates.find((c) => c.backend === 'ort-webgpu')?.skipped).toMatch(/boom/);
    expect(log).toEqual(['dispose ort-webgpu']);
  });

  it('throws ALL_BACKENDS_FAILED listing each reason when nothing runs', async () => {
    const error = await chooseBackend(['ort-wasm', 'tfjs-cpu'], [], async () => {
      throw new Error('no wasm');
    }, probe).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'ALL_BACKENDS_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/ort-wasm.*no wasm.*tfjs-cpu/);
  });

  it('throws NO_COMPATIBLE_ARTIFACT when nothing is allowed, and BACKEND_UNAVAILABLE when a forced one fails', async () => {
    const none = await chooseBackend([], [{ backend: 'ort-wasm', skipped: 'the package has no onnx artifact' }], async () => session('ort-wasm', 0, []), probe).catch((e: unknown) => e);
    expect(isEdgeloopError(none, 'NO_COMPATIBLE_ARTIFACT')).toBe(true);
    const forced = await chooseBackend(['tfjs-webgpu'], [], async () => {
      throw new Error('adapter gone');
    }, probe, { backend: 'tfjs-webgpu' }).catch((e: unknown) => e);
    expect(isEdgeloopError(forced, 'BACKEND_UNAVAILABLE')).toBe(true);
  });
});

describe('failoverOrder', () => {
  const all: BackendId[] = ['ort-webgpu', 'tfjs-webgpu', 'ort-wasm', 'tfjs-wasm', 'tfjs-cpu'];

  it('leaves a lost WebGPU device for the same engine off the GPU, the GPU last', () => {
    expect(failoverOrder('tfjs-webgpu', all)).toEqual(['tfjs-wasm', 'tfjs-cpu', 'ort-wasm', 'ort-webgpu']);
    expect(failoverOrder('ort-webgpu', all)).toEqual(['ort-wasm', 'tfjs-wasm', 'tfjs-cpu', 'tfjs-webgpu']);
  });

  it('only offers backends the package and device allow', () => {
    expect(failoverOrder('tfjs-wasm', ['tfjs-wasm', 'tfjs-cpu'])).toEqual(['tfjs-cpu']);
    expect(failoverOrder('ort-wasm', ['ort-wasm'])).toEqual([]);
  });
});
