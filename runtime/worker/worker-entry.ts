/**
 * The module worker: exposes a RuntimeService over comlink. The wasm binaries are
 * referenced with `?url` so the bundler copies them and gives us their final URLs;
 * engines fetch them only when first used.
 */
import { expose } from 'comlink';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { installErrorTransfer } from '../../format/index.ts';
import { RuntimeService } from './runtime-service.ts';
import type { RuntimeSettings } from './api.ts';

installErrorTransfer();

const wasmPaths = {
  'tfjs-backend-wasm.wasm': tfjsWasm,
  'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
  // onnxruntime-web's key for its wasm binary
  wasm: ortWasm,
};

/** The first message carries the resolved settings; then comlink takes over. */
self.addEventListener(
  'message',
  (event: MessageEvent<{ type: 'edgeloop:init'; settings: RuntimeSettings; port: MessagePort }>) => {
    if (event.data?.type !== 'edgeloop:init') return;
    expose(new RuntimeService(event.data.settings, wasmPaths), event.data.port);
  },
  { once: true },
);
