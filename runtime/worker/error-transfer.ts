/**
 * Keeps errors typed across the worker boundary. Comlink's default "throw" handler
 * flattens an error to `{ message, name, stack }`; this one keeps an EdgeloopError's
 * `code`, `details` and (one level of) `cause`, and TypeError/RangeError's class.
 * Installed on both sides.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { EdgeloopError, type EdgeloopErrorCode } from '../errors.ts';

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  cause?: { name: string; message: string };
}

type Thrown = { isError: true; value: SerializedError } | { isError: false; value: unknown };

const ERROR_CLASSES: Record<string, ErrorConstructor> = { TypeError, RangeError };

/** Rebuilds a coded error class on the receiving side. */
type CodedErrorFactory = (code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown }) => Error;

const CODED_ERRORS = new Map<string, CodedErrorFactory>([
  ['EdgeloopError', (code, message, options) => new EdgeloopError(code as EdgeloopErrorCode, message, options)],
]);

/**
 * Lets another component's coded error class (`name`, `code`, `details`) cross the
 * worker boundary as itself, like EdgeloopError does. Register it on both sides.
 */
export function registerTransferableError(name: string, factory: CodedErrorFactory): void {
  CODED_ERRORS.set(name, factory);
}

function serialize(error: Error): SerializedError {
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const coded = error as Error & { code?: unknown; details?: Record<string, unknown> };
  if (CODED_ERRORS.has(error.name) && typeof coded.code === 'string') {
    out.code = coded.code;
    // details must be structured-cloneable; drop anything that is not.
    try {
      out.details = structuredClone(coded.details ?? {});
    } catch {
      out.details = JSON.parse(JSON.stringify(coded.details ?? {})) as Record<string, unknown>;
    }
  }
  if (error.cause instanceof Error) out.cause = { name: error.cause.name, message: error.cause.message };
  return out;
}

function deserialize(value: SerializedError): Error {
  const cause = value.cause ? Object.assign(new Error(value.cause.message), { name: value.cause.name }) : undefined;
  let error: Error;
  const factory = value.code ? CODED_ERRORS.get(value.name) : undefined;
  if (factory && value.code) {
    error = factory(value.code, value.message, { details: value.details, cause });
  } else {
    error = new (ERROR_CLASSES[value.name] ?? Error)(value.message, cause ? { cause } : undefined);
    // Keep e.g. 'AbortError' or 'OperationError' recognisable by name.
    if (!ERROR_CLASSES[value.name]) error.name = value.name;
  }
  if (value.stack) error.stack = value.stack;
  return error;
}

/** Replaces comlink's "throw" handler with one that keeps error codes. Idempotent. */
export function installErrorTransfer(): void {
  const original = transferHandlers.get('throw');
  if (!original || (original as { edgeloop?: boolean }).edgeloop) return;
  const handler: TransferHandler<{ value: unknown }, Thrown> & { edgeloop: true } = {
    edgeloop: true,
    canHandle: (value: unknown): value is { value: unknown } => original.canHandle(value),
    serialize: ({ value }) => [value instanceof Error ? { isError: true, value: serialize(value) } : { isError: false, value }, []],
    deserialize: (thrown) => {
      throw thrown.isError ? deserialize(thrown.value) : thrown.value;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
