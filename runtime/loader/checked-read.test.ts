import { describe, expect, it } from 'vitest';
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import { DEFAULT_ENGINE_SETTINGS, type EnginePool } from '../engine/engine-pool.ts';
import type { BackendId, Capabilities, EngineSession, TensorData } from '../engine/types.ts';
import { readForBuild } from './checked-read.ts';
import { ModelLoader } from './model-loader.ts';
import type { OpenedPackage } from './model-source.ts';

const noGpu: Capabilities = { webgpu: { api: true, adapter: false, reason: 'requestAdapter() returned null' }, wasm: { simd: true, threads: false }, hardwareConcurrency: 2 };

const manifest = {
  name: 'm',
  version: '1.0.0',
  input: { name: 'x', shape: [-1, 2], dtype: 'float32' },
  output: { name: 'y', shape: [-1, 2], activation: 'none' },
  artifacts: [
    { id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: [{ path: 'tfjs/model.json', bytes: 4, sha256: '0'.repeat(64) }] },
    { id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'onnx/model.onnx', bytes: 4, sha256: '0'.repeat(64) }] },
  ],
} as unknown as Manifest;

const mismatch = () => new EdgeloopError('INTEGRITY_MISMATCH', 'tfjs/model.json does not match', { details: { path: 'tfjs/model.json' } });

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A pool that logs what happens in order: builds, runs, disposals. */
function loggingPool(log: string[]): EnginePool {
  return {
    settings: DEFAULT_ENGINE_SETTINGS,
    async prepare() {},
    async createSession(backend: BackendId): Promise<EngineSession> {
      log.push(`build ${backend}`);
      return {
        backend,
        lost: false,
        async run(input: TensorData) {
          log.push(`run ${backend}`);
          return input;
        },
        async runNamed(inputs) {
          return inputs;
        },
        async simulateDeviceLoss() {},
        dispose: () => void log.push(`dispose ${backend}`),
      };
    },
  } as unknown as EnginePool;
}

/** A store-like source: `readFiles` hands out the bytes at once, their checks settle on `fileChecks`. */
function pendingSource(fileChecks: Promise<void>, log: string[], signature: Promise<void> = Promise.resolve()): OpenedPackage {
  return {
    manifest,
    from: 'store',
    checked: signature,
    getFiles: async () => {
      throw new Error('the first read goes through readFiles');
    },
    readFiles: async (artifacts) => {
      log.push(`read ${artifacts.map((a) => a.id).join(',')}`);
      return { files: new Map(artifacts.flatMap((a) => a.files.map((f) => [f.path, new Uint8Array(f.bytes)] as const))), checked: fileChecks };
    },
  };
}

describe('loading while the bytes are checked', () => {
  it('builds the model before the checks end, runs nothing and resolves nothing until they pass', async () => {
    const log: string[] = [];
    const checks = deferred();
    const loading = new ModelLoader(loggingPool(log)).load(pendingSource(checks.promise, log), noGpu, { backend: 'auto', allow: ['tfjs-wasm', 'tfjs-cpu'], failover: false, warmupRuns: 1, rememberBackend: false }, () => undefined);
    let done = false;
    void loading.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['read tfjs-fp32', 'build tfjs-wasm']);
    expect(done).toBe(false);
    checks.resolve();
    const model = await loading;
    expect(model.report.backend).toMatch(/^tfjs-/);
    expect(log.slice(0, 3)).toEqual(['read tfjs-fp32', 'build tfjs-wasm', 'run tfjs-wasm']);
  });

  it('a failed check disposes what was built and is the load\'s error (forced, auto)', async () => {
    for (const options of [
      { backend: 'tfjs-wasm' as const, failover: false, warmupRuns: 1 },
      { backend: 'auto' as const, failover: true, warmupRuns: 1, rememberBackend: false },
    ]) {
      const log: string[] = [];
      const checks = deferred();
      const loading = new ModelLoader(loggingPool(log)).load(pendingSource(checks.promise, log), noGpu, options, () => undefined);
      await new Promise((r) => setTimeout(r, 10));
      checks.reject(mismatch());
      await expect(loading).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH', details: { path: 'tfjs/model.json' } });
      expect(log.filter((l) => l.startsWith('run'))).toEqual([]);
      expect(log.filter((l) => l.startsWith('build')).length).toBe(log.filter((l) => l.startsWith('dispose')).length);
    }
  });

  it('an engine that chokes on the bad bytes first still reports the check\'s error', async () => {
    const log: string[] = [];
    const checks = deferred();
    const pool = { ...loggingPool(log), settings: DEFAULT_ENGINE_SETTINGS, createSession: async () => Promise.reject(new Error('model.json is not valid JSON')) } as unknown as EnginePool;
    const loading = new ModelLoader(pool).load(pendingSource(checks.promise, log), noGpu, { backend: 'tfjs-wasm', failover: false, warmupRuns: 1 }, () => undefined);
    setTimeout(() => checks.reject(mismatch()), 10);
    await expect(loading).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('reports a bad signature before the file mismatch it explains', async () => {
    const log: string[] = [];
    const signature = Promise.reject(new EdgeloopError('SIGNATURE_INVALID', 'manifest.sig does not verify'));
    signature.catch(() => undefined);
    const files = Promise.reject(mismatch());
    files.catch(() => undefined);
    const read = await readForBuild(pendingSource(files, log, signature), manifest.artifacts.slice(0, 1));
    await expect(read.checked).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    const loading = new ModelLoader(loggingPool(log)).load(pendingSource(files, log, signature), noGpu, { backend: 'tfjs-wasm', failover: false, warmupRuns: 1 }, () => undefined);
    await expect(loading).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('a source without readFiles hands out verified files; with no files, the manifest check alone gates the load', async () => {
    const verified: OpenedPackage = { manifest, from: 'network', getFiles: async () => new Map([['tfjs/model.json', new Uint8Array(4)]]) };
    const read = await readForBuild(verified, manifest.artifacts.slice(0, 1));
    expect([...read.files.keys()]).toEqual(['tfjs/model.json']);
    await expect(read.checked).resolves.toBeUndefined();
    const bad = Promise.reject(new EdgeloopError('SIGNATURE_INVALID', 'no'));
    bad.catch(() => undefined);
    await expect(readForBuild({ ...verified, checked: bad }, []).then((r) => r.checked)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});
