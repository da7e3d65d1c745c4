/**
 * Sends one registry file the way caches and resumable downloads expect: a strong
 * `ETag` with `If-None-Match` → 304, single `Range` requests → 206 (RFC 9110 §14),
 * and gzip/br for compressible files when the client accepts them. Compressed
 * variants get their own ETag (RFC 9110 §8.8.3: a different representation) and
 * `Vary: Accept-Encoding` is added to whatever `Vary` is already set.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SyncError } from './errors.ts';

/** One file to send. */
export interface Representation {
  /** The content's identity (the SHA-256 hex of the bytes); the ETag is derived from it. */
  id: string;
  contentType: string;
  cacheControl: string;
  size: number;
  /** The bytes, when they are in memory (indexes, small JSON files). */
  bytes?: Uint8Array;
  /** Otherwise the file holding them. */
  file?: string;
  /**
   * Otherwise a reader of bytes `start` to `end` (inclusive; a database blob), called only
   * for a response with a body, so a 304, a HEAD or a 416 reads nothing.
   */
  read?: (start: number, end: number) => Promise<Uint8Array>;
  /** Offer gzip/br (JSON). Only honoured with `bytes`. */
  compressible: boolean;
}

type Encoding = 'br' | 'gzip';

/** A small cache of compressed variants by `id` + encoding; content is immutable per id. */
export class CompressionCache {
  readonly #entries = new Map<string, Buffer>();
  readonly #limit: number;

  constructor(limit = 256) {
    this.#limit = limit;
  }

  get(id: string, encoding: Encoding, bytes: Uint8Array): Buffer {
    const key = `${id}.${encoding}`;
    let out = this.#entries.get(key);
    if (out === undefined) {
      out = encoding === 'br' ? brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }) : gzipSync(bytes, { level: 6 });
      if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, out);
    }
    return out;
  }
}

/** The ETag suffix of each encoding, as docs/SYNC-API.md states them: `"<sha256>.gz"`, `"<sha256>.br"`. */
const ETAG_SUFFIX: Record<Encoding, string> = { gzip: 'gz', br: 'br' };

const etagOf = (id: string, encoding?: Encoding) => `"${id}${encoding ? `.${ETAG_SUFFIX[encoding]}` : ''}"`;

/** True when an `If-None-Match` list names one of `etags` (weak comparison, RFC 9110 §13.1.2). */
export function matchesIfNoneMatch(header: string | undefined, etags: readonly string[]): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => etags.includes(tag.trim().replace(/^W\//, '')));
}

function pickEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(coding.trim(), q ? Number(q[1]) : 1);
  }
  if ((accepted.get('br') ?? 0) > 0) return 'br';
  if ((accepted.get('gzip') ?? 0) > 0) return 'gzip';
  return undefined;
}

/**
 * Adds `value` to the response's `Vary` list, keeping what is there (the CORS plugin's
 * `Origin`): a shared cache must key on both, or it serves one origin's copy to another.
 */
function appendVary(reply: FastifyReply, value: string): void {
  const current = reply.getHeader('vary');
  const list = (Array.isArray(current) ? current.join(',') : current === undefined ? '' : String(current))
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (list.includes('*') || list.some((v) => v.toLowerCase() === value.toLowerCase())) return;
  reply.header('vary', [...list, value].join(', '));
}

/**
 * The byte range a `Range` header asks for (RFC 9110 §14.1.2): `undefined` to send the
 * whole file (no header, a syntax or unit this server ignores, or several ranges,
 * which the server may answer whole), or `'unsatisfiable'` (416) for a single range
 * that selects no byte: a first byte at or past the end, a zero-length suffix, or any
 * range of an empty file. A suffix longer than the file, or a last byte past the end,
 * selects up to the end.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  // last < first is not a valid range-spec: ignored, like any other bad syntax.
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return { start, end };
}

/**
 * Sends `rep` with conditional, range and compression handling: the one place that
 * picks the representation (identity, gzip or br), and from it the `ETag`, `Vary`,
 * `Content-Encoding` and `Content-Length`. HEAD goes through the same steps and gets
 * the same headers as GET, without the body. A promise only when the bytes come from
 * `rep.read` (return it from the handler either way).
 */
