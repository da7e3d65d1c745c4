/**
 * A generator of hostile feedback requests (`POST /v1/feedback` and the admin dataset
 * routes) and the answer each must get (docs/SYNC-API.md, "Feedback"): every hostile
 * value of every field, in each place it can go, becomes one case with its status, error
 * `code` and, where the endpoint names one, `field`. hostile-feedback.test.ts sends each
 * case to a fresh endpoint over each store and checks the answer, that no row changed,
 * and that the server still answers. A bad example follows a valid one (or ends a batch
 * of 100 valid ones), so a partial write would show in the row counts.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { FeedbackBatch, FeedbackExample } from '../../format/index.ts';
import { batchOf, digitExample, MODEL } from './feedback-examples.ts';

/** Which credentials a case sends: a token of the endpoint, none, or one it does not know. */
export type FeedbackCaseToken = 'app' | 'admin' | 'none' | 'wrong';

/** One request, sent exactly as given. */
export interface FeedbackCaseRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  token: FeedbackCaseToken;
  /** Sent as JSON (`Content-Type: application/json`). */
  json?: unknown;
  /** Sent as is (set `content-type` in `headers`); takes precedence over `json`. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** One hostile case: the request, and the refusal it must get (nothing stored, nothing deleted). */
export interface HostileFeedbackCase {
  group: string;
  what: string;
  request: () => FeedbackCaseRequest;
  status: number;
  code: string;
  /** The `error.field` of the answer; `undefined`: the answer names none. */
  field?: string;
  /** Response headers the answer must carry, exactly. */
  headers?: Record<string, string>;
}

/** Digits 2000 and on are the generator's valid examples; the suite's own examples come from below. */
const FIRST_DIGIT = 2000;
/** The `k`-th valid example of the generator (a real digit, labelled with its class). */
export const good = (k = 0): FeedbackExample => digitExample(FIRST_DIGIT + k);

type Loose = Record<string, any>;
/** A valid example changed by `change` (which may make it anything at all). */
const goodWith = (change: (e: Loose) => void, k = 1): FeedbackExample => {
  const e = structuredClone(good(k)) as Loose;
  change(e);
  return e as FeedbackExample;
};
/** `size` valid examples with `bad` at `at`. */
const examplesWith = (bad: unknown, at: number, size: number): FeedbackExample[] =>
  Array.from({ length: size }, (_, k) => (k === at ? (bad as FeedbackExample) : good(k)));
/** A batch whose top-level fields are changed by `change`. */
const batchWith = (change: (b: Loose) => void): Loose => {
  const b = structuredClone(batchOf([good(0), good(1)])) as Loose;
  change(b);
  return b;
};
const validText = (): string => JSON.stringify(batchOf([good(0), good(1)]));

const post = (json: unknown, token: FeedbackCaseToken = 'app'): FeedbackCaseRequest => ({ method: 'POST', path: '/v1/feedback', token, json });
const postRaw = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }, token: FeedbackCaseToken = 'app'): FeedbackCaseRequest => ({
  method: 'POST',
  path: '/v1/feedback',
  token,
  body,
  headers,
});

const bytes = (n: number, fill = 7) => Buffer.alloc(n, fill).toString('base64');
/** 784 float32 values of 0.5 with `bits` (a raw 32-bit pattern) at element `at`. */
const floatsWith = (at: number, bits: number): string => {
  const b = Buffer.alloc(784 * 4);
  for (let i = 0; i < 784; i++) b.writeFloatLE(0.5, i * 4);
  b.writeUInt32LE(bits >>> 0, at * 4);
  return b.toString('base64');
};
/** Valid base64 with the unused bits of its last character set: Node decodes it to the same bytes. */
const unusedBitsSet = (text: string): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const at = text.replace(/=+$/, '').length - 1;
  return text.slice(0, at) + alphabet[alphabet.indexOf(text[at]) | 1] + text.slice(at + 1);
};
/** The valid batch with the first label's digit replaced by bytes that are not UTF-8. */
const invalidUtf8Label = (): Buffer => {
  const text = validText();
  const at = text.indexOf('"label":"') + '"label":"'.length;
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(at + 1))]);
};
const nested = (depth: number, leaf: string): string => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

