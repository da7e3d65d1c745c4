/** The compressor's module worker: exposes a CompressService over comlink. */
import { expose } from 'comlink';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { installErrorTransfer } from '../../format/index.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../runtime/index.ts';
import { CompressService } from './compress-service.ts';

installErrorTransfer();
expose(new CompressService({ engineSettings: { ...DEFAULT_ENGINE_SETTINGS, wasmPaths: { wasm: ortWasm } } }));
