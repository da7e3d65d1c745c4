/**
 * The hostile registry requests of issue 10, one row each: what a careful attacker
 * with an admin or app token (or none) sends to publish, the alias routes and the
 * static layout, and what the endpoint must answer. Every row must leave the store
 * as it was (rows and blobs); `headers` and `check` add what the response must carry.
 * The numbered items are the ones that failed once; the `held:` rows are the
 * categories that held, kept so they keep holding.
 */
import { createPackage, type BuiltPackage, type SigningKeyPair } from '../../format/index.ts';
import { publishBody, type PublishBody } from '../mnist-package.ts';
import type { TestResponse } from './http.ts';

/** What the rows are built from (made in the suite's `beforeAll`). */
export interface HostileSeeds {
  /** The model every row aims at; `1.0.0` of it is published. */
  name: string;
  published: BuiltPackage;
  /** `1.0.0` again with other bytes (another `createdAt`). */
  conflicting: BuiltPackage;
  /** A valid, trusted, unpublished `3.0.0`. */
  fresh: BuiltPackage;
  /** `3.0.0` signed by a key the endpoint does not trust. */
  stranger: BuiltPackage;
  /** A published version holding a zero-byte file. */
  empty: { version: string; path: string };
  /** A published file that is not JSON, and its size. */
  shard: { path: string; size: number };
  /** SHA-256 hex of the published `manifest.json`. */
  manifestSha256: string;
  /** The origin CORS allows. */
  origin: string;
}

/** One request. `token`: whose bearer token (none when absent); `bogus` is a token the endpoint does not know. */
export interface HostileRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST';
  path: string;
  token?: 'admin' | 'app' | 'bogus';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (set the content type in `headers`). */
  body?: string | Buffer;
}

/** One row of the table. */
export interface HostileCase {
  /** The issue item (`#9`) or `held: <category>`. */
  item: string;
  what: string;
  request: (s: HostileSeeds) => HostileRequest;
  status: number;
  /** The `error.code` of the answer (error answers only). */
  code?: string;
  /** Response headers that must be exactly this (a string) or match (a RegExp). */
  headers?: (s: HostileSeeds) => Record<string, string | RegExp | undefined>;
  /** More to check, with a way to send further (read-only) requests. */
  check?: (res: TestResponse, s: HostileSeeds, send: (r: HostileRequest) => Promise<TestResponse>) => Promise<void> | void;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const publishPath = (s: HostileSeeds, version = s.fresh.manifest.version, name = s.name) => `/v1/models/${name}/versions/${version}`;
const publishOf = (s: HostileSeeds, change: (body: PublishBody) => void, pkg: BuiltPackage = s.fresh): HostileRequest => {
  const body = publishBody(pkg);
  change(body);
  return { method: 'PUT', path: publishPath(s, pkg.manifest.version), token: 'admin', json: body };
};
const shardOf = (body: PublishBody): string => Object.keys(body.files).find((p) => p.endsWith('.bin'))!;
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

/** The same base64 with the last data character's unused bits set: Node decodes it to the same bytes. */
function withUnusedBits(text: string): string {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding === 0) throw new Error('withUnusedBits needs padded base64');
  const at = text.length - padding - 1;
  const changed = STANDARD[STANDARD.indexOf(text[at]) | 1];
  return text.slice(0, at) + changed + text.slice(at + 1);
}

/** The first field of `body` whose base64 is padded, for the padding rows. */
function paddedField(body: PublishBody): { get: () => string; set: (v: string) => void } {
  const fields = [
    { get: () => body.manifest, set: (v: string) => void (body.manifest = v) },
    { get: () => body.signature!, set: (v: string) => void (body.signature = v) },
    ...Object.keys(body.files).map((p) => ({ get: () => body.files[p], set: (v: string) => void (body.files[p] = v) })),
  ];
  const found = fields.find((f) => f.get().endsWith('='));
  if (!found) throw new Error('no padded base64 field in the publish body');
  return found;
}