const BAD_REQUEST = { status: 400, code: 'BAD_REQUEST' } as const;
const INCONSISTENT = { status: 422, code: 'FEEDBACK_INCONSISTENT' } as const;
const DATA = 'examples[1].input.data';

/** [what, the bad example] pairs the schema refuses (400, no field): each key of an example, each wrong type and bound. */
const SCHEMA_EXAMPLES: Array<[string, () => unknown]> = [
  ...([null, 'x', 7, [], true] as const).map((v): [string, () => unknown] => [`an example ${JSON.stringify(v)}`, () => v]),
  ...(['label', 'input', 'createdAt'] as const).map((key): [string, () => unknown] => [`no ${key}`, () => goodWith((e) => delete e[key])]),
  ...(['shape', 'dtype', 'data'] as const).map((key): [string, () => unknown] => [`no input.${key}`, () => goodWith((e) => delete e.input[key])]),
  ['an unknown example key', () => goodWith((e) => (e.userId = 'u1'))],
  ['an unknown input key', () => goodWith((e) => (e.input.scale = 255))],
  ...([7, null, '', true, ['7'], { 0: '7' }, 'x'.repeat(1025), 'x'.repeat(1_000_000)] as const).map((v): [string, () => unknown] => [
    `label ${JSON.stringify(v).slice(0, 24)}`,
    () => goodWith((e) => (e.label = v)),
  ]),
  ...([7, null, '', 'x'.repeat(1025)] as const).map((v): [string, () => unknown] => [`predicted ${JSON.stringify(v).slice(0, 24)}`, () => goodWith((e) => (e.predicted = v))]),
  ...(['int32', 'float64', 'UINT8', 'float16', '', null, 8] as const).map((v): [string, () => unknown] => [`dtype ${JSON.stringify(v)}`, () => goodWith((e) => (e.input.dtype = v))]),
  ...([[], [0, 784], [1, -784], [1, 784.5], [1, '784'], [1, null], [1, 784, 1, 1, 1, 1, 1, 1, 1], [1, 262_145], [1, 2 ** 53], '1,784', null, { 0: 1, 1: 784 }] as const).map(
    (v): [string, () => unknown] => [`shape ${JSON.stringify(v)}`, () => goodWith((e) => (e.input.shape = v))],
  ),
  ...([7, null, [], { b64: 'AA==' }, true] as const).map((v): [string, () => unknown] => [`data ${JSON.stringify(v)}`, () => goodWith((e) => (e.input.data = v))]),
  ...([
    '2026-11-23T17:00:00',
    '2026-11-23',
    '2026-02-30T17:00:00Z',
    '2026-11-23 17:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T17:00:00+0100',
    '0000-01-01T00:00:00+01:00',
    'yesterday',
    '',
    `2026-11-23T17:00:00.${'1'.repeat(60)}Z`,
  ] as const).map((v): [string, () => unknown] => [`createdAt ${JSON.stringify(v).slice(0, 40)}`, () => goodWith((e) => (e.createdAt = v))]),
  ...([1_795_449_600_000, null] as const).map((v): [string, () => unknown] => [`createdAt ${v}`, () => goodWith((e) => (e.createdAt = v))]),
];

/** [what, a change to the batch] pairs the schema refuses (400, no field). */
const SCHEMA_BATCHES: Array<[string, (b: Loose) => void]> = [
  ...([2, 0, '1', 1.5, null, true, [1]] as const).map((v): [string, (b: Loose) => void] => [`schema ${JSON.stringify(v)}`, (b) => (b.schema = v)]),
  ...(['schema', 'model', 'version', 'examples'] as const).map((key): [string, (b: Loose) => void] => [`no ${key}`, (b) => delete b[key]]),
  ['an unknown key', (b) => (b.consent = true)],
  ['an unknown key holding 1 MB', (b) => (b.pad = 'x'.repeat(1_000_000))],
  ...([{}, null, 'x', 5, []] as const).map((v): [string, (b: Loose) => void] => [`examples ${JSON.stringify(v)}`, (b) => (b.examples = v)]),
  ['examples as an object keyed 0, 1', (b) => (b.examples = { 0: good(0), 1: good(1) })],
  ...(['MNIST', '../mnist', 'mnist/centroid', 'a b', '', '.hidden', '-dash', 'é', 'm'.repeat(65), 7, null] as const).map((v): [string, (b: Loose) => void] => [
    `model ${JSON.stringify(v).slice(0, 24)}`,
    (b) => (b.model = v),
  ]),
  ...(['latest', 'stable', '1', '1.0', 'v1.0.0', '1.0.0 ', '01.0.0', '1.0.0+build.5', '', `1.0.0-${'a'.repeat(130)}`, '../1.0.0', 1, null] as const).map((v): [string, (b: Loose) => void] => [
    `version ${JSON.stringify(v).slice(0, 24)}`,
    (b) => (b.version = v),
  ]),
  ...(['', 'a b', 'é', 'i'.repeat(129), 'a\u0000b', ' a', 7, null] as const).map((v): [string, (b: Loose) => void] => [`installId ${JSON.stringify(v).slice(0, 24)}`, (b) => (b.installId = v)]),
  ['101 examples', (b) => (b.examples = Array.from({ length: 101 }, (_, k) => good(k)))],
  ['101 copies of one example', (b) => (b.examples = Array.from({ length: 101 }, () => good(0)))],
];

