/**
 * The raw baseline of the runtime benchmark (scripts/bench/runtime-bench.ts): a module
 * worker that calls tfjs or onnxruntime-web directly — no manifest, no verification, no
 * preprocessing, no comlink — on the same model files, the same backend and the same
 * engine settings as edgeloop's worker (runtime/engine/*-engine.ts), so the difference
 * between the two round trips is what edgeloop adds.
 *
 * Protocol (plain postMessage): `load` once, then any number of `run`s; each `run` gets
 * exactly one `result` (or `error`) carrying its `id`.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type * as Ort from 'onnxruntime-web/webgpu';
// The same `?url` imports as runtime/worker/worker-entry.ts: vite emits each binary once,
// so both workers fetch the same files.
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { BackendRow } from '../runtime/index.ts';

/** Engine settings, matching what edgeloop's worker gets from `resolveRuntimeSettings`. */
export interface RawSettings {
  /** Threads for onnxruntime-web's wasm EP (edgeloop's `wasmThreads`). */
  numThreads: number;
  /** tfjs environment flags, set before any backend initialises. */
  tfjsFlags: Readonly<Record<string, number | boolean>>;
}

/** The backend to run on: its row of the runtime's backend table. */
export type RawBackend = Pick<BackendRow, 'id' | 'engine' | 'device'>;

/** Main thread → raw worker. */
export type RawRequest =
  | { type: 'load'; backend: RawBackend; /** model.json (tfjs) or model.onnx URL */ url: string; settings: RawSettings }
  | { type: 'run'; id: number; data: Float32Array; shape: number[] };

/** Raw worker → main thread. */
export type RawReply =
  | { type: 'loaded'; ms: number }
  | { type: 'result'; id: number; output: Float32Array; shape: number[]; /** Worker-side time of the engine call. */ ms: number }
  | { type: 'error'; id?: number; message: string };

interface RawSession {
  run(data: Float32Array, shape: number[]): Promise<{ output: Float32Array; shape: number[] }>;
}

let session: RawSession | undefined;

self.addEventListener('message', (event: MessageEvent<RawRequest>) => {
  const request = event.data;
  if (request.type === 'load') {
    const started = performance.now();
    load(request.backend, request.url, request.settings).then(
      (loaded) => {
        session = loaded;
        reply({ type: 'loaded', ms: performance.now() - started });
      },
      (error: unknown) => reply({ type: 'error', message: `load failed on ${request.backend.id}: ${text(error)}` }),
    );
    return;
  }
  if (!session) {
    reply({ type: 'error', id: request.id, message: 'run before load' });
    return;
  }
  const started = performance.now();
  session.run(request.data, request.shape).then(
    ({ output, shape }) => reply({ type: 'result', id: request.id, output, shape, ms: performance.now() - started }, [output.buffer as ArrayBuffer]),
    (error: unknown) => reply({ type: 'error', id: request.id, message: text(error) }),
  );
});

function reply(message: RawReply, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

function load(backend: RawBackend, url: string, settings: RawSettings): Promise<RawSession> {
  return backend.engine === 'onnx' ? loadOrt(backend.device, url, settings) : loadTfjs(backend.device, url, settings);
}

async function loadTfjs(name: BackendRow['device'], url: string, settings: RawSettings): Promise<RawSession> {
  const [tf, tfl]: [typeof TfCore, typeof TfLayers] = await Promise.all([import('@tensorflow/tfjs-core'), import('@tensorflow/tfjs-layers')]);
  for (const [flag, value] of Object.entries(settings.tfjsFlags)) tf.env().set(flag, value);
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // As edgeloop does: tfjs-wasm threads hang in a minified bundle (docs/ARCHITECTURE.md, "Known facts").
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': tfjsWasm,
      'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
    });
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" failed to initialise`);
  const model = await tfl.loadLayersModel(url);
  return {
    async run(data, shape) {
      // The same calls as edgeloop's TfjsSession.run.
      const output = tf.tidy(() => {
        const y = model.predict(tf.tensor(data, shape, 'float32'));
        return Array.isArray(y) ? y[0]! : y;
      });
      try {
        const values = (await output.data()) as Float32Array;
        return { output: values instanceof Float32Array ? values : Float32Array.from(values), shape: output.shape.slice() };
      } finally {
        output.dispose();
      }
    },
  };
}

async function loadOrt(device: BackendRow['device'], url: string, settings: RawSettings): Promise<RawSession> {
  const ort: typeof Ort = await import('onnxruntime-web/webgpu');
  // The same environment as edgeloop's OrtEngine.
  ort.env.wasm.wasmPaths = { wasm: ortWasm };
  ort.env.wasm.numThreads = settings.numThreads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    // As edgeloop's engine (runtime/engine/ort-engine.ts).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    async run(data, shape) {
      const results = await session.run({ [inputName]: new ort.Tensor('float32', data, shape) });
      const output = results[outputName]!;
      try {
        const values = output.location === 'cpu' ? output.data : await output.getData();
        return { output: values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>), shape: output.dims.slice() };
      } finally {
        for (const tensor of Object.values(results)) tensor.dispose();
      }
    },
  };
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
