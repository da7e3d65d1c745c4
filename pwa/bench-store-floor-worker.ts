/**
 * The floor of the store benchmark (scripts/bench/store-bench.ts): a module worker that
 * gets a model's bytes already in memory (transferred with its one message) and builds
 * them with edgeloop's own engine code (`createEngineSession`: the same tfjs /
 * onnxruntime-web set-up, wasm binaries and settings as the runtime worker), then runs
 * the model once. No manifest, no signature, no store, no hashing, no comlink: what is
 * left is what any load of these bytes on this backend must pay.
 *
 * Protocol (plain postMessage): one {@link FloorRequest}, one {@link FloorReply}.
 */
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { createEngineSession, type BackendId } from '../runtime/index.ts';

// The same `?url` imports and keys as runtime/worker/worker-entry.ts: the same files, from the same HTTP cache.
const wasmPaths = {
  'tfjs-backend-wasm.wasm': tfjsWasm,
  'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
  wasm: ortWasm,
};

/** Main thread → floor worker: everything the load needs, the bytes transferred. */
export interface FloorRequest {
  backend: BackendId;
  /** The artifact's files by path, in manifest order (tfjs: model.json first). */
  files: Array<{ path: string; bytes: ArrayBuffer }>;
  inputName: string;
  outputName: string;
  /** The input after the manifest's preprocessing. */
  input: { data: Float32Array; shape: number[] };
  /** The runtime worker's engine settings (`resolveRuntimeSettings()`). */
  numThreads: number;
  tfjsFlags: Readonly<Record<string, number | boolean>>;
}

/** Floor worker → main thread: worker-side times of the two steps. */
export type FloorReply = { type: 'done'; engineMs: number; firstRunMs: number } | { type: 'error'; message: string };

self.addEventListener(
  'message',
  (event: MessageEvent<FloorRequest>) => {
    load(event.data).then(
      (reply) => self.postMessage(reply),
      (error: unknown) => self.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies FloorReply),
    );
  },
  { once: true },
);

async function load(request: FloorRequest): Promise<FloorReply> {
  const started = performance.now();
  const files = new Map(request.files.map((f) => [f.path, new Uint8Array(f.bytes)]));
  const session = await createEngineSession(
    request.backend,
    { files, paths: request.files.map((f) => f.path), inputName: request.inputName, outputName: request.outputName },
    { settings: { wasmPaths, numThreads: request.numThreads, tfjsFlags: request.tfjsFlags } },
  );
  const built = performance.now();
  await session.run(request.input);
  return { type: 'done', engineMs: built - started, firstRunMs: performance.now() - built };
}
