/**
 * edgeloop — the on-device runtime. Public names by section.
 *
 * The face is small and the same whether the work runs in the runtime's worker or
 * in-thread: `createRuntime()` → `runtime.load`, `runtime.capabilities`,
 * `runtime.store.*`, `runtime.dispose`.
 */

// ### Runtime (main thread)
/** Starts the runtime worker; {@link resolveRuntimeSettings} is what it does with the options. */
export { createRuntime, resolveRuntimeSettings, type LoadOptions, type Runtime, type RuntimeOptions } from './client.ts';
/** A loaded model: `predict`, `predictBatch`, `reset`, `backendReport`, `dispose`. */
export type { Model, ModelBatchOptions, ModelFeedbackOptions, ModelInput, ModelPredictOptions, NamedInput, NamedInputs } from './client/model-client.ts';
export type { BatchOptions, BatchProgress, LoadPhases, LoadProgress, PredictOptions, Prediction, PrecisionOption, TensorInputValues, TensorOutput, TensorPrediction } from './worker/api.ts';
export type { TensorInput, TopK } from './worker/preprocess.ts';
/** The manifest's numeric preprocessing (`scale`, `invert`, `mean`/`std` along a channel axis), as the worker applies it: for tools that feed a model outside the runtime. */
export { normalise } from './worker/preprocess.ts';

// ### Model store (`runtime.store`)
export type { InstallOptions, PackageInMemory, RuntimeStore, StorageInfo } from './client/store-client.ts';
export type { InstallProgress, InstallResult, InstalledVersion, UpdateCheck, UpdatePolicy, StorageEstimate, StoreIntegrity } from './worker/api.ts';

// ### Drift telemetry (`runtime.telemetry`, docs/TELEMETRY.md)
export type { RuntimeTelemetry } from './client/telemetry-client.ts';
export type { TelemetryOptions, TelemetrySettings } from './telemetry/telemetry-settings.ts';
export type { FlushResult, TelemetryStatus } from './telemetry/telemetry-service.ts';
export type { DriftEvent } from './telemetry/drift-event.ts';
/** The fixed latency bin edges (ms) every device uses. */
export { LATENCY_EDGES_MS } from './telemetry/histogram.ts';

// ### Labelled examples (`model.feedback`, `runtime.feedback`)
export type { RuntimeFeedback } from './client/feedback-client.ts';
export type { FeedbackOptions, FeedbackSettings } from './feedback/feedback-settings.ts';
export type { ExampleCounts } from './feedback/example-store.ts';
export type { FeedbackFlushResult, FeedbackReceipt } from './feedback/feedback-service.ts';
/** The IndexedDB database the device's labelled examples live in (by default). */
export { FEEDBACK_DB_NAME } from './feedback/feedback-settings.ts';

// ### Backends
/** The backend table (one row per backend) and what a load reports about its backend and artifact choice. */
export { BACKEND_IDS, BACKEND_TABLE, backendRow, isBackendId, type BackendCandidate, type BackendDevice, type BackendId, type BackendReport, type BackendRow, type Capabilities } from './engine/index.ts';

// ### Engines (for tools: the compressor, benchmarks)
/**
 * Load and run an artifact in memory as the runtime does, in Node or a worker:
 * `createEngineSession(backend, { files, paths })` (tfjs-cpu, tfjs-wasm and ort-wasm run
 * in Node), `predictInBatches((x) => session.run(x), input, { batchSize })` (the one batched
 * predict loop), `readTfjsArtifact` (model.json + shards → `tf.io.fromMemory` input).
 */
export {
  concatRows,
  createEngineSession,
  DEFAULT_ENGINE_SETTINGS,
  dequantizeTfjsWeights,
  EnginePool,
  predictInBatches,
  readTfjsArtifact,
  type ArtifactBytes,
  type BatchResult,
  type NamedTensor,
  type NamedTensors,
  type TensorValues,
  type CreateEngineSessionOptions,
  type DequantizedTfjsWeights,
  type EdgeloopWeightQuantization,
  type EdgeloopWeightSpec,
  type EngineSession,
  type EngineSettings,
  type PredictInBatchesOptions,
  type SessionRequest,
  type TensorData,
} from './engine/index.ts';

// ### Errors
export { EdgeloopError, isEdgeloopError, type EdgeloopErrorCode, type EdgeloopErrorOptions } from '../format/index.ts';

// ### Package format (types; the format's functions are `edgeloop/format`)
export type { Artifact, ArtifactEngine, Manifest, ManifestInput, ManifestOutput, Precision, Task, TensorDtype } from '../format/index.ts';
