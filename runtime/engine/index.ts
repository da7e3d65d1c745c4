/** Engines, the backend table and artifact / backend choice (internal to the runtime; the public names are re-exported by runtime/index.ts). */
export { BACKEND_IDS, BACKEND_TABLE, backendRow, isBackendId, type BackendDevice, type BackendRow } from './backend-table.ts';
export { chooseArtifacts, deviceClassOf, describeDevice, type ArtifactChoiceOptions, type ArtifactPlan, type ChosenArtifact, type ExcludedBackend, type PrecisionOption } from './artifact-choice.ts';
export { chooseBackend, failoverOrder, type BackendCandidate, type BackendReport, type Choice, type ChooseOptions } from './backend-choice.ts';
export { detectCapabilities } from './capabilities.ts';
export { createEngineSession, DEFAULT_ENGINE_SETTINGS, EnginePool, type CreateEngineSessionOptions } from './engine-pool.ts';
export { concatRows, predictInBatches, type BatchResult, type PredictInBatchesOptions } from './predict-in-batches.ts';
export { readTfjsArtifact } from './read-tfjs-artifact.ts';
export type { ArtifactBytes, BackendId, Capabilities, Engine, EngineSession, EngineSettings, NamedTensor, NamedTensors, SessionRequest, TensorData, TensorValues } from './types.ts';
export { dequantizeTfjsWeights, type DequantizedTfjsWeights, type EdgeloopWeightQuantization, type EdgeloopWeightSpec } from './dequantize-tfjs-weights.ts';
