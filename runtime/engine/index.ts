/** Engines and backend choice (internal to the runtime; the public names are re-exported by runtime/index.ts). */
export { allowedBackends, chooseBackend, type BackendCandidate, type BackendReport, type Choice, type ChooseOptions } from './backend-choice.ts';
export { detectCapabilities } from './capabilities.ts';
export { BACKEND_IDS, engineOf, isWebGpuBackend, type BackendId, type Capabilities, type TensorData } from './types.ts';
export { dequantizeTfjsWeights, type DequantizedTfjsWeights, type EdgeloopWeightQuantization, type EdgeloopWeightSpec } from './dequantize-tfjs-weights.ts';
