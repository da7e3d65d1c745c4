import { describe, expect, it } from 'vitest';
import type { Artifact, Manifest } from '../../format/index.ts';
import { DEFAULT_ENGINE_SETTINGS, type EnginePool } from '../engine/engine-pool.ts';
import type { BackendId, Capabilities, EngineSession, NamedTensors, SessionRequest, TensorData } from '../engine/types.ts';
import type { ChoiceMemory } from '../engine/choice-memory.ts';
import type { ChoiceRecord } from '../engine/choice-record.ts';
import { ModelLoader } from './model-loader.ts';
import type { OpenedPackage } from './model-source.ts';

const noGpu: Capabilities = { webgpu: { api: true, adapter: false, reason: 'requestAdapter() returned null' }, wasm: { simd: true, threads: false }, hardwareConcurrency: 2 };

const artifact = (id: string, engine: 'tfjs' | 'onnx', extra: Partial<Artifact> = {}): Artifact => ({
  id,
  engine,
  precision: 'fp32',
  target: 'generic',
  files: [{ path: `${id}/model`, bytes: 10, sha256: '0'.repeat(64) }],
  ...extra,
});

const manifest = {
  name: 'm',
  version: '1.0.0',
  input: { name: 'x', shape: [-1, 2], dtype: 'float32' },
  output: { name: 'y', shape: [-1, 2], activation: 'none' },
  artifacts: [
    artifact('tfjs-fp32', 'tfjs'),
    artifact('onnx-int8-phone-wasm', 'onnx', { precision: 'int8', target: 'phone-wasm', device: { webgpu: false, shaderF16: false } }),
  ],
} as unknown as Manifest;

/** A pool whose sessions echo their input, except on the backends in `failing`, which fail once their input is not the warm-up's zeros. */
function stubPool(failing: Set<BackendId>, opened: string[]): EnginePool {
  return {
    settings: DEFAULT_ENGINE_SETTINGS,
    async prepare(backend: BackendId) {
      opened.push(`prepare ${backend}`);
    },
    async createSession(backend: BackendId, request: SessionRequest): Promise<EngineSession> {
      opened.push(`${backend}:${request.paths.join(',')}`);
      return {
        backend,
        lost: false,
        async run(input: TensorData) {
          if (failing.has(backend) && input.data.some((v) => v !== 0)) throw new Error('device lost');
          return input;
        },
        async runNamed(inputs) {
          return inputs;
        },
        async simulateDeviceLoss() {},
        dispose() {},
      };
    },
  } as unknown as EnginePool;
}

function opened(fetched: string[][]): OpenedPackage {
  return {
    manifest,
    from: 'network',
    getFiles: async (artifacts) => {
      fetched.push(artifacts.map((a) => a.id));
      return new Map(artifacts.flatMap((a) => a.files.map((f) => [f.path, new Uint8Array(f.bytes)] as const)));
    },
  };
}

