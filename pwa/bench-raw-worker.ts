/**
 * The raw baselines of the runtime benchmark (scripts/bench/runtime-bench.ts): a module
 * worker that calls tfjs or onnxruntime-web directly — no manifest verification, no
 * checks, no comlink — on the same model files, the same backend and the same engine
 * settings as edgeloop's worker (runtime/engine/*-engine.ts), so the difference between
 * the round trips is what edgeloop adds. Two calls:
 *
 * - `run` (the engine-only baseline): input already preprocessed, raw logits back.
 * - `job` (the same-job baseline, what a hand-written worker would do): the caller's raw
 *   input, preprocessed in place as the manifest says (scale, invert, mean/std folded
 *   into one multiply-add per channel at load), the engine, the manifest's activation
 *   in place, the probabilities back in their own transferred buffer (the page builds
 *   the top-k, as edgeloop's page does).
 *
 * Protocol (plain postMessage): `load` once, then any number of `run`s / `job`s; each
 * gets exactly one `result` (or `error`) carrying its `id`, where it came from: the
 * worker's own postMessage, or a MessagePort it was handed (`{ type: 'port', port }`).
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
import type { BackendRow, ManifestOutput } from '../runtime/index.ts';
import type { Preprocessing } from '../format/index.ts';

/** Engine settings, matching what edgeloop's worker gets from `resolveRuntimeSettings`. */
export interface RawSettings {
  /** Threads for onnxruntime-web's wasm EP (edgeloop's `wasmThreads`). */
  numThreads: number;
  /** tfjs environment flags, set before any backend initialises. */
  tfjsFlags: Readonly<Record<string, number | boolean>>;
}

/** The backend to run on: its row of the runtime's backend table. */
export type RawBackend = Pick<BackendRow, 'id' | 'engine' | 'device'>;

/** What a `job` does around the engine: the manifest's input preprocessing and output activation. */
export interface RawJob {
  preprocessing?: Preprocessing;
  layout?: 'NHWC' | 'NCHW';
  activation: ManifestOutput['activation'];
}

/** Main thread → raw worker. */
export type RawRequest =
  | { type: 'load'; backend: RawBackend; /** model.json (tfjs) or model.onnx URL */ url: string; settings: RawSettings; job: RawJob }
  | { type: 'run'; id: number; data: Float32Array; shape: number[] }
  | { type: 'job'; id: number; data: Float32Array | Int32Array | Uint8Array; shape: number[] };

/** Raw worker → main thread. */
export type RawReply =
  | { type: 'loaded'; ms: number }
  | { type: 'result'; id: number; output: Float32Array; shape: number[]; /** Worker-side time of the engine call (a `job`: with its pre- and postprocessing). */ ms: number }
  | { type: 'error'; id?: number; message: string };

interface RawSession {
  run(data: Float32Array, shape: number[]): Promise<{ output: Float32Array; shape: number[] }>;
}

let session: RawSession | undefined;
let job: RawJob | undefined;
/** The job's preprocessing folded per channel: x·scales[c] + shifts[c] (one entry: every value). */
let fold: { scales: Float64Array; shifts: Float64Array } | undefined;

type Reply = (message: RawReply, transfer?: Transferable[]) => void;

/** Main thread → raw worker, once: a port to take requests on as well (answered on that port). */
export interface RawPortMessage {
  type: 'port';
  port: MessagePort;
}

self.addEventListener('message', (event: MessageEvent<RawRequest | RawPortMessage>) => {
  const request = event.data;
  if (request.type === 'port') {
    const { port } = request;
    port.addEventListener('message', (e: MessageEvent<RawRequest>) => handle(e.data, (m, t = []) => port.postMessage(m, t)));
    port.start();
    return;
  }
  handle(request, reply);
});

function handle(request: RawRequest, reply: Reply): void {
  if (request.type === 'load') {
    const started = performance.now();
    load(request.backend, request.url, request.settings).then(
      (loaded) => {
        session = loaded;
        job = request.job;
        fold = foldPreprocessing(request.job.preprocessing);
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
  if (request.type === 'job') {
    runJob(session, request.data, request.shape).then(
      ({ output, shape }) => reply({ type: 'result', id: request.id, output, shape, ms: performance.now() - started }, [output.buffer as ArrayBuffer]),
      (error: unknown) => reply({ type: 'error', id: request.id, message: text(error) }),
    );
    return;
  }
  session.run(request.data, request.shape).then(
    ({ output, shape }) => reply({ type: 'result', id: request.id, output, shape, ms: performance.now() - started }, [output.buffer as ArrayBuffer]),
    (error: unknown) => reply({ type: 'error', id: request.id, message: text(error) }),
  );
}

/** The same job as edgeloop's `predict`, written by hand: preprocess in place, run, activate in place. */
async function runJob(loaded: RawSession, data: Float32Array | Int32Array | Uint8Array, shape: number[]): Promise<{ output: Float32Array; shape: number[] }> {
  const { scales, shifts } = fold!;
  // The input arrived by structured clone: it is ours, so a float input is preprocessed where it lies.
  const x = data instanceof Float32Array ? data : new Float32Array(data.length);
  if (scales.length === 1) {
    const a = scales[0]!;
    const b = shifts[0]!;
    for (let i = 0; i < x.length; i++) x[i] = data[i]! * a + b;
  } else {
    const channels = scales.length;
    const stride = job!.layout === 'NCHW' ? shape.slice(2).reduce((p, q) => p * q, 1) : 1;
    for (let i = 0; i < x.length; i++) {
      const c = stride === 1 ? i % channels : Math.floor(i / stride) % channels;
      x[i] = data[i]! * scales[c]! + shifts[c]!;
    }
  }
  const { output, shape: outShape } = await loaded.run(x, shape);
  const own = output.byteOffset === 0 && output.byteLength === output.buffer.byteLength ? output : output.slice();
  activate(own, outShape[outShape.length - 1] ?? own.length, job!.activation);
  return { output: own, shape: outShape };
}

function foldPreprocessing(preprocessing: Preprocessing | undefined): { scales: Float64Array; shifts: Float64Array } {
  const { scale = 1, invert = false, mean, std } = preprocessing ?? {};
  // As edgeloop's normalise: one mean/std applies to every value.
  const channels = mean && std && mean.length > 1 ? mean.length : 1;
  const scales = new Float64Array(channels);
  const shifts = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = mean && std ? mean[mean.length === 1 ? 0 : c]! : 0;
    const s = mean && std ? std[std.length === 1 ? 0 : c]! : 1;
    scales[c] = (invert ? -scale : scale) / s;
    shifts[c] = ((invert ? 1 : 0) - m) / s;
  }
  return { scales, shifts };
}

/** The activation over rows of `width`, in place. */
function activate(values: Float32Array, width: number, activation: ManifestOutput['activation']): void {
  if (activation === 'sigmoid') {
    for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-values[i]!));
  } else if (activation === 'softmax') {
    for (let row = 0; row < values.length; row += width) {
      let max = -Infinity;
      for (let i = row; i < row + width; i++) max = Math.max(max, values[i]!);
      let sum = 0;
      for (let i = row; i < row + width; i++) sum += values[i] = Math.exp(values[i]! - max);
      for (let i = row; i < row + width; i++) values[i]! /= sum;
    }
  }
}

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
