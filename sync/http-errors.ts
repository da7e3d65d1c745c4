/**
 * Every failure becomes `{ error: { code, message } }`: fastify's own errors (schema
 * validation, content type, body size, JSON syntax) are mapped to the contract's codes
 * so that nothing a client sends turns into a 5xx.
 */
import type { FastifyError } from 'fastify';
import { SyncError, type SyncErrorCode } from './errors.ts';

const FASTIFY_CODES: Record<string, SyncErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
};

const BY_STATUS: Record<number, SyncErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  429: 'RATE_LIMITED',
};

/** The package-format codes a publish can fail with, passed through as they are. */
const FORMAT_CODES = new Set<string>(['MANIFEST_INVALID', 'INTEGRITY_MISMATCH', 'SIGNATURE_INVALID', 'SIGNATURE_UNTRUSTED', 'SIGNATURE_MISSING']);

/** Maps any thrown value to the {@link SyncError} the client will see. */
export function toSyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  if (error instanceof Error && error.name === 'EdgeloopError') {
    // The package format's error (runtime/errors.ts), recognised by name and code.
    const format = error as Error & { code: string; details?: Record<string, unknown> };
    if (FORMAT_CODES.has(format.code)) return new SyncError(format.code as SyncErrorCode, format.message, { details: format.details, cause: error });
    if (format.code === 'MANIFEST_TOO_LARGE') return new SyncError('MANIFEST_INVALID', format.message, { details: format.details, cause: error });
  }
  const e = error as Partial<FastifyError> & { validation?: unknown };
  if (e.validation !== undefined) {
    return new SyncError('BAD_REQUEST', `the request does not match the schema: ${e.message ?? 'invalid'}`, { cause: error });
  }
  const mapped = (e.code !== undefined ? FASTIFY_CODES[e.code] : undefined) ?? (e.statusCode !== undefined ? BY_STATUS[e.statusCode] : undefined);
  if (mapped !== undefined) return new SyncError(mapped, e.message ?? mapped, { cause: error });
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new SyncError('BAD_REQUEST', e.message ?? 'bad request', { cause: error });
  return new SyncError('INTERNAL', 'the endpoint failed to handle the request; it was logged', { cause: error });
}
