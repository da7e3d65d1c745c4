/**
 * onnxruntime-web on the lab page's own thread, for e2e specs that compare edgeloop's
 * answers with the engine called directly in the same page: the same build
 * (`onnxruntime-web/webgpu`) and the same wasm file as the runtime's worker, one thread.
 * Imported on first use.
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

/** The onnxruntime-web module, set up to run on wasm in this page. */
export async function loadRawOrt(): Promise<typeof import('onnxruntime-web/webgpu')> {
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.wasmPaths = { wasm: ortWasm };
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  return ort;
}
