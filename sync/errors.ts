/**
 * The one error class of the sync endpoint. Every rejection the endpoint answers is a
 * `SyncError` turned into `{ error: { code, message } }` with the status of its code
 * (see docs/SYNC-API.md); check `error.code`, never the message text.
 */
import { CodedError, isCodedError, type CodedErrorOptions } from '../format/index.ts';

/** What went wrong, as a stable machine-readable code. */
export type SyncErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'INTEGRITY_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_UNTRUSTED'
  | 'SIGNATURE_MISSING'
  | 'MANIFEST_INVALID'
  // telemetry that the version's baseline or the clock contradicts
  | 'TELEMETRY_INCONSISTENT'
  | 'WINDOW_IN_FUTURE'
  // feedback that the version's manifest contradicts, or a model's full dataset
  | 'FEEDBACK_INCONSISTENT'
  | 'FEEDBACK_FULL'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'INTERNAL'
  // job workers (never an HTTP answer): a worker that no longer holds its job, or is stopping
  | 'LEASE_LOST'
  | 'WORKER_STOPPED'
  // start-up
  | 'CONFIG_INVALID';

/** The HTTP status each code answers with. */
export const STATUS_OF: Readonly<Record<SyncErrorCode, number>> = Object.freeze({
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  INTEGRITY_MISMATCH: 422,
  SIGNATURE_INVALID: 422,
  SIGNATURE_UNTRUSTED: 422,
  SIGNATURE_MISSING: 422,
  MANIFEST_INVALID: 422,
  TELEMETRY_INCONSISTENT: 422,
  WINDOW_IN_FUTURE: 422,
  FEEDBACK_INCONSISTENT: 422,
  FEEDBACK_FULL: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  CONFIG_INVALID: 500,
  LEASE_LOST: 409,
  WORKER_STOPPED: 503,
});

/** Options for {@link SyncError}. */
export interface SyncErrorOptions extends CodedErrorOptions {
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/** A typed endpoint error. */
export class SyncError extends CodedError<SyncErrorCode> {
  override readonly name = 'SyncError';
  readonly headers: Record<string, string>;

  constructor(code: SyncErrorCode, message: string, options: SyncErrorOptions = {}) {
    super(code, message, options);
    this.headers = options.headers ?? {};
  }

  /** The HTTP status this error answers with. */
  get statusCode(): number {
    return STATUS_OF[this.code];
  }
}

/** True when `value` is a {@link SyncError}, optionally with the given code. */
export function isSyncError(value: unknown, code?: SyncErrorCode): value is SyncError {
  return isCodedError<SyncError>(value, 'SyncError', code);
}
