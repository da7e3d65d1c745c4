/**
 * edgeloop — the on-device runtime. Public names by section.
 */

// ### Runtime (main thread)
export { createRuntime, resolveRuntimeSettings, type LoadOptions, type Model, type ModelBatchOptions, type ModelInput, type ModelPredictOptions, type Runtime, type RuntimeOptions, type InstallOptions, type StorageInfo } from './client.ts';
export type { BatchOptions, BatchProgress, LoadProgress, PredictOptions, Prediction, InstallProgress, InstallResult, InstalledVersion, UpdateCheck, UpdatePolicy, StorageEstimate } from './worker/api.ts';
export type { TensorInput, TopK } from './worker/preprocess.ts';

// ### Backends
export { BACKEND_IDS, type BackendCandidate, type BackendId, type BackendReport, type Capabilities } from './engine/index.ts';

// ### Errors
export { EdgeloopError, isEdgeloopError, type EdgeloopErrorCode, type EdgeloopErrorOptions } from '../format/index.ts';

// ### Package format (types; the format's functions are `edgeloop/format`)
export type { Artifact, ArtifactEngine, Manifest, Precision, Task } from '../format/index.ts';