/** Input data that is not canonical base64 (400, the field named). */
const NOT_BASE64: Array<[string, () => string]> = [
  ['not base64 at all', () => '!!!!'.repeat(196)],
  ['base64url', () => bytes(784, 0xfb).replace(/\+/g, '-').replace(/\//g, '_')],
  ['no padding', () => bytes(784).replace(/=+$/, '')],
  ['a line break every 76 characters', () => bytes(784).replace(/(.{76})/g, '$1\n')],
  ['a leading blank', () => ` ${bytes(784)}`],
  ['a trailing newline', () => `${bytes(784)}\n`],
  ['the unused bits of the last character set', () => unusedBitsSet(bytes(784))],
  ['a data: URL', () => `data:application/octet-stream;base64,${bytes(784)}`],
  ['padding only', () => '===='],
  ['padding in the middle', () => `${bytes(3)}=${bytes(781)}`],
  ['non-ASCII letters', () => 'ÀÁÂÃ'.repeat(196)],
  ['a NUL', () => `${bytes(783)}\u0000`],
];

/** Examples the version's manifest contradicts (422, the field named). */
const INCONSISTENT_EXAMPLES: Array<[string, () => unknown, string]> = [
  ...['ten', '10', '-1', ' 5', '5 ', '05', '٥', '５', 'five', '5\u0000', '\ud800', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(1024)].map(
    (label): [string, () => unknown, string] => [`label ${JSON.stringify(label).slice(0, 24)}`, () => goodWith((e) => (e.label = label)), 'examples[1].label'],
  ),
  ...['ten', '__proto__', '10'].map((p): [string, () => unknown, string] => [`predicted ${JSON.stringify(p)}`, () => goodWith((e) => (e.predicted = p)), 'examples[1].predicted']),
  ...[[784], [2, 784], [1, 28, 28, 1], [1, 28, 28], [1, 783], [1, 785], [784, 1], [1, 1, 784]].map((shape): [string, () => unknown, string] => [
    `shape [${shape}]`,
    () => goodWith((e) => (e.input.shape = shape)),
    'examples[1].input.shape',
  ]),
  ...[0, 1, 783, 785, 1568, 784 * 4].map((n): [string, () => unknown, string] => [`${n} bytes for 784 uint8 values`, () => goodWith((e) => (e.input.data = n === 0 ? '' : bytes(n))), DATA]),
  ...[784, 784 * 4 - 1, 784 * 4 + 4].map((n): [string, () => unknown, string] => [
    `${n} bytes for 784 float32 values`,
    () => goodWith((e) => Object.assign(e.input, { dtype: 'float32', data: bytes(n, 0) })),
    DATA,
  ]),
  ...(
    [
      ['a NaN first', 0, 0x7fc00000],
      ['a NaN last', 783, 0x7fc00000],
      ['a signalling NaN', 300, 0x7f800001],
      ['a negative NaN', 300, 0xffc00000],
      ['+Infinity', 1, 0x7f800000],
      ['-Infinity', 782, 0xff800000],
    ] as const
  ).map(([what, at, bits]): [string, () => unknown, string] => [`float32 input with ${what}`, () => goodWith((e) => Object.assign(e.input, { dtype: 'float32', data: floatsWith(at, bits) })), DATA]),
];

/** Every hostile case, generated. */
export function makeHostileFeedbackCases(): HostileFeedbackCase[] {
  const cases: HostileFeedbackCase[] = [];
  const add = (group: string, what: string, request: () => FeedbackCaseRequest, expected: { status: number; code: string; field?: string; headers?: Record<string, string> }) => cases.push({ group, what, request, ...expected });
  const json = { 'content-type': 'application/json' };

  // Transport: media types, encodings, methods.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/jsonx', 'application/json-patch+json', 'text/json']) {
    add('media type', type, () => postRaw(validText(), { 'content-type': type }), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  }
  add('media type', 'no content type', () => postRaw(validText(), {}), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  add('media type', 'UTF-16 JSON', () => postRaw(Buffer.from(validText(), 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }), BAD_REQUEST);
  // RFC 9110 §15.5.16: a 415 for a content coding says which codings are taken.
  const coding = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', headers: { 'accept-encoding': 'identity' } };
  add('content coding', 'gzip-encoded JSON', () => postRaw(gzipSync(validText()), { ...json, 'content-encoding': 'gzip' }), coding);
  add('content coding', 'plain JSON labelled Content-Encoding: gzip', () => postRaw(validText(), { ...json, 'content-encoding': 'gzip' }), coding);
  add('content coding', 'brotli-encoded JSON', () => postRaw(brotliCompressSync(validText()), { ...json, 'content-encoding': 'br' }), coding);
  add('content coding', 'two codings, identity last', () => postRaw(validText(), { ...json, 'content-encoding': 'gzip, identity' }), coding);
  add('content coding', 'gzip-encoded JSON without a token (credentials first)', () => postRaw(gzipSync(validText()), { ...json, 'content-encoding': 'gzip' }, 'none'), { status: 401, code: 'UNAUTHORIZED' });
  for (const method of ['GET', 'PUT', 'DELETE'] as const) add('method', `${method} /v1/feedback`, () => ({ ...post(batchOf([good(0)])), method }), { status: 404, code: 'NOT_FOUND' });

  // JSON syntax.
  const text = validText();
  for (const cut of [1, 10, text.indexOf('"examples"') + 5, text.indexOf('"data"') + 100, text.length - 2, text.length - 1]) {
    add('JSON', `truncated after ${cut} of ${text.length} characters`, () => postRaw(validText().slice(0, cut)), BAD_REQUEST);
  }
  const raw: Array<[string, () => string | Uint8Array]> = [
    ['an empty body', () => ''],
    ['blanks only', () => ' \n\t '],
    ['trailing garbage', () => `${validText()}x`],
    ['two documents', () => `${validText()}${validText()}`],
    ['NaN as schema', () => validText().replace('"schema":1', '"schema":NaN')],
    ['Infinity as schema', () => validText().replace('"schema":1', '"schema":Infinity')],
    ['1e309 as schema', () => validText().replace('"schema":1', '"schema":1e309')],
    ['1e309 in a shape', () => validText().replace('"shape":[1,784]', '"shape":[1,1e309]')],
    ['-1e309 in a shape', () => validText().replace('"shape":[1,784]', '"shape":[-1e309,784]')],
    ['a hex number in a shape', () => validText().replace('"shape":[1,784]', '"shape":[0x1,784]')],
    ['single quotes', () => validText().replace(/"/g, "'")],
    ['a comment', () => validText().replace('{', '{/* x */')],
    ['a trailing comma', () => validText().replace(/}$/, ',}')],
    ['invalid UTF-8 as a label', () => invalidUtf8Label()],
    ['an overlong UTF-8 slash', () => Buffer.concat([Buffer.from('{"schema":1,"model":"mnist'), Buffer.from([0xc0, 0xaf]), Buffer.from('x"}')])],
    ...(['null', '[]', '"batch"', '1', 'true', '{}'] as const).map((v): [string, () => string] => [`the body ${v}`, () => v]),
    ['a batch in an array', () => `[${validText()}]`],
    ['a later duplicate schema 2', () => validText().replace('"schema":1', '"schema":1,"schema":2')],
    ['a later duplicate empty examples', () => validText().replace(/}$/, ',"examples":[]}')],
  ];
  for (const [what, body] of raw) add('JSON', what, () => postRaw(body()), BAD_REQUEST);
  add('JSON', 'a later duplicate version never published', () => postRaw(validText().replace('"version":"1.0.0"', '"version":"1.0.0","version":"9.9.9"')), { status: 404, code: 'NOT_FOUND', field: 'version' });

  // Prototype pollution: the parser refuses these keys wherever they are, escaped or not.
  const pollution: Array<[string, () => string]> = [
    ['a top-level __proto__', () => validText().replace('{', '{"__proto__":{"polluted":true},')],
    ['an escaped __proto__', () => validText().replace('{', '{"\\u005f_proto__":{"polluted":true},')],
    ['__proto__ in an example', () => validText().replace('"label":', '"__proto__":{"polluted":true},"label":')],
    ['__proto__ in an input', () => validText().replace('"shape":', '"__proto__":{"polluted":true},"shape":')],
    ['constructor.prototype at the top', () => validText().replace('{', '{"constructor":{"prototype":{"polluted":true}},')],
    ['constructor.prototype in an example', () => validText().replace('"label":', '"constructor":{"prototype":{"polluted":true}},"label":')],
  ];
  for (const [what, body] of pollution) add('prototype', what, () => postRaw(body()), BAD_REQUEST);

  // Deep nesting.
  for (const depth of [1000, 100_000]) {
    add('nesting', `a body nested ${depth} arrays deep`, () => postRaw('['.repeat(depth) + ']'.repeat(depth)), BAD_REQUEST);
    add('nesting', `a body nested ${depth} objects deep`, () => postRaw(nested(depth, '1')), BAD_REQUEST);
    add('nesting', `a label nested ${depth} objects deep`, () => postRaw(validText().replace(/"label":"\d"/, `"label":${nested(depth, '"7"')}`)), BAD_REQUEST);
    add('nesting', `examples nested ${depth} arrays deep`, () => postRaw(validText().replace('"examples":[', `"examples":${'['.repeat(depth)}`).replace(/]}$/, `${']'.repeat(depth)}}`)), BAD_REQUEST);
  }

  // Credentials: checked before the body is read, so a broken body does not change the answer.
  add('auth', 'no token', () => post(batchOf([good(0)]), 'none'), { status: 401, code: 'UNAUTHORIZED' });
  add('auth', 'an unknown token', () => post(batchOf([good(0)]), 'wrong'), { status: 401, code: 'UNAUTHORIZED' });
  add('auth', 'no token and a broken body', () => postRaw('{"schema":', json, 'none'), { status: 401, code: 'UNAUTHORIZED' });
  add('auth', 'no token and a 5 MiB body', () => postRaw(`{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`, json, 'none'), { status: 401, code: 'UNAUTHORIZED' });
  for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer ', 'Token abc', `Bearer ${'x'.repeat(600)}`, 'Bearer a b']) {
    add('auth', `Authorization: ${authorization.slice(0, 24)}`, () => ({ ...post(batchOf([good(0)]), 'none'), headers: { authorization } }), { status: 401, code: 'UNAUTHORIZED' });
  }
  add('auth', 'the token in the query string', () => ({ ...post(batchOf([good(0)]), 'none'), path: '/v1/feedback?token=app' }), { status: 401, code: 'UNAUTHORIZED' });
  for (const method of ['GET', 'DELETE'] as const) {
    const path = `/v1/models/${MODEL}/feedback`;
    add('auth', `${method} the dataset with an app token`, () => ({ method, path, token: 'app' }), { status: 403, code: 'FORBIDDEN' });
    add('auth', `${method} the dataset without a token`, () => ({ method, path, token: 'none' }), { status: 401, code: 'UNAUTHORIZED' });
    add('auth', `${method} the dataset with an unknown token`, () => ({ method, path, token: 'wrong' }), { status: 401, code: 'UNAUTHORIZED' });
    for (const query of ['limit=0', 'limit=1001', 'after=-1', 'after=1e309', 'version=../1.0.0', 'installId=a%20b', 'model=other', 'version=1.0.0&version=1.1.0']) {
      add('admin query', `${method} ?${query}`, () => ({ method, path: `${path}?${query}`, token: 'admin' }), BAD_REQUEST);
    }
    add('admin query', `${method} the dataset of a model never published`, () => ({ method, path: '/v1/models/never-published/feedback', token: 'admin' }), { status: 404, code: 'NOT_FOUND' });
    add('admin query', `${method} the dataset of ../etc`, () => ({ method, path: '/v1/models/..%2fetc/feedback', token: 'admin' }), BAD_REQUEST);
  }

  // Sizes.
  add('size', 'a body over 4 MiB', () => post(batchOf(Array.from({ length: 17 }, () => goodWith((e) => (e.input.data = bytes(250_000)))))), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
  add('size', 'a declared 5 MiB body', () => postRaw('{}', { ...json, 'content-length': String(5 * 1024 * 1024) }), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
  add('size', 'an input of 256 KiB + 1 byte', () => post(batchOf([good(0), goodWith((e) => (e.input.data = bytes(256 * 1024 + 1)))])), { status: 413, code: 'PAYLOAD_TOO_LARGE', field: DATA });
  add('size', 'an input of 3.9 MB of "A"', () => post(batchOf([good(0), goodWith((e) => (e.input.data = 'A'.repeat(3_900_000)))])), { status: 413, code: 'PAYLOAD_TOO_LARGE', field: DATA });

  // The schema, key by key and type by type.
  for (const [what, bad] of SCHEMA_EXAMPLES) add('schema: example', what, () => post(batchOf(examplesWith(bad(), 1, 2))), BAD_REQUEST);
  for (const [what, change] of SCHEMA_BATCHES) add('schema: batch', what, () => post(batchWith(change)), BAD_REQUEST);

  // Base64.
  for (const [what, data] of NOT_BASE64) add('base64', what, () => post(batchOf([good(0), goodWith((e) => (e.input.data = data()))])), { ...BAD_REQUEST, field: DATA });

  // What is not published.
  add('not published', 'a model never published', () => post(batchWith((b) => (b.model = 'never-published'))), { status: 404, code: 'NOT_FOUND', field: 'model' });
  for (const version of ['9.9.9', '1.0.0-rc.1', '1.0.1', `1.0.0-${'a'.repeat(100)}`]) {
    add('not published', `version ${version.slice(0, 24)}`, () => post(batchWith((b) => (b.version = version))), { status: 404, code: 'NOT_FOUND', field: 'version' });
  }

  // What the manifest contradicts.
  for (const [what, bad, field] of INCONSISTENT_EXAMPLES) add('manifest', what, () => post(batchOf(examplesWith(bad(), 1, 2))), { ...INCONSISTENT, field });

  // Where in the batch: first, last of 100, after 99 copies of one valid example.
  const positions: Array<[string, () => unknown, string, { status: number; code: string }]> = [
    ['an unknown label', () => goodWith((e) => (e.label = 'ten')), 'label', INCONSISTENT],
    ['a NaN', () => goodWith((e) => Object.assign(e.input, { dtype: 'float32', data: floatsWith(5, 0x7fc00000) })), 'input.data', INCONSISTENT],
    ['783 bytes', () => goodWith((e) => (e.input.data = bytes(783))), 'input.data', INCONSISTENT],
    ['base64url', () => goodWith((e) => (e.input.data = bytes(784, 0xfb).replace(/\+/g, '-').replace(/\//g, '_'))), 'input.data', BAD_REQUEST],
  ];
  for (const [what, bad, field, expected] of positions) {
    add('position', `${what} as the first example of 2`, () => post(batchOf(examplesWith(bad(), 0, 2))), { ...expected, field: `examples[0].${field}` });
    add('position', `${what} as the last of 100 examples`, () => post(batchOf(examplesWith(bad(), 99, 100))), { ...expected, field: `examples[99].${field}` });
    add('position', `${what} after 99 copies of one valid example`, () => post(batchOf([...Array.from({ length: 99 }, () => good(0)), bad() as FeedbackExample])), { ...expected, field: `examples[99].${field}` });
  }
  add('position', 'the same pixels twice, the second time with an unknown label', () => post(batchOf([good(0), { ...good(0), label: 'ten' }])), { ...INCONSISTENT, field: 'examples[1].label' });
  return cases;
}

/** A valid batch of the generator's examples `from`…`from + count - 1` (the suite's control). */
export function controlBatch(from: number, count: number, overrides: Partial<FeedbackBatch> = {}): FeedbackBatch {
  return batchOf(Array.from({ length: count }, (_, k) => good(from + k)), overrides);
}
