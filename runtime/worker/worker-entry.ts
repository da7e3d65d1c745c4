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
import { isPredictRequest, serializeError, type PredictReply } from './predict-wire.ts';

installErrorTransfer();

const wasmPaths = {
  'tfjs-backend-wasm.wasm': tfjsWasm,
  'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
  // onnxruntime-web's key for its wasm binary
  wasm: ortWasm,
};

/** The first message carries the resolved settings; then comlink (and the predict fast path) take over. */
self.addEventListener(
  'message',
  async (event: MessageEvent<{ type: 'edgeloop:init'; settings: RuntimeSettings; port: MessagePort }>) => {
    if (event.data?.type !== 'edgeloop:init') return;
    const { settings, port } = event.data;
    // Telemetry is off unless configured: its code loads only then. Calls on the port
    // wait meanwhile (a MessagePort queues messages until comlink's expose starts it).
    const telemetry = settings.telemetry ? new (await import('../telemetry/telemetry-service.ts')).TelemetryService(settings.telemetry) : undefined;
    const service = new RuntimeService(settings, wasmPaths, telemetry);
    servePredictions(port, service);
    expose(service, port);
  },
  { once: true },
);

/** Answers the hot path's predict messages (predict-wire.ts) on the port comlink also listens on. */
function servePredictions(port: MessagePort, service: RuntimeService): void {
  port.addEventListener('message', (event: MessageEvent<unknown>) => {
    const request = event.data;
    if (!isPredictRequest(request)) return;
    const { seq } = request;
    // The input is this worker's own copy (cloned or transferred): preprocess it in place.
    service.predictPacked(request.model, request.input, { inPlace: true }).then(
      (packed) => port.postMessage({ edgeloop: 'predicted', seq, ...packed } satisfies PredictReply, [packed.output.buffer]),
      (error: unknown) => port.postMessage({ edgeloop: 'predicted', seq, error: serializeError(error) } satisfies PredictReply),
    );
  });
}
