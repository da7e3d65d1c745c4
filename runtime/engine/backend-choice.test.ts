import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from '../../format/index.ts';
import { chooseBackend, failoverOrder } from './backend-choice.ts';
import type { BackendId, Capabilities, EngineSession, TensorData } from './types.ts';

/** The fake clock the timings read: a run moves it on by its `ms` (real time would make the tests as noisy as the machine). */
let clock = 0;
const now = () => clock;
/** No idle gap between timed runs: the fake clock does not move while idle. */
const gap = async () => undefined;

/** A session whose run takes `ms` of the fake clock, or throws. */
function session(backend: BackendId, ms: number | Error, log: string[]): EngineSession {
  return {
    backend,
    lost: false,
    async run(input: TensorData) {
      if (ms instanceof Error) throw ms;
      clock += ms;
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
  it('stops timing a backend once it settles at over 3× the best, and keeps it as a last fallback', async () => {
    const calls: Partial<Record<BackendId, number>> = {};
    const counting = (backend: BackendId, ms: number): EngineSession => {
      const inner = session(backend, ms, []);
      return { ...inner, run: (input) => ((calls[backend] = (calls[backend] ?? 0) + 1), inner.run(input)) };
    };
    const choice = await chooseBackend(['tfjs-wasm', 'tfjs-webgpu'], [], async (b) => counting(b, b === 'tfjs-wasm' ? 1 : 30), probe, { now, gap });
    expect(choice.report.backend).toBe('tfjs-wasm');
    expect(calls['tfjs-wasm']).toBeGreaterThan(20); // timed until stable: ≥ 150 ms of runs
    expect(calls['tfjs-webgpu']).toBe(1 + 7); // the compiling run, 7 rounds to stable: 30× the best, hopeless, never timed again
    expect(choice.report.candidates.find((c) => c.backend === 'tfjs-webgpu')).toMatchObject({ hopeless: true, skipped: expect.stringMatching(/^hopeless: 30\.0 ms a run against 1\.00 ms/) });
    expect(choice.fallbacks).toEqual(['tfjs-webgpu']);
  });

  it('runs on a backend skipped as hopeless when nothing timed can run (offline, its engine not cached), and says so', async () => {
    const notAgain = [{ backend: 'tfjs-wasm' as const, warmupMs: 9, hopeless: true }];
    const choice = await chooseBackend(['ort-wasm', 'tfjs-wasm'], [], async (b) => session(b, b === 'ort-wasm' ? new Error('no available backend found') : 2, []), probe, { now, gap, notAgain });
    expect(choice.report.backend).toBe('tfjs-wasm');
    expect(choice.rescued).toBe(true);
    expect(choice.report.reason).toBe('auto: the only backend that ran here (ort-wasm failed)');
    expect(choice.report.candidates.find((c) => c.backend === 'ort-wasm')?.skipped).toMatch(/^failed: no available backend found/);
  });

  it('keeps the fastest measured backend, disposes the others, and ranks the fallbacks', async () => {
    const log: string[] = [];
    const times: Partial<Record<BackendId, number>> = { 'tfjs-webgpu': 12, 'tfjs-wasm': 1, 'tfjs-cpu': 2 };
    const choice = await chooseBackend(['tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu'], [], async (b) => session(b, times[b]!, log), probe, { now, gap });
    expect(choice.report.backend).toBe('tfjs-wasm');
    expect(choice.report.reason).toMatch(/^auto: fastest warm runs, interleaved with the runner-up \(1\.\d\d ms vs tfjs-cpu 2\.\d\d ms\)$/);
    expect(choice.fallbacks).toEqual(['tfjs-cpu', 'tfjs-webgpu']);
    expect(log.sort()).toEqual(['dispose tfjs-cpu', 'dispose tfjs-webgpu']);
    const measured = Object.fromEntries(choice.report.candidates.map((c) => [c.backend, c.warmupMs]));
    expect(measured['tfjs-webgpu']!).toBeGreaterThan(measured['tfjs-wasm']!);
  });

  it('settles a close call with interleaved rounds of the two best (ABBA), keeping the lower', async () => {
    const order: BackendId[] = [];
    const create = async (b: BackendId) => {
      const inner = session(b, b === 'ort-wasm' ? 2.2 : 2, []);
      return { ...inner, run: (input: TensorData) => (order.push(b), inner.run(input)) };
    };
    const choice = await chooseBackend(['ort-wasm', 'tfjs-wasm'], [], create, probe, { now, gap });
    expect(choice.report.reason).toMatch(/^auto: fastest warm runs, interleaved with the runner-up/);
    // The last 12 rounds of one run each alternate A B B A A B … between the two.
    const tail = order.slice(-24);
    const first = tail[0]!;
    const other = first === 'ort-wasm' ? 'tfjs-wasm' : 'ort-wasm';
    expect(tail).toEqual([first, other, other, first, first, other, other, first, first, other, other, first, first, other, other, first, first, other, other, first, first, other, other, first]);
    const [best, runnerUp] = choice.report.candidates;
    expect(best!.backend).toBe(choice.report.backend);
    expect(best!.warmupMs!).toBeLessThanOrEqual(runnerUp!.warmupMs!);
  });

  it('does not time tfjs-cpu once the best takes over 5 ms, nor WebGPU on a software adapter once something else ran', async () => {
    const created: BackendId[] = [];
    const create = (ms: number) => async (b: BackendId) => (created.push(b), session(b, b === 'ort-wasm' || b === 'tfjs-wasm' ? ms : 2 * ms, []));
    const heavy = await chooseBackend(['ort-wasm', 'tfjs-cpu', 'ort-webgpu'], [], create(6), probe, { now, gap, softwareGpu: true });
    expect(created).toEqual(['ort-wasm']);
    expect(heavy.report.candidates.find((c) => c.backend === 'ort-webgpu')).toMatchObject({ hopeless: true, skipped: expect.stringMatching(/^not timed: a software WebGPU adapter/) });
    expect(heavy.report.candidates.find((c) => c.backend === 'tfjs-cpu')).toMatchObject({ hopeless: true, skipped: expect.stringMatching(/^not timed: the tfjs kernels in plain JavaScript/) });
    created.length = 0;
    // A small model: tfjs-cpu is cheap to try; a real GPU is always timed.
    await chooseBackend(['ort-wasm', 'tfjs-cpu', 'ort-webgpu'], [], create(0.5), probe, { now, gap, softwareGpu: true });
    expect(created).toEqual(['ort-wasm', 'tfjs-cpu']);
    created.length = 0;
    await chooseBackend(['ort-wasm', 'tfjs-cpu', 'ort-webgpu'], [], create(0.5), probe, { now, gap });
    expect(created).toEqual(['ort-wasm', 'tfjs-cpu', 'ort-webgpu']);
  });

  it('does not time again what an earlier measurement found hopeless', async () => {
    const created: BackendId[] = [];
    const choice = await chooseBackend(['ort-wasm', 'tfjs-wasm'], [], async (b) => (created.push(b), session(b, 1, [])), probe, { now, gap,
      notAgain: [{ backend: 'tfjs-wasm', warmupMs: 9, hopeless: true, skipped: 'not timed again: hopeless' }],
    });
    expect(created).toEqual(['ort-wasm']);
    expect(choice.report.candidates.find((c) => c.backend === 'tfjs-wasm')).toMatchObject({ remembered: true, hopeless: true, warmupMs: 9 });
  });

  it('records a backend that fails its warm-up and still chooses among the rest', async () => {
    const log: string[] = [];
    const choice = await chooseBackend(['ort-webgpu', 'ort-wasm'], [], async (b) => session(b, b === 'ort-webgpu' ? new Error('boom') : 0, log), probe, { now, gap });
    expect(choice.report.backend).toBe('ort-wasm');
    expect(choice.report.candidates.find((c) => c.backend === 'ort-webgpu')?.skipped).toMatch(/boom/);
    expect(log).toEqual(['dispose ort-webgpu']);
  });

  it('throws ALL_BACKENDS_FAILED listing each reason when nothing runs', async () => {
    const error = await chooseBackend(['ort-wasm', 'tfjs-cpu'], [], async () => {
      throw new Error('no wasm');
    }, probe, { now, gap }).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'ALL_BACKENDS_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/ort-wasm.*no wasm.*tfjs-cpu/);
  });

  it('throws NO_COMPATIBLE_ARTIFACT when nothing is allowed, and BACKEND_UNAVAILABLE when a forced one fails', async () => {
    const none = await chooseBackend([], [{ backend: 'ort-wasm', skipped: 'the package has no onnx artifact' }], async () => session('ort-wasm', 0, []), probe, { now, gap }).catch((e: unknown) => e);
    expect(isEdgeloopError(none, 'NO_COMPATIBLE_ARTIFACT')).toBe(true);
    const forced = await chooseBackend(['tfjs-webgpu'], [], async () => {
      throw new Error('adapter gone');
    }, probe, { now, gap, backend: 'tfjs-webgpu' }).catch((e: unknown) => e);
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
