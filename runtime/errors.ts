/**
 * The one error class of the runtime and the package format. Every failure the
 * runtime reports is an `EdgeloopError` with a `code` from {@link EdgeloopErrorCode};
 * check `error.code`, never the message text. Codes survive the worker boundary
 * (see `worker/error-transfer.ts`).
 */

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
  | 'ABORTED';

/** Options for {@link EdgeloopError}. */
export interface EdgeloopErrorOptions {
  /** Structured facts about the failure (field path, expected/actual values, URLs). */
  details?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A typed runtime or format error. */
export class EdgeloopError extends Error {
  override readonly name = 'EdgeloopError';
  readonly code: EdgeloopErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: EdgeloopErrorCode, message: string, options: EdgeloopErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `value` is an {@link EdgeloopError}, optionally with the given code. */
export function isEdgeloopError(value: unknown, code?: EdgeloopErrorCode): value is EdgeloopError {
  return (
    value instanceof Error &&
    value.name === 'EdgeloopError' &&
    typeof (value as EdgeloopError).code === 'string' &&
    (code === undefined || (value as EdgeloopError).code === code)
  );
}
