/**
 * The devices component's error class. Check `error.code`, never the message.
 */

/** What went wrong. */
export type EdgeTargetErrorCode =
  /** No target has the requested id (`details.known` lists the ids there are). */
  | 'TARGET_UNKNOWN'
  /** A target definition is malformed (`details.field` names the field). */
  | 'TARGET_INVALID';

/** Options of {@link EdgeTargetError}. */
export interface EdgeTargetErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** A typed devices error. */
export class EdgeTargetError extends Error {
  override readonly name = 'EdgeTargetError';
  readonly code: EdgeTargetErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: EdgeTargetErrorCode, message: string, options: EdgeTargetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `value` is an {@link EdgeTargetError}, optionally with the given code. */
export function isEdgeTargetError(value: unknown, code?: EdgeTargetErrorCode): value is EdgeTargetError {
  return value instanceof Error && value.name === 'EdgeTargetError' && typeof (value as EdgeTargetError).code === 'string' && (code === undefined || (value as EdgeTargetError).code === code);
}