describe('ModelLoader', () => {
  it('downloads only the artifact chosen for this device, and fails over to the next one, fetching it then', async () => {
    const fetched: string[][] = [];
    const sessions: string[] = [];
    const loader = new ModelLoader(stubPool(new Set(['ort-wasm']), sessions));
    const model = await loader.load(opened(fetched), noGpu, { backend: 'auto', failover: true, warmupRuns: 1 }, () => undefined);
    expect(fetched).toEqual([['onnx-int8-phone-wasm']]);
    expect(model.report).toMatchObject({ backend: 'ort-wasm', artifact: 'onnx-int8-phone-wasm', artifactReason: 'compressed for phone-wasm: no WebGPU adapter here' });

    const input = { data: Float32Array.of(1, 2), shape: [1, 2] };
    const { backend } = await loader.run(model.id, input);
    expect(backend).toBe('tfjs-wasm');
    expect(fetched).toEqual([['onnx-int8-phone-wasm'], ['tfjs-fp32']]);
    expect(sessions).toEqual(['ort-wasm:onnx-int8-phone-wasm/model', 'tfjs-wasm:tfjs-fp32/model']);
    expect(loader.model(model.id).report).toMatchObject({ backend: 'tfjs-wasm', artifact: 'tfjs-fp32', reason: expect.stringMatching(/^failover: ort-wasm failed mid-session \(ort-wasm: device lost\)/) });
    loader.dispose();
  });

  it('without failover, a failing backend is INFERENCE_FAILED and nothing else is fetched', async () => {
    const fetched: string[][] = [];
    const loader = new ModelLoader(stubPool(new Set(['ort-wasm']), []));
    const model = await loader.load(opened(fetched), noGpu, { backend: 'auto', failover: false, warmupRuns: 1 }, () => undefined);
    await expect(loader.run(model.id, { data: Float32Array.of(1, 2), shape: [1, 2] })).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
    expect(fetched).toEqual([['onnx-int8-phone-wasm']]);
    loader.unload(model.id);
    expect(() => loader.model(model.id)).toThrow(expect.objectContaining({ code: 'MODEL_DISPOSED' }));
  });

  it('warms a tensor model up on every named input, with the manifest\'s warm-up values, and says how to change them when every backend fails', async () => {
    const tensorManifest = {
      ...manifest,
      task: 'tensor',
      inputs: [
        { name: 'audio', shape: [1, -1], dtype: 'float32', warmup: { shape: [1, 4] } },
        { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
      ],
      artifacts: [artifact('onnx-fp32', 'onnx')],
    } as unknown as Manifest;
    const fed: NamedTensors[] = [];
    const pool = (fail: boolean) =>
      ({
        settings: DEFAULT_ENGINE_SETTINGS,
        async createSession(backend: BackendId): Promise<EngineSession> {
          return {
            backend,
            lost: false,
            run: async (input: TensorData) => input,
            async runNamed(inputs: NamedTensors) {
              fed.push(inputs);
              if (fail) throw new Error('sr must be 8000 or 16000');
              return inputs;
            },
            async simulateDeviceLoss() {},
            dispose() {},
          };
        },
      }) as unknown as EnginePool;
    const source = { ...opened([]), manifest: tensorManifest };
    const model = await new ModelLoader(pool(false)).load(source, noGpu, { backend: 'auto', failover: true, warmupRuns: 1 }, () => undefined);
    expect(model.report.backend).toBe('ort-wasm');
    expect(fed[0]).toEqual({ audio: { dtype: 'float32', data: new Float32Array(4), shape: [1, 4] }, sr: { dtype: 'int64', data: BigInt64Array.of(16000n), shape: [] } });

    const error = await new ModelLoader(pool(true)).load(source, noGpu, { backend: 'auto', failover: true, warmupRuns: 1 }, () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ALL_BACKENDS_FAILED', message: expect.stringMatching(/ort-wasm \(failed: sr must be 8000 or 16000\).*declare inputs\[i\]\.warmup \{ value, shape \} in the manifest$/) });
  });

  it('loads straight onto a remembered backend, fetching only its artifact; when that fails to load, fetches and measures the rest', async () => {
    const records = new Map<string, ChoiceRecord>();
    const memory = {
      get: async (key: string) => records.get(key),
      put: async (record: ChoiceRecord) => void records.set(record.key, record),
      update: async (key: string, change: (r: ChoiceRecord) => ChoiceRecord) => void (records.has(key) && records.set(key, change(records.get(key)!))),
      close: async () => undefined,
    } as unknown as ChoiceMemory;
    const plain = { ...manifest, artifacts: [artifact('tfjs-fp32', 'tfjs'), artifact('onnx-fp32', 'onnx')] } as unknown as Manifest;
    const fetched: string[][] = [];
    const source = { ...opened(fetched), manifest: plain };
    const options = { backend: 'auto' as const, failover: true, warmupRuns: 1 };
    const first = await new ModelLoader(stubPool(new Set(), []), memory).load(source, noGpu, options, () => undefined);
    expect(first.report.reason).toMatch(/^auto: fastest warm runs/);
    const [record] = [...records.values()];
    expect(record!.backend).toBe(first.report.backend);

    fetched.length = 0;
    const sessions: string[] = [];
    const second = await new ModelLoader(stubPool(new Set(), sessions), memory).load(source, noGpu, options, () => undefined);
    expect(second.report.reason).toMatch(/^auto: remembered from/);
    // Its engine's code loads while the bytes come, and only its session is built.
    expect(sessions).toEqual([`prepare ${record!.backend}`, expect.stringMatching(new RegExp(`^${record!.backend}:`))]);
    expect(fetched).toEqual([[second.report.artifact]]);

    // The remembered backend now fails to build: the other artifact is fetched and the candidates measured afresh.
    fetched.length = 0;
    const broken = { ...stubPool(new Set(), []), settings: DEFAULT_ENGINE_SETTINGS } as EnginePool;
    const inner = stubPool(new Set(), []);
    (broken as { createSession: EnginePool['createSession'] }).createSession = async (backend, request) => {
      if (backend === record!.backend) throw new Error('wasm blocked');
      return inner.createSession(backend, request);
    };
    const third = await new ModelLoader(broken, memory).load(source, noGpu, options, () => undefined);
    expect(third.report.backend).not.toBe(record!.backend);
    expect(third.report.reason).toMatch(/^auto: .*; re-checked \(the remembered \S+ failed to load: wasm blocked\)$/);
    expect(fetched.flat().sort()).toEqual(['onnx-fp32', 'tfjs-fp32']);
  });

  it('a remembered backend that fails to build on bytes that then fail their check: the load is INTEGRITY_MISMATCH, the memory untouched and nothing else fetched', async () => {
    const plain = { ...manifest, artifacts: [artifact('tfjs-fp32', 'tfjs'), artifact('onnx-fp32', 'onnx')] } as unknown as Manifest;
    const records = new Map<string, ChoiceRecord>();
    const memory = {
      get: async () => records.get('k'),
      put: async (r: ChoiceRecord) => void records.set('k', r),
      update: async (_key: string, change: (r: ChoiceRecord) => ChoiceRecord) => void records.set('k', change(records.get('k')!)),
      close: async () => undefined,
    } as unknown as ChoiceMemory;
    const fetched: string[][] = [];
    const mismatch = Object.assign(new Error('onnx-fp32/model does not match its SHA-256'), { code: 'INTEGRITY_MISMATCH', details: { path: 'onnx-fp32/model' } });
    const source: OpenedPackage = {
      manifest: plain,
      from: 'store',
      getFiles: async (artifacts) => {
        fetched.push(artifacts.map((a) => a.id));
        return new Map();
      },
      readFiles: async (artifacts) => {
        fetched.push(artifacts.map((a) => a.id));
        return { files: new Map(artifacts.flatMap((a) => a.files.map((f) => [f.path, new Uint8Array(f.bytes)] as const))), checked: Promise.reject(mismatch) };
      },
    };
    const inner = stubPool(new Set(), []);
    const pool = {
      ...inner,
      settings: DEFAULT_ENGINE_SETTINGS,
      createSession: async (backend: BackendId, request: SessionRequest) => {
        // The corrupt bytes do not build: the error a user must see is the mismatch, not this.
        if (backend === 'ort-wasm') throw new Error('protobuf parsing failed');
        return inner.createSession(backend, request);
      },
    } as unknown as EnginePool;
    const loader = new ModelLoader(pool, memory);
    // A first load remembers its choice; the record is then pointed at ort-wasm, whose build fails below.
    const first = await new ModelLoader(stubPool(new Set(), []), memory).load({ ...opened([]), manifest: plain }, noGpu, { backend: 'auto', failover: true, warmupRuns: 1 }, () => undefined);
    const remembered = records.get('k')!;
    expect(remembered.backend).toBe(first.report.backend);
    records.set('k', { ...remembered, backend: 'ort-wasm', artifact: 'onnx-fp32' } as ChoiceRecord);
    const before = structuredClone(records.get('k'));

    const error = await loader.load(source, noGpu, { backend: 'auto', failover: true, warmupRuns: 1 }, () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTEGRITY_MISMATCH', details: { path: 'onnx-fp32/model' } });
    expect(records.get('k')).toEqual(before);
    expect(records.get('k')).not.toHaveProperty('stale');
    expect(fetched).toEqual([['onnx-fp32']]);
  });
});
