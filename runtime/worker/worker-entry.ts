/**
 * The module worker: a RuntimeService behind comlink, and the hot call (predict-wire.ts)
 * answered beside it, both on the worker's own `postMessage` (message-router.ts). The
 * wasm binaries are referenced with `?url` so the bundler copies them and gives us their
 * final URLs; engines fetch them only when first used.
 */
import { expose } from 'comlink';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { installErrorTransfer } from '../../format/index.ts';
import { RuntimeService } from './runtime-service.ts';
import { routeMessages, type PredictHandler, type WorkerScope } from './message-router.ts';
import { serializeError, type PredictReply, type PredictRequest } from './predict-wire.ts';

installErrorTransfer();

const wasmPaths = {
  'tfjs-backend-wasm.wasm': tfjsWasm,
  'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
  // onnxruntime-web's key for its wasm binary
  wasm: ortWasm,
};

const scope: WorkerScope = self;

routeMessages(scope, async ({ settings }, endpoint) => {
  // Telemetry is off unless configured: its code loads only then (calls wait meanwhile).
  const telemetry = settings.telemetry ? new (await import('../telemetry/telemetry-service.ts')).TelemetryService(settings.telemetry) : undefined;
  const service = new RuntimeService(settings, wasmPaths, telemetry);
  expose(service, endpoint);
  return answerPredictions(service);
});

/** The hot path's handler: the input is this worker's own copy (cloned or transferred), so it is preprocessed in place. */
function answerPredictions(service: RuntimeService): PredictHandler {
  const inPlace = { inPlace: true } as const;
  return (request: PredictRequest) => {
    const { seq } = request;
    service.predictPacked(request.model, request.input, inPlace).then(
      (packed) => scope.postMessage({ edgeloop: 'predicted', seq, ...packed } satisfies PredictReply, [packed.output.buffer]),
      (error: unknown) => scope.postMessage({ edgeloop: 'predicted', seq, error: serializeError(error) } satisfies PredictReply, []),
    );
  };
}
