/**
 * Keeps errors typed across every worker boundary. Comlink's default "throw" handler
 * flattens an error to `{ message, name, stack }`; this one keeps any coded error's
 * `name`, `code`, `details` and (one level of) `cause`, and TypeError/RangeError's
 * class. Each component's error class registers itself (`registerCodedError`) so it is
 * rebuilt as itself; a coded error whose class is not loaded on the receiving side
 * arrives as a {@link CodedError} with the same `name` and `code`, so checks by name and
 * code (`isTrainerError(e, 'DATA_EMPTY')`) hold either way. Install it on both sides.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { CodedError, type CodedErrorClass } from './coded-error.ts';

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
const CODED_CLASSES = new Map<string, CodedErrorClass>();

/** Lets a coded error class be rebuilt as itself after crossing a worker boundary. */
export function registerCodedError(name: string, errorClass: CodedErrorClass): void {
  CODED_CLASSES.set(name, errorClass);
}

function serialize(error: Error): SerializedError {
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const coded = error as Error & { code?: unknown; details?: Record<string, unknown> };
  if (typeof coded.code === 'string') {
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
  if (value.code !== undefined) {
    const CodedClass = CODED_CLASSES.get(value.name);
    const options = { details: value.details, cause };
    if (CodedClass) error = new CodedClass(value.code as never, value.message, options);
    else error = Object.assign(new CodedError(value.code, value.message, options), { name: value.name });
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
