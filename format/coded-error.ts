/**
 * The one coded-error base class. Every component's error (`EdgeloopError`,
 * `TrainerError`, `CompressError`, `EdgeTargetError`, `SyncError`) extends it: a `name`
 * that says which component, a `code` from that component's string-literal union,
 * structured `details` and an optional `cause`. Check `error.code` (and `error.name`),
 * never the message text. Codes cross every worker boundary through
 * `installErrorTransfer` (`error-transfer.ts`).
 */

/** Options of every coded error. */
export interface CodedErrorOptions {
  /** Structured facts about the failure (field path, expected/actual values, URLs). */
  details?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A typed error with a stable, machine-readable `code`. */
export class CodedError<Code extends string = string> extends Error {
  override name = 'CodedError';
  readonly code: Code;
  readonly details: Record<string, unknown>;

  constructor(code: Code, message: string, options: CodedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** A coded error class: what the worker transfer rebuilds on the receiving side. */
export type CodedErrorClass = new (code: never, message: string, options?: CodedErrorOptions) => CodedError;

/**
 * True when `value` is a coded error called `name` (optionally with `code`). Checks the
 * name, not the prototype, so an error rebuilt after crossing a worker, or thrown by
 * another copy of the library, still matches.
 */
export function isCodedError<E extends CodedError>(value: unknown, name: string, code?: E['code']): value is E {
  return (
    value instanceof Error &&
    value.name === name &&
    typeof (value as CodedError).code === 'string' &&
    (code === undefined || (value as CodedError).code === code)
  );
}
