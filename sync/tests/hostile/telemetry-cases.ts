/**
 * Hand-made hostile telemetry requests (issue 10) and the answer each must get:
 * hostile-telemetry.test.ts sends every case to a fresh endpoint over each store and
 * checks its status, its error code, that no row was written, and that the server
 * still answers afterwards. The categories that already held (sizes, content types,
 * auth, JSON syntax, types) are here too, so they keep holding.
 */
import { randomUUID } from 'node:crypto';

/** The published model version every valid event is about (hostile-telemetry.test.ts publishes it). */
export const MODEL = 'mnist-centroid';
export const VERSION = '1.0.0';

/** Which credentials a case sends. */
export type CaseToken = 'app' | 'admin' | 'none' | 'wrong';

/** One request to send, exactly as given. */
export interface CaseRequest {
  method: 'GET' | 'POST';
  path: string;
  token: CaseToken;
  /** Sent as JSON (`Content-Type: application/json`). */
  json?: unknown;
  /** Sent as is (set `content-type` in `headers`); takes precedence over `json`. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** One hostile case: the request, and the refusal it must get (nothing stored). */
export interface HostileCase {
  /** The issue item or category it covers. */
  group: string;
  what: string;
  request: () => CaseRequest;
  status: number;
  code: string;
}

type Event = Record<string, unknown>;

/**
 * The baseline the hostile suite's version is published with: the signals its events
 * count, over the same bins (the endpoint refuses any other), Object-member names included.
 */
export const HOSTILE_BASELINE = [
  { name: 'mean_intensity', edges: [0, 0.1, 0.2, 1], counts: [3, 10, 2] },
  { name: 'top1_confidence', edges: [0, 0.5, 0.9, 1], counts: [1, 4, 11] },
  ...['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'].map((name) => ({ name, edges: [0, 1, 2], counts: [5, 5] })),
];

/** A valid drift event for the published version, in the hour of `windowStart`. */
export function validEvent(overrides: Event = {}): Event {
  return {
    type: 'drift',
    model: MODEL,
    version: VERSION,
    deviceClass: 'phone-wasm',
    windowStart: '2026-11-23T16:00:00Z',
    windowEnd: '2026-11-23T17:00:00Z',
    signals: { mean_intensity: [3, 10, 2], top1_confidence: [0, 4, 11] },
    predictions: { 0: 4, 7: 11 },
    latencyMs: { edges: [1, 2, 5, 10, 50], counts: [0, 3, 9, 2] },
    errors: { INFERENCE_FAILED: 1 },
    ...overrides,
  };
}

/** A valid batch of `events` (one valid event by default) with a fresh batchId. */
export function batchOf(events: unknown[] = [validEvent()], overrides: Event = {}): Event {
  return { schema: 1, batchId: randomUUID(), deviceId: 'd-hostile', sentAt: '2026-11-23T17:00:00Z', events, ...overrides };
}

/** An event whose windowStart is `hours` hours after 2026-11-01T00:00Z. */
export function eventInHour(hours: number, overrides: Event = {}): Event {
  const start = Date.UTC(2026, 10, 1) + hours * 3_600_000;
  return validEvent({ windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 3_600_000).toISOString(), ...overrides });
}

/** `count` signals of `bins` zero bins each. */
export function wideSignals(count: number, bins: number): Record<string, number[]> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, new Array<number>(bins).fill(0)]));
}

/** The amplification batch: 7 events × 64 signals × 1,024 bins, each event in another hour (≈ 0.88 MiB). */
export function amplificationBatch(): Event {
  return batchOf(Array.from({ length: 7 }, (_, h) => eventInHour(h, { signals: wideSignals(64, 1024) })));
}

const post = (json: unknown, token: CaseToken = 'app'): CaseRequest => ({ method: 'POST', path: '/v1/telemetry', token, json });
const postRaw = (body: string | Uint8Array, contentType?: string, token: CaseToken = 'app'): CaseRequest => ({
  method: 'POST',
  path: '/v1/telemetry',
  token,
  body,
  headers: contentType === undefined ? {} : { 'content-type': contentType },
});
const summary = (query: string, token: CaseToken = 'admin'): CaseRequest => ({ method: 'GET', path: `/v1/telemetry/summary${query}`, token });
const oneEvent = (overrides: Event) => post(batchOf([validEvent(overrides)]));

const BAD_KEYS = ['__proto__x', '_private', '.hidden', '-dash', 'has space', 'k'.repeat(65), '', 'é', 'a/b', 'a\u0000b'];