/** The publish body with the manifest's JSON changed after signing (the signature no longer covers it). */
function editedManifest(s: HostileSeeds, change: (m: Record<string, any>) => void): HostileRequest {
  return publishOf(s, (body) => {
    const manifest = JSON.parse(Buffer.from(body.manifest, 'base64').toString('utf8')) as Record<string, any>;
    change(manifest);
    body.manifest = b64(`${JSON.stringify(manifest, null, 2)}\n`);
  });
}

/** The publish body with `manifest.sig`'s envelope changed. */
function editedEnvelope(s: HostileSeeds, change: (e: Record<string, string>) => void): HostileRequest {
  return publishOf(s, (body) => {
    const envelope = JSON.parse(Buffer.from(body.signature!, 'base64').toString('utf8')) as Record<string, string>;
    change(envelope);
    body.signature = b64(`${JSON.stringify(envelope)}\n`);
  });
}

const file = (s: HostileSeeds, path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): HostileRequest => ({
  method,
  path: `/registry/${s.name}/1.0.0/${path}`,
  headers,
});
const shardRange = (range: string) => (s: HostileSeeds) => file(s, s.shard.path, { range });
const emptyRange = (range: string) => (s: HostileSeeds) => ({ method: 'GET' as const, path: `/registry/${s.name}/${s.empty.version}/${s.empty.path}`, headers: { range } });
const whole = (s: HostileSeeds) => ({ 'content-range': undefined, 'content-length': String(s.shard.size) });

/** The headers a HEAD must repeat from the GET of the same request. */
const REPEATED = ['etag', 'content-length', 'content-encoding', 'content-type', 'vary', 'cache-control', 'accept-ranges', 'access-control-allow-origin'];
const headLikeGet = (request: (s: HostileSeeds) => HostileRequest) => async (head: TestResponse, s: HostileSeeds, send: (r: HostileRequest) => Promise<TestResponse>) => {
  const get = await send({ ...request(s), method: 'GET' });
  const pick = (res: TestResponse) => Object.fromEntries(REPEATED.map((h) => [h, res.headers[h]]));
  if (JSON.stringify(pick(head)) !== JSON.stringify(pick(get))) {
    throw new Error(`HEAD ${JSON.stringify(pick(head))} differs from GET ${JSON.stringify(pick(get))}`);
  }
  if (head.body.byteLength !== 0) throw new Error(`HEAD returned ${head.body.byteLength} body bytes`);
};

const gzipManifest = (s: HostileSeeds) => file(s, 'manifest.json', { origin: s.origin, 'accept-encoding': 'gzip' });
const brIndex = (s: HostileSeeds): HostileRequest => ({ method: 'GET', path: `/registry/${s.name}/index.json`, headers: { origin: s.origin, 'accept-encoding': 'br' } });

