/**
 * The error class of the runtime and the package format. Every failure the runtime
 * reports is an `EdgeloopError` with a `code` from {@link EdgeloopErrorCode}; check
 * `error.code`, never the message text. Codes survive the worker boundary
 * (`error-transfer.ts`).
 */
import { CodedError, isCodedError, type CodedErrorOptions } from './coded-error.ts';
import { registerCodedError } from './error-transfer.ts';

/** What went wrong, as a stable machine-readable code. */
export type EdgeloopErrorCode =
  // package format
  | 'MANIFEST_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'INTEGRITY_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_UNTRUSTED'
  | 'SIGNATURE_MISSING'
  // fetching
  | 'FETCH_FAILED'
  | 'NOT_FOUND'
  // engines and backends
  | 'NO_COMPATIBLE_ARTIFACT'
  | 'PRECISION_UNAVAILABLE'
  | 'BACKEND_UNAVAILABLE'
  | 'WEBGPU_UNAVAILABLE'
  | 'ALL_BACKENDS_FAILED'
  | 'MODEL_LOAD_FAILED'
  | 'INFERENCE_FAILED'
  // model store and registry
  | 'INDEX_INVALID'
  | 'INDEX_EXPIRED'
  | 'ROLLBACK_REFUSED'
  | 'VERSION_NOT_FOUND'
  | 'NOT_INSTALLED'
  | 'VERSION_ACTIVE'
  | 'VERSION_IN_USE'
  | 'QUOTA_EXCEEDED'
  | 'STORE_UNAVAILABLE'
  // inputs and lifecycle
  | 'INPUT_INVALID'
  | 'MODEL_DISPOSED'
  | 'RUNTIME_DISPOSED'
  | 'RUNTIME_START_FAILED'
  | 'ABORTED';

/** Options for {@link EdgeloopError}. */
export type EdgeloopErrorOptions = CodedErrorOptions;

/** A typed runtime or format error. */
export class EdgeloopError extends CodedError<EdgeloopErrorCode> {
  override readonly name = 'EdgeloopError';
}
registerCodedError('EdgeloopError', EdgeloopError);

/** True when `value` is an {@link EdgeloopError}, optionally with the given code. */
export const isEdgeloopError = (value: unknown, code?: EdgeloopErrorCode): value is EdgeloopError => isCodedError<EdgeloopError>(value, 'EdgeloopError', code);