export const HOSTILE_TELEMETRY_CASES: readonly HostileCase[] = [
  // 1. Count-map keys: one rule for every map (COUNT_KEY_PATTERN); Object-member names are plain keys (see the test).
  ...(['signals', 'predictions', 'errors'] as const).flatMap((map) =>
    BAD_KEYS.map((key): HostileCase => ({
      group: '1 count-map keys',
      what: `${map} key ${JSON.stringify(key.slice(0, 12))}`,
      request: () => oneEvent({ [map]: { [key]: map === 'signals' ? [1] : 1 } }),
      status: 400,
      code: 'BAD_REQUEST',
    })),
  ),
  ...['_proto', 'has space', '', 'x'.repeat(65)].map((deviceClass): HostileCase => ({
    group: '1 count-map keys',
    what: `deviceClass ${JSON.stringify(deviceClass.slice(0, 12))}`,
    request: () => oneEvent({ deviceClass }),
    status: 400,
    code: 'BAD_REQUEST',
  })),
  {
    group: '1 count-map keys',
    what: 'a __proto__ key (refused by the JSON parser)',
    request: () => postRaw(JSON.stringify(batchOf()).replace('"predictions":{', '"predictions":{"__proto__":{"x":1},'), 'application/json'),
    status: 400,
    code: 'BAD_REQUEST',
  },

  // 2/3. One RFC 3339 parser for schema and code.
  ...[
    ['a +05 offset (no minutes)', '2026-11-23T16:00:00+05'],
    ['a +0500 offset', '2026-11-23T16:00:00+0500'],
    ['a leap second not at 23:59 UTC', '2026-11-23T16:59:60Z'],
    ['a leap second at 23:59 local but not UTC', '2026-11-23T23:59:60+01:00'],
    ['February 30', '2026-02-30T16:00:00Z'],
    ['29 February of a common year', '2026-02-29T16:00:00Z'],
    ['hour 24', '2026-11-23T24:00:00Z'],
    ['a space for T', '2026-11-23 16:00:00Z'],
    ['lower-case t and z', '2026-11-23t16:00:00z'],
    ['no offset', '2026-11-23T16:00:00'],
    ['offset +24:00', '2026-11-23T16:00:00+24:00'],
    ['a date only', '2026-11-23'],
    ['year 0000 minus an offset', '0000-01-01T00:00:00+01:00'],
  ].flatMap(([what, time]): HostileCase[] => [
    { group: '2 date-times', what: `windowStart: ${what}`, request: () => oneEvent({ windowStart: time }), status: 400, code: 'BAD_REQUEST' },
    { group: '2 date-times', what: `windowEnd: ${what}`, request: () => oneEvent({ windowEnd: time }), status: 400, code: 'BAD_REQUEST' },
    { group: '2 date-times', what: `sentAt: ${what}`, request: () => post(batchOf(undefined, { sentAt: time })), status: 400, code: 'BAD_REQUEST' },
    { group: '2 date-times', what: `summary to: ${what}`, request: () => summary(`?to=${encodeURIComponent(time)}`), status: 400, code: 'BAD_REQUEST' },
    { group: '2 date-times', what: `summary from: ${what}`, request: () => summary(`?from=${encodeURIComponent(time)}`), status: 400, code: 'BAD_REQUEST' },
  ]),
  {
    group: '3 window order',
    what: 'windowEnd +05:00, an hour before windowStart',
    request: () => oneEvent({ windowStart: '2026-11-23T16:00:00Z', windowEnd: '2026-11-23T17:00:00+05:00' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    group: '3 window order',
    what: 'windowEnd a millisecond before windowStart',
    request: () => oneEvent({ windowStart: '2026-11-23T16:00:00.001Z', windowEnd: '2026-11-23T16:00:00Z' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { group: '3 window order', what: 'summary to +05:00 before from', request: () => summary(`?from=2026-11-23T16:00:00Z&to=${encodeURIComponent('2026-11-23T17:00:00+05:00')}`), status: 400, code: 'BAD_REQUEST' },

  // 4. Amplification and unknown models.
  { group: '4 amplification', what: "the issue's batch: 7 events × 64 signals × 1,024 bins in 7 hours", request: () => post(amplificationBatch()), status: 400, code: 'BAD_REQUEST' },
  { group: '4 amplification', what: 'one event of 5 signals × 1,000 bins (over 4,096 bins)', request: () => oneEvent({ signals: wideSignals(5, 1000) }), status: 400, code: 'BAD_REQUEST' },
  {
    group: '4 amplification',
    what: '25 events, each in another hour (over 24 hours)',
    request: () => post(batchOf(Array.from({ length: 25 }, (_, h) => eventInHour(h)))),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    group: '4 amplification',
    what: '6 hours × 4 signals × 1,024 bins (over 20,000 cells)',
    request: () => post(batchOf(Array.from({ length: 6 }, (_, h) => eventInHour(h, { signals: wideSignals(4, 1024) })))),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    group: '4 amplification',
    what: '24 hours × 1,024 prediction classes (over 20,000 cells)',
    request: () => post(batchOf(Array.from({ length: 24 }, (_, h) => eventInHour(h, { predictions: Object.fromEntries(Array.from({ length: 1024 }, (_, c) => [`c${c}`, 1])) })))),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  { group: '4 unknown models', what: 'a model never published', request: () => oneEvent({ model: 'never-published' }), status: 404, code: 'NOT_FOUND' },
  { group: '4 unknown models', what: 'a version never published', request: () => oneEvent({ version: '9.9.9' }), status: 404, code: 'NOT_FOUND' },
  {
    group: '4 unknown models',
    what: 'one unknown version among good events (the whole batch is refused)',
    request: () => post(batchOf([validEvent(), validEvent(), validEvent({ version: '1.0.1' }), validEvent()])),
    status: 404,
    code: 'NOT_FOUND',
  },

  // Categories that held before: they must keep holding.
  { group: 'size', what: 'a body over 1 MiB', request: () => postRaw(JSON.stringify(batchOf(undefined, { deviceId: 'x'.repeat(1_100_000) })), 'application/json'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { group: 'size', what: '501 events', request: () => post(batchOf(Array.from({ length: 501 }, () => validEvent({ signals: {} })))), status: 400, code: 'BAD_REQUEST' },
  { group: 'size', what: '65 signals', request: () => oneEvent({ signals: wideSignals(65, 1) }), status: 400, code: 'BAD_REQUEST' },
  { group: 'size', what: 'a signal of 1,025 bins', request: () => oneEvent({ signals: wideSignals(1, 1025) }), status: 400, code: 'BAD_REQUEST' },
  { group: 'content type', what: 'text/plain', request: () => postRaw(JSON.stringify(batchOf()), 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { group: 'content type', what: 'no content type', request: () => postRaw(JSON.stringify(batchOf())), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { group: 'content type', what: 'form-urlencoded', request: () => postRaw('schema=1', 'application/x-www-form-urlencoded'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { group: 'auth', what: 'no token', request: () => post(batchOf(), 'none'), status: 401, code: 'UNAUTHORIZED' },
  { group: 'auth', what: 'an unknown token', request: () => post(batchOf(), 'wrong'), status: 401, code: 'UNAUTHORIZED' },
  { group: 'auth', what: 'summary without a token', request: () => summary('', 'none'), status: 401, code: 'UNAUTHORIZED' },
  { group: 'auth', what: 'summary with an app token', request: () => summary('', 'app'), status: 403, code: 'FORBIDDEN' },
  { group: 'JSON', what: 'truncated JSON', request: () => postRaw('{"schema": 1,', 'application/json'), status: 400, code: 'BAD_REQUEST' },
  { group: 'JSON', what: 'an empty body', request: () => postRaw('', 'application/json'), status: 400, code: 'BAD_REQUEST' },
  { group: 'JSON', what: 'invalid UTF-8', request: () => postRaw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json'), status: 400, code: 'BAD_REQUEST' },
  { group: 'JSON', what: 'constructor.prototype', request: () => postRaw('{"constructor": {"prototype": {"x": 1}}}', 'application/json'), status: 400, code: 'BAD_REQUEST' },
  { group: 'JSON', what: 'an array body', request: () => post([batchOf()]), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'schema "1"', request: () => post(batchOf(undefined, { schema: '1' })), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'schema 2', request: () => post(batchOf(undefined, { schema: 2 })), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'events an object', request: () => post(batchOf(undefined, { events: { 0: validEvent() } })), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'a count as a string', request: () => oneEvent({ predictions: { 1: '3' } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'a fractional count', request: () => oneEvent({ predictions: { 1: 1.5 } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'a negative count', request: () => oneEvent({ errors: { INFERENCE_FAILED: -1 } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'a count over 1e9', request: () => oneEvent({ signals: { mean_intensity: [1_000_000_001] } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'windowStart a number', request: () => oneEvent({ windowStart: 1_795_449_600_000 }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'an unknown event key', request: () => oneEvent({ note: 'x' }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'latency counts not one fewer than edges', request: () => oneEvent({ latencyMs: { edges: [1, 2, 3], counts: [1] } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'latency edges not increasing', request: () => oneEvent({ latencyMs: { edges: [1, 5, 5], counts: [1, 1] } }), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'batchId too short', request: () => post(batchOf(undefined, { batchId: 'short' })), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'deviceId with a space', request: () => post(batchOf(undefined, { deviceId: 'd 1' })), status: 400, code: 'BAD_REQUEST' },
  { group: 'types', what: 'a model name with a slash', request: () => oneEvent({ model: '../etc' }), status: 400, code: 'BAD_REQUEST' },
];
