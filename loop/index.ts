/**
 * edgeloop's loop: what turns field signals into a new version on devices. Retraining
 * jobs (fine-tune the parent on the feedback the field shared, judge by the gate, publish
 * signed, point the alias's canary at it) run in the sync endpoint's job workers; this
 * room holds the handler and talks to the endpoint over HTTP. Node-only data sources:
 * `loop/node.ts`.
 */

// ### Errors
export { LoopError, type LoopErrorCode, type LoopErrorOptions } from './loop-error.ts';

// ### Retraining
export { runRetrainJob, retrainRequestOf, nextVersion, type QueuedRetrainJob, type LabelledRows, type RetrainContext, type RetrainRequest, type RetrainResult, type RetrainSettings, type TrainingDataSource } from './retrain/retrain-job.ts';
export { buildLikeParent, type LikeParent, type LikeParentInput } from './retrain/parent-artifacts.ts';
export { DEFAULT_GATE, judgeGate, type GateDecision, type GateFigures, type GateRule } from './retrain/gate.ts';
export { EndpointClient, feedbackInput, type DriftReport, type FeedbackRow, type FetchedPackage, type ModelInfo, type TelemetrySummary } from './retrain/endpoint-client.ts';

// ### Canary: promote or roll back by the field's telemetry
export { decideCanary, DEFAULT_CANARY_RULE, binnedMean, histogramQuantile, type CanaryDecision, type CanaryRule, type SideFigures } from './canary/canary-decision.ts';
export { checkCanary, type CanaryCheck, type CheckCanaryOptions } from './canary/canary-check.ts';