export function sendRepresentation(request: FastifyRequest, reply: FastifyReply, rep: Representation, cache: CompressionCache): FastifyReply | Promise<FastifyReply> {
  const identityTag = etagOf(rep.id);
  const compressible = rep.compressible && rep.bytes !== undefined && rep.size >= 256;
  reply.header('cache-control', rep.cacheControl);
  reply.header('content-type', rep.contentType);
  reply.header('accept-ranges', 'bytes');
  reply.header('cross-origin-resource-policy', 'cross-origin');
  // On every answer for this URL (200, 206, 304, 416): which one a client gets depends on Accept-Encoding.
  if (compressible) appendVary(reply, 'Accept-Encoding');

  const ifRange = request.headers['if-range'] as string | undefined;
  const range = ifRange === undefined || ifRange.trim() === identityTag ? parseRange(request.headers.range, rep.size) : undefined;
  // A range is served from the identity bytes; otherwise the client's Accept-Encoding picks.
  const encoding = compressible && range === undefined ? pickEncoding(request.headers['accept-encoding']) : undefined;
  const etag = etagOf(rep.id, encoding);

  if (matchesIfNoneMatch(request.headers['if-none-match'], [identityTag, etagOf(rep.id, 'br'), etagOf(rep.id, 'gzip')])) {
    // RFC 9110 §15.4.5: a 304 carries the ETag the 200 would have had.
    reply.header('etag', etag);
    return reply.code(304).send();
  }
  if (range === 'unsatisfiable') {
    throw new SyncError('RANGE_NOT_SATISFIABLE', `the requested range is outside the file (${rep.size} bytes)`, {
      headers: { 'content-range': `bytes */${rep.size}` },
    });
  }
  reply.header('etag', etag);
  if (range !== undefined) {
    reply.header('content-range', `bytes ${range.start}-${range.end}/${rep.size}`);
    return send(request, reply.code(206), rep, range.start, range.end);
  }
  if (encoding !== undefined) {
    const body = cache.get(rep.id, encoding, rep.bytes!);
    reply.header('content-encoding', encoding);
    reply.header('content-length', body.byteLength);
    return reply.code(200).send(request.method === 'HEAD' ? Readable.from([]) : body);
  }
  return send(request, reply.code(200), rep, 0, rep.size - 1);
}

/** The headers of a representation, dropped when its bytes cannot be read: an error must not be cached as the immutable file. */
const REPRESENTATION_HEADERS = ['cache-control', 'etag', 'content-range', 'content-length', 'accept-ranges', 'content-encoding'];

function send(request: FastifyRequest, reply: FastifyReply, rep: Representation, start: number, end: number): FastifyReply | Promise<FastifyReply> {
  const length = Math.max(0, end - start + 1);
  reply.header('content-length', length);
  if (request.method === 'HEAD' || length === 0) return reply.send(Readable.from([]));
  if (rep.bytes !== undefined) return reply.send(Buffer.from(rep.bytes.buffer, rep.bytes.byteOffset + start, length));
  if (rep.read !== undefined) {
    return rep.read(start, end).then(
      (bytes) => {
        if (bytes.byteLength !== length) {
          throw new SyncError('INTERNAL', `the stored blob ${rep.id} holds ${bytes.byteLength} bytes where ${length} were expected from ${start}`);
        }
        return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, length));
      },
    ).catch((error: unknown) => {
      for (const name of REPRESENTATION_HEADERS) reply.removeHeader(name);
      throw error;
    });
  }
  return reply.send(createReadStream(rep.file!, { start, end }));
}