export const REGISTRY_CASES: HostileCase[] = [
  // #7: build metadata is refused everywhere a version is read.
  { item: '#7', what: 'publish at 3.0.0+a (build metadata in the URL)', request: (s) => ({ ...publishOf(s, () => undefined), path: publishPath(s, '3.0.0+a') }), status: 400, code: 'BAD_REQUEST' },
  { item: '#7', what: 'publish at 1.0.0+b, a "second spelling" of the published 1.0.0', request: (s) => ({ ...publishOf(s, () => undefined, s.conflicting), path: publishPath(s, '1.0.0+b') }), status: 400, code: 'BAD_REQUEST' },
  { item: '#7', what: 'a manifest whose version carries build metadata', request: (s) => ({ ...editedManifest(s, (m) => void (m.version = '3.0.0+b')), path: publishPath(s, '3.0.0') }), status: 422, code: 'MANIFEST_INVALID' },
  { item: '#7', what: 'an alias moved to 1.0.0+a', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'admin', json: { version: '1.0.0+a' } }), status: 400, code: 'BAD_REQUEST' },
  { item: '#7', what: 'a file of 1.0.0+a', request: (s) => ({ method: 'GET', path: `/registry/${s.name}/1.0.0+a/manifest.json` }), status: 400, code: 'BAD_REQUEST' },

  // #9: the publish body is canonical, padded RFC 4648 §4 base64; the envelope is base64url.
  {
    item: '#9', what: 'an artifact file in base64url ("-" "_")', status: 400, code: 'BAD_REQUEST',
    request: (s) => publishOf(s, (body) => {
      const path = shardOf(body);
      const url = body.files[path].replaceAll('+', '-').replaceAll('/', '_');
      if (url === body.files[path]) throw new Error('the shard has no "+" or "/" in base64; pick another file');
      body.files[path] = url;
    }),
  },
  {
    item: '#9',
    what: 'the manifest in unpadded base64url',
    // A length divisible by 3 has no padding, and without "+" or "/" its base64url is its
    // base64: one trailing blank makes the forms differ, whatever the manifest's bytes.
    request: (s) =>
      publishOf(s, (body) => {
        const bytes = Buffer.from(body.manifest, 'base64');
        body.manifest = (bytes.length % 3 === 0 ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes).toString('base64url');
      }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { item: '#9', what: 'non-canonical padding bits ("QR==" for "QQ==")', request: (s) => publishOf(s, (body) => { const f = paddedField(body); f.set(withUnusedBits(f.get())); }), status: 400, code: 'BAD_REQUEST' },
  { item: '#9', what: 'padding left off', request: (s) => publishOf(s, (body) => { const f = paddedField(body); f.set(f.get().replace(/=+$/, '')); }), status: 400, code: 'BAD_REQUEST' },
  { item: '#9', what: 'MIME line breaks every 76 characters', request: (s) => publishOf(s, (body) => void (body.manifest = body.manifest.replace(/.{76}/g, '$&\r\n'))), status: 400, code: 'BAD_REQUEST' },
  { item: '#9', what: 'a blank inside the signature', request: (s) => publishOf(s, (body) => void (body.signature = `${body.signature!.slice(0, 8)} ${body.signature!.slice(8)}`)), status: 400, code: 'BAD_REQUEST' },
  { item: '#9', what: 'the envelope\'s signature in standard base64 (padded)', request: (s) => editedEnvelope(s, (e) => void (e.signature = Buffer.from(e.signature, 'base64url').toString('base64'))), status: 422, code: 'SIGNATURE_INVALID' },
  { item: '#9', what: 'the envelope\'s signature with a "+"', request: (s) => editedEnvelope(s, (e) => void (e.signature = `+${e.signature.slice(1)}`)), status: 422, code: 'SIGNATURE_INVALID' },
  { item: '#9', what: 'the envelope\'s signature with a "/"', request: (s) => editedEnvelope(s, (e) => void (e.signature = `${e.signature.slice(0, 20)}/${e.signature.slice(21)}`)), status: 422, code: 'SIGNATURE_INVALID' },

  // #10: every Range edge.
  { item: '#10', what: 'bytes=-5 of a zero-byte file', request: emptyRange('bytes=-5'), status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: () => ({ 'content-range': 'bytes */0' }) },
  { item: '#10', what: 'bytes=0- of a zero-byte file', request: emptyRange('bytes=0-'), status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: () => ({ 'content-range': 'bytes */0' }) },
  { item: '#10', what: 'bytes=0-0 of a zero-byte file', request: emptyRange('bytes=0-0'), status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: () => ({ 'content-range': 'bytes */0' }) },
  { item: '#10', what: 'a zero-byte file without Range', request: emptyRange('items=0-'), status: 200, headers: () => ({ 'content-length': '0', 'content-range': undefined }) },
  { item: '#10', what: 'a suffix longer than the file', request: (s) => shardRange(`bytes=-${s.shard.size + 100}`)(s), status: 206, headers: (s) => ({ 'content-range': `bytes 0-${s.shard.size - 1}/${s.shard.size}`, 'content-length': String(s.shard.size) }) },
  { item: '#10', what: 'a suffix of the last 5 bytes', request: shardRange('bytes=-5'), status: 206, headers: (s) => ({ 'content-range': `bytes ${s.shard.size - 5}-${s.shard.size - 1}/${s.shard.size}`, 'content-length': '5' }) },
  { item: '#10', what: 'a zero-length suffix', request: shardRange('bytes=-0'), status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: (s) => ({ 'content-range': `bytes */${s.shard.size}` }) },
  { item: '#10', what: 'a first byte at the end', request: (s) => shardRange(`bytes=${s.shard.size}-`)(s), status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: (s) => ({ 'content-range': `bytes */${s.shard.size}` }) },
  { item: '#10', what: 'a range wholly past the end', request: (s) => shardRange(`bytes=${s.shard.size + 5}-${s.shard.size + 10}`)(s), status: 416, code: 'RANGE_NOT_SATISFIABLE' },
  { item: '#10', what: 'a 30-digit first byte', request: shardRange(`bytes=${'9'.repeat(30)}-`), status: 416, code: 'RANGE_NOT_SATISFIABLE' },
  { item: '#10', what: 'a last byte past the end (clamped)', request: (s) => shardRange(`bytes=10-${s.shard.size * 2}`)(s), status: 206, headers: (s) => ({ 'content-range': `bytes 10-${s.shard.size - 1}/${s.shard.size}` }) },
  { item: '#10', what: 'the unit in capitals', request: shardRange('Bytes=0-9'), status: 206, headers: (s) => ({ 'content-range': `bytes 0-9/${s.shard.size}`, 'content-length': '10' }) },
  { item: '#10', what: 'several ranges (answered whole)', request: shardRange('bytes=0-1,5-6'), status: 200, headers: whole },
  { item: '#10', what: 'several ranges past the end (answered whole)', request: (s) => shardRange(`bytes=${s.shard.size}-,${s.shard.size + 1}-`)(s), status: 200, headers: whole },
  { item: '#10', what: 'last before first (ignored)', request: shardRange('bytes=5-1'), status: 200, headers: whole },
  { item: '#10', what: 'not a number (ignored)', request: shardRange('bytes=abc'), status: 200, headers: whole },
  { item: '#10', what: 'a negative first byte (ignored)', request: shardRange('bytes=--1'), status: 200, headers: whole },
  { item: '#10', what: 'another unit (ignored)', request: shardRange('items=0-5'), status: 200, headers: whole },
  { item: '#10', what: 'If-Range with another ETag (answered whole)', request: (s) => file(s, s.shard.path, { range: 'bytes=0-9', 'if-range': '"not-the-etag"' }), status: 200, headers: whole },
  { item: '#10', what: 'a range of a compressible file with Accept-Encoding (identity bytes)', request: (s) => file(s, 'manifest.json', { range: 'bytes=0-9', 'accept-encoding': 'gzip' }), status: 206, headers: (s) => ({ etag: `"${s.manifestSha256}"`, 'content-encoding': undefined, 'content-length': '10' }) },

  // #11: Vary keeps CORS's Origin next to Accept-Encoding.
  { item: '#11', what: 'gzip manifest.json for an allowed origin', request: gzipManifest, status: 200, headers: (s) => ({ vary: /^(?=.*\bOrigin\b)(?=.*\bAccept-Encoding\b)/, 'access-control-allow-origin': s.origin, 'content-encoding': 'gzip' }) },
  { item: '#11', what: 'identity manifest.json for an allowed origin', request: (s) => file(s, 'manifest.json', { origin: s.origin }), status: 200, headers: () => ({ vary: /^(?=.*\bOrigin\b)(?=.*\bAccept-Encoding\b)/, 'content-encoding': undefined }) },
  { item: '#11', what: 'br index.json for an allowed origin', request: brIndex, status: 200, headers: () => ({ vary: /^(?=.*\bOrigin\b)(?=.*\bAccept-Encoding\b)/, 'content-encoding': 'br', etag: /\.br"$/ }) },
  { item: '#11', what: 'a 304 for an allowed origin', request: (s) => file(s, 'manifest.json', { origin: s.origin, 'accept-encoding': 'gzip', 'if-none-match': `"${s.manifestSha256}.gz"` }), status: 304, headers: () => ({ vary: /^(?=.*\bOrigin\b)(?=.*\bAccept-Encoding\b)/ }) },

  // #12: HEAD answers what GET answers.
  { item: '#12', what: 'HEAD of gzip manifest.json', request: (s) => ({ ...gzipManifest(s), method: 'HEAD' }), status: 200, headers: (s) => ({ etag: `"${s.manifestSha256}.gz"`, 'content-encoding': 'gzip' }), check: headLikeGet(gzipManifest) },
  { item: '#12', what: 'HEAD of br index.json', request: (s) => ({ ...brIndex(s), method: 'HEAD' }), status: 200, check: headLikeGet(brIndex) },
  { item: '#12', what: 'HEAD of identity manifest.json', request: (s) => file(s, 'manifest.json', {}, 'HEAD'), status: 200, check: headLikeGet((s) => file(s, 'manifest.json')) },
  { item: '#12', what: 'HEAD of a shard range', request: (s) => file(s, s.shard.path, { range: 'bytes=0-99' }, 'HEAD'), status: 206, check: headLikeGet((s) => file(s, s.shard.path, { range: 'bytes=0-99' })) },

  // #13: the gzip ETag is the documented "<sha256>.gz", and it revalidates.
  { item: '#13', what: 'the gzip ETag', request: gzipManifest, status: 200, headers: (s) => ({ etag: `"${s.manifestSha256}.gz"` }) },
  { item: '#13', what: 'If-None-Match with the documented gzip tag', request: (s) => file(s, 'manifest.json', { 'accept-encoding': 'gzip', 'if-none-match': `"${s.manifestSha256}.gz"` }), status: 304, headers: (s) => ({ etag: `"${s.manifestSha256}.gz"` }) },
  { item: '#13', what: 'If-None-Match with the br tag, weak, in a list', request: (s) => file(s, 'manifest.json', { 'accept-encoding': 'br', 'if-none-match': `"x", W/"${s.manifestSha256}.br"` }), status: 304, headers: (s) => ({ etag: `"${s.manifestSha256}.br"` }) },
  { item: '#13', what: 'If-None-Match with the identity tag, no Accept-Encoding', request: (s) => file(s, 'manifest.json', { 'if-none-match': `"${s.manifestSha256}"` }), status: 304, headers: (s) => ({ etag: `"${s.manifestSha256}"` }) },

  // Held: path traversal in artifact paths.
  { item: 'held: traversal', what: 'a files key with "../"', request: (s) => publishOf(s, (body) => { const p = shardOf(body); body.files[`../../${p}`] = body.files[p]; delete body.files[p]; }), status: 400, code: 'BAD_REQUEST' },
  { item: 'held: traversal', what: 'a manifest listing "../../sync.db"', request: (s) => editedManifest(s, (m) => void (m.artifacts[0].files[1].path = '../../sync.db')), status: 422, code: 'MANIFEST_INVALID' },
  { item: 'held: traversal', what: 'a manifest listing an absolute path', request: (s) => editedManifest(s, (m) => void (m.artifacts[0].files[1].path = '/etc/passwd')), status: 422, code: 'MANIFEST_INVALID' },
  { item: 'held: traversal', what: 'a manifest listing a backslash path', request: (s) => editedManifest(s, (m) => void (m.artifacts[0].files[1].path = 'tfjs-fp32\\..\\..\\sync.db')), status: 422, code: 'MANIFEST_INVALID' },
  { item: 'held: traversal', what: 'a manifest listing manifest.sig as an artifact', request: (s) => editedManifest(s, (m) => void (m.artifacts[0].files[1].path = 'manifest.sig')), status: 422, code: 'MANIFEST_INVALID' },
  { item: 'held: traversal', what: 'GET of ../../sync.db', request: (s) => file(s, '../../sync.db'), status: 404, code: 'NOT_FOUND', check: (res) => void (/SQLite format 3/.test(res.text) && fail('leaked the database')) },
  { item: 'held: traversal', what: 'GET of %2e%2e%2fsync.db', request: (s) => file(s, '%2e%2e%2f%2e%2e%2fsync.db'), status: 404, code: 'NOT_FOUND' },
  { item: 'held: traversal', what: 'GET of a blob by digest', request: (s) => file(s, `../../blobs/${s.manifestSha256}`), status: 404, code: 'NOT_FOUND' },
  { item: 'held: traversal', what: 'GET of a path with a NUL', request: (s) => file(s, 'tfjs-fp32%00.json'), status: 400, code: 'BAD_REQUEST' },

  // Held: signatures.
  { item: 'held: signature', what: 'signed by an untrusted key', request: (s) => publishOf(s, () => undefined, s.stranger), status: 422, code: 'SIGNATURE_UNTRUSTED' },
  { item: 'held: signature', what: 'the manifest changed after signing', request: (s) => editedManifest(s, (m) => void (m.createdAt = '2026-11-23T00:00:00.000Z')), status: 422, code: 'SIGNATURE_INVALID' },
  { item: 'held: signature', what: 'no signature', request: (s) => publishOf(s, (body) => void delete body.signature), status: 422, code: 'SIGNATURE_MISSING' },
  { item: 'held: signature', what: 'the signature of another version', request: (s) => publishOf(s, (body) => void (body.signature = b64(s.published.signature!))), status: 422, code: 'SIGNATURE_INVALID' },
  { item: 'held: signature', what: 'an envelope with an unknown key', request: (s) => editedEnvelope(s, (e) => void (e.note = 'trust me')), status: 422, code: 'SIGNATURE_INVALID' },

  // Held: what publish verifies.
  { item: 'held: integrity', what: 'one byte of the shard flipped', request: (s) => publishOf(s, (body) => { const p = shardOf(body); const bytes = Buffer.from(body.files[p], 'base64'); bytes[7] ^= 0x40; body.files[p] = bytes.toString('base64'); }), status: 422, code: 'INTEGRITY_MISMATCH' },
  { item: 'held: integrity', what: 'a listed file missing', request: (s) => publishOf(s, (body) => void delete body.files[shardOf(body)]), status: 422, code: 'INTEGRITY_MISMATCH' },
  { item: 'held: integrity', what: 'the name in the URL differs', request: (s) => ({ ...publishOf(s, () => undefined), path: publishPath(s, '3.0.0', `${s.name}-other`) }), status: 422, code: 'MANIFEST_INVALID' },
  { item: 'held: integrity', what: 'republishing 1.0.0 with other bytes', request: (s) => publishOf(s, () => undefined, s.conflicting), status: 409, code: 'CONFLICT' },

  // Held: sizes.
  { item: 'held: size', what: 'a declared 70 MiB publish body', request: (s) => ({ method: 'PUT', path: publishPath(s), token: 'admin', headers: { ...JSON_TYPE, 'content-length': String(70 * 1024 * 1024) }, body: '{}' }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { item: 'held: size', what: 'a 1.5 MB manifest field', request: (s) => publishOf(s, (body) => void (body.manifest = 'A'.repeat(1_500_000))), status: 400, code: 'BAD_REQUEST' },
  { item: 'held: size', what: 'a 5 kB signature field', request: (s) => publishOf(s, (body) => void (body.signature = 'A'.repeat(5000))), status: 400, code: 'BAD_REQUEST' },
  { item: 'held: size', what: 'a 1.1 MiB alias body', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'admin', headers: JSON_TYPE, body: JSON.stringify({ version: '1.0.0', pad: 'x'.repeat(1_100_000) }) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },

  // Held: authentication, before the body is read.
  { item: 'held: auth', what: 'publish without a token', request: (s) => ({ ...publishOf(s, () => undefined), token: undefined }), status: 401, code: 'UNAUTHORIZED' },
  { item: 'held: auth', what: 'publish with an unknown token', request: (s) => ({ ...publishOf(s, () => undefined), token: 'bogus' }), status: 401, code: 'UNAUTHORIZED' },
  { item: 'held: auth', what: 'publish with an app token', request: (s) => ({ ...publishOf(s, () => undefined), token: 'app' }), status: 403, code: 'FORBIDDEN' },
  { item: 'held: auth', what: 'an alias move with an app token', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'app', json: { version: '1.0.0' } }), status: 403, code: 'FORBIDDEN' },
  { item: 'held: auth', what: 'an alias move without a token', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, json: { version: '1.0.0' } }), status: 401, code: 'UNAUTHORIZED' },

  // Held: aliases.
  { item: 'held: alias', what: 'an alias to an unpublished version', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'admin', json: { version: '9.9.9' } }), status: 404, code: 'NOT_FOUND' },
  { item: 'held: alias', what: 'a canary to an unpublished version', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'admin', json: { version: '1.0.0', canary: { version: '9.9.9', percent: 10 } } }), status: 404, code: 'NOT_FOUND' },
  { item: 'held: alias', what: 'a canary of 101 %', request: (s) => ({ method: 'PUT', path: `/v1/models/${s.name}/aliases/stable`, token: 'admin', json: { version: '1.0.0', canary: { version: '1.0.0', percent: 101 } } }), status: 400, code: 'BAD_REQUEST' },
  { item: 'held: alias', what: 'an alias of an unpublished model', request: () => ({ method: 'PUT', path: '/v1/models/never-published/aliases/stable', token: 'admin', json: { version: '1.0.0' } }), status: 404, code: 'NOT_FOUND' },

  // Held: content types.
  { item: 'held: media type', what: 'publish as text/plain', request: (s) => ({ method: 'PUT', path: publishPath(s), token: 'admin', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(publishBody(s.fresh)) }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
];

function fail(message: string): never {
  throw new Error(message);
}

/** A variant of `pkg` (same name and version) with another `createdAt` and, with `shard`, other shard bytes. */
export async function variantOf(pkg: BuiltPackage, signingKey: SigningKeyPair, createdAt: string, shard?: (bytes: Uint8Array) => Uint8Array, version = pkg.manifest.version): Promise<BuiltPackage> {
  const { format: _format, artifacts, ...manifest } = pkg.manifest;
  return createPackage({
    manifest: { ...manifest, version, createdAt },
    artifacts: artifacts.map(({ files, ...artifact }) => ({
      ...artifact,
      files: files.map((f) => ({ path: f.path, data: shard && f.path.endsWith('.bin') ? shard(pkg.files.get(f.path)!) : pkg.files.get(f.path)! })),
    })),
    signingKey,
  });
}

/** `pkg` with one more, zero-byte artifact file (`empty.bin`). */
export async function withEmptyFile(pkg: BuiltPackage, signingKey: SigningKeyPair, version: string): Promise<BuiltPackage> {
  const { format: _format, artifacts, ...manifest } = pkg.manifest;
  return createPackage({
    manifest: { ...manifest, version },
    artifacts: artifacts.map(({ files, ...artifact }, i) => ({
      ...artifact,
      files: [...files.map((f) => ({ path: f.path, data: pkg.files.get(f.path)! })), ...(i === 0 ? [{ path: `${artifact.id}/empty.bin`, data: new Uint8Array(0) }] : [])],
    })),
    signingKey,
  });
}
