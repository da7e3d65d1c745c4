/**
 * A seeded generator of malformed requests for the endpoint's write and registry
 * routes: wrong types, huge and non-finite numbers, NaN-ish strings, deep nesting,
 * invalid UTF-8, duplicate keys, oversized bodies, wrong content types and path
 * traversal in names, versions and file paths. Every case is one that docs/SYNC-API.md
 * says must be refused; a few (odd `Range` headers, which RFC 9110 §14.2 lets a server
 * ignore) only must not be a server fault.
 */
import { seededRandom, type TelemetryBatch } from './telemetry-batch.ts';
import type { PublishBody } from '../mnist-package.ts';

/** One request to send. */
export interface FuzzCase {
  /** What it is, for the failure message. */
  what: string;
  method: string;
  path: string;
  token?: 'admin' | 'app';
  headers: Record<string, string>;
  body?: string | Buffer;
  /** `true`: must be 4xx; `false`: must only not be 5xx. */
  must4xx: boolean;
}

/** What the generator mutates: a valid batch, a valid publish body for an unpublished version, a published package. */
export interface FuzzSeeds {
  batch: TelemetryBatch;
  publish: { name: string; version: string; body: PublishBody };
  published: { name: string; version: string; filePath: string };
}

/** Values spliced into JSON text as written (JSON.stringify cannot write them). */
const RAW = ['1e309', '-1e309', '1E400', '123456789012345678901234567890', '1.0000000000000002'] as const;
const rawToken = (i: number): string => `__RAW_${i}__`;
const NAN_ISH = ['NaN', 'Infinity', '-Infinity', '0x10', '1e3', ' 5', '', '5 ', '1_000', '٣'];
const HUGE = [1e300, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 1e21];
const WRONG_TYPES: unknown[] = [null, true, false, [], {}, [1, 2], { a: 1 }, 'x', 0];
const JSON_HEADERS = { 'content-type': 'application/json' };
const TRAVERSALS = [
  '..',
  '../..',
  '../../../../../../etc/passwd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2E%2E/%2E%2E/sync.db',
  '..%5c..%5c..%5cwindows%5cwin.ini',
  '..\\..\\..\\etc\\passwd',
  '%252e%252e%252fetc%252fpasswd',
  '/etc/passwd',
  '%2fetc%2fpasswd',
  'C:%5cWindows%5cwin.ini',
  'x%00.json',
  '.%2e/.%2e/sync.db',
  '....//....//etc/passwd',
  `${'a'.repeat(5000)}`,
];

/** Makes `count` cases from `seed`. */
export function makeFuzzCases(seeds: FuzzSeeds, count: number, seed: number): FuzzCase[] {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const int = (n: number): number => Math.floor(rand() * n);
  const clone = <T>(value: T): T => structuredClone(value);

  /** JSON text of `value`, with `__RAW_i__` strings replaced by the raw literals. */
  const text = (value: unknown): string => JSON.stringify(value).replace(/"__RAW_(\d)__"/g, (_, i: string) => RAW[Number(i)]);
  const badNumber = (): unknown => {
    const r = rand();
    if (r < 0.3) return rawToken(int(RAW.length));
    if (r < 0.5) return pick(HUGE) * (rand() < 0.5 ? 1 : -1);
    if (r < 0.7) return pick(NAN_ISH);
    if (r < 0.85) return pick([-1, 1.5, -0.5, 0.1]);
    return pick(WRONG_TYPES.filter((v) => typeof v !== 'number'));
  };
  const badString = (): unknown => pick([...WRONG_TYPES.filter((v) => typeof v !== 'string'), 12, 1e300, rawToken(0)]);
  const deep = (depth: number, leaf: unknown = 1): unknown => {
    let v: unknown = leaf;
    for (let i = 0; i < depth; i++) v = rand() < 0.5 ? [v] : { a: v };
    return v;
  };

  const telemetry = (what: string, body: string | Buffer, headers: Record<string, string> = JSON_HEADERS): FuzzCase => ({
    what: `telemetry: ${what}`,
    method: 'POST',
    path: '/v1/telemetry',
    token: 'app',
    headers,
    body,
    must4xx: true,
  });
  const publish = (what: string, body: string | Buffer, options: { path?: string; headers?: Record<string, string> } = {}): FuzzCase => ({
    what: `publish: ${what}`,
    method: 'PUT',
    path: options.path ?? `/v1/models/${seeds.publish.name}/versions/${seeds.publish.version}`,
    token: 'admin',
    headers: options.headers ?? JSON_HEADERS,
    body,
    must4xx: true,
  });

  /** A batch with one event field (or one top-level field) made wrong. */
  const mutateBatch = (): FuzzCase => {
    const batch = clone(seeds.batch) as unknown as Record<string, any>;
    batch.batchId = `fuzz-${seed}-${int(1e9)}`;
    const event = batch.events[int(batch.events.length)];
    const field = pick(['schema', 'batchId', 'deviceId', 'sentAt', 'events', 'type', 'model', 'version', 'deviceClass', 'windowStart', 'windowEnd', 'signals', 'predictions', 'latencyMs', 'errors', 'missing']);
    let what = field;
    switch (field) {
      case 'schema':
        batch.schema = pick([0, 2, '1', 1.5, -1, rawToken(0), null, [], {}, true, 1.0000001]);
        break;
      case 'batchId':
      case 'deviceId':
        batch[field] = rand() < 0.2 ? '' : badString();
        break;
      case 'sentAt':
        batch.sentAt = pick(['not a date', '2026-13-45T99:99:99Z', 12, null, '']);
        break;
      case 'events':
        batch.events = rand() < 0.3 ? Array.from({ length: 501 }, () => seeds.batch.events[0]) : pick(WRONG_TYPES.filter((v) => !Array.isArray(v)));
        what = Array.isArray(batch.events) ? 'events: 501 events' : 'events: wrong type';
        break;
      case 'type':
        event.type = pick(['other', 'DRIFT', 1, null, '']);
        break;
      case 'model':
      case 'version':
      case 'deviceClass':
        event[field] = badString();
        break;
      case 'windowStart':
      case 'windowEnd':
        event[field] = pick(['yesterday', '2026-11-23', 1_700_000_000, null, 'NaN']);
        break;
      case 'signals': {
        const key = Object.keys(event.signals)[0];
        const r = rand();
        if (r < 0.5) event.signals[key][int(event.signals[key].length)] = badNumber();
        else if (r < 0.7) event.signals[key] = deep(1 + int(500)); // deeper still: the structural cases below
        else event.signals = pick(['x', [], 5, null, { [key]: 'x' }]);
        break;
      }
      case 'predictions':
        if (rand() < 0.7) event.predictions[String(int(10))] = badNumber();
        else event.predictions = pick(['x', [3, 4], 5, null]);
        break;
      case 'latencyMs':
        if (rand() < 0.6) event.latencyMs.counts[int(event.latencyMs.counts.length)] = badNumber();
        else event.latencyMs = pick(['x', [], null, { edges: 'x', counts: [1] }, { edges: [1, 2], counts: 'x' }]);
        break;
      case 'errors':
        event.errors = rand() < 0.6 ? { INFERENCE_FAILED: badNumber() } : pick(['x', [1], 5]);
        break;
      default: {
        const key = pick(['schema', 'batchId', 'events']);
        delete batch[key];
        what = `missing ${key}`;
      }
    }
    return telemetry(what, text(batch));
  };

  const validBatchText = (): string => text({ ...seeds.batch, batchId: `fuzz-${seed}-${int(1e9)}` });

  const structural = (): FuzzCase => {
    const valid = validBatchText();
    const r = int(12);
    switch (r) {
      case 0:
        return telemetry('duplicate key, the later one invalid', valid.replace('"schema":1', '"schema":1,"schema":2'));
      case 1:
        return telemetry('duplicate events key, the later one a string', valid.replace(/}$/, ',"events":"x"}'));
      case 2: {
        const depth = 1000 + int(200_000);
        return telemetry(`deeply nested array (${depth})`, '['.repeat(depth) + ']'.repeat(depth));
      }
      case 3: {
        const depth = 1000 + int(100_000);
        return telemetry(`deeply nested object (${depth})`, '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
      }
      case 4: {
        const at = valid.indexOf('"events"');
        return telemetry('invalid UTF-8 between tokens', Buffer.concat([Buffer.from(valid.slice(0, at)), Buffer.from([pick([0xff, 0xc3, 0xed, 0x80]), 0x28]), Buffer.from(valid.slice(at))]));
      }
      case 5:
        return telemetry('invalid UTF-8 as the schema value', Buffer.concat([Buffer.from(valid.replace('"schema":1', '"schema":"')).subarray(0, valid.indexOf('"schema"') + 10), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(`"${valid.slice(valid.indexOf('"schema"') + 10)}`)]));
      case 6:
        return telemetry('truncated JSON', valid.slice(0, 1 + int(valid.length - 2)));
      case 7:
        return telemetry('not an object', pick(['null', '[]', '"batch"', '1', 'true', '', ' ', '{}', '[{}]']));
      case 8:
        return telemetry(
          'wrong content type',
          valid,
          pick<Record<string, string>>([{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }, { 'content-type': 'application/xml' }, { 'content-type': 'application/octet-stream' }, {}]),
        );
      case 9: {
        // Over 1 MiB with valid-looking content: one event padded out.
        const big = clone(seeds.batch) as unknown as Record<string, any>;
        big.batchId = `fuzz-${seed}-${int(1e9)}`;
        big.deviceId = 'd'.repeat(1024 * 1024 + int(100_000));
        return telemetry('body over 1 MiB', text(big));
      }
      case 10:
        return telemetry('JSON with a BOM-less UTF-16 body', Buffer.from(valid, 'utf16le'), { 'content-type': 'application/json; charset=utf-16' });
      default:
        return { what: 'telemetry: GET instead of POST', method: 'GET', path: '/v1/telemetry', token: 'app', headers: {}, must4xx: true };
    }
  };

  const mutatePublish = (): FuzzCase => {
    const body = clone(seeds.publish.body) as unknown as Record<string, any>;
    const files = Object.keys(body.files);
    const r = int(14);
    let what: string;
    switch (r) {
      case 0:
        body.manifest = pick(['!!!not base64!!!', '', Buffer.from('not json').toString('base64'), Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64')]);
        what = 'manifest not base64 of a manifest';
        break;
      case 1:
        body.manifest = Buffer.from('[{"a":'.repeat(50_000) + '1' + '}]'.repeat(50_000)).toString('base64');
        what = 'manifest deeply nested JSON';
        break;
      case 2:
        body.signature = pick(['', '@@@', Buffer.from('{"format":"edgeloop-sig/1"}').toString('base64'), Buffer.alloc(5000, 1).toString('base64')]);
        what = 'signature garbage';
        break;
      case 3: {
        const path = pick(files);
        const bytes = Buffer.from(body.files[path], 'base64');
        bytes[int(bytes.length)] ^= 1 + int(255);
        body.files[path] = bytes.toString('base64');
        what = `one byte of ${path} flipped`;
        break;
      }
      case 4:
        delete body.files[pick(files)];
        what = 'a listed file missing';
        break;
      case 5: {
        const path = pick(files);
        body.files[`${pick(['../', '../../', '/', '..\\', '%2e%2e/', 'tfjs-fp32/../../'])}${path}`] = body.files[path];
        delete body.files[path];
        what = 'a file under a traversal path instead of its own';
        break;
      }
      case 6:
        body[pick(['manifest', 'signature', 'files'])] = pick(WRONG_TYPES.filter((v) => typeof v !== 'string' && !(typeof v === 'object' && v !== null && !Array.isArray(v))));
        what = 'a field of the wrong type';
        break;
      case 7:
        body.files = { [pick(files)]: pick([1, null, [], {}, '!!!']) };
        what = 'file content not base64';
        break;
      case 8:
        return publish('duplicate manifest key, the later one invalid', text(body).replace(/}$/, ',"manifest":"e30="}'));
      case 9:
        return publish('wrong content type', text(body), { headers: pick<Record<string, string>>([{ 'content-type': 'text/plain' }, { 'content-type': 'application/octet-stream' }, {}]) });
      case 10:
        return publish(`name in the URL differs: ${seeds.publish.name}-other`, text(body), { path: `/v1/models/${seeds.publish.name}-other/versions/${seeds.publish.version}` });
      case 11: {
        const traversal = pick(TRAVERSALS);
        return publish(`traversal in the version: ${traversal.slice(0, 40)}`, text(body), { path: `/v1/models/${seeds.publish.name}/versions/${traversal}` });
      }
      case 12: {
        const traversal = pick(TRAVERSALS);
        return publish(`traversal in the name: ${traversal.slice(0, 40)}`, text(body), { path: `/v1/models/${traversal}/versions/${seeds.publish.version}` });
      }
      default:
        return publish('not JSON', pick(['{', 'manifest=1', Buffer.from([0xff, 0xff]).toString('latin1')]));
    }
    return publish(what, text(body));
  };

  const registry = (): FuzzCase => {
    const { name, version, filePath } = seeds.published;
    const t = pick(TRAVERSALS);
    const shapes = [
      `/registry/${t}`,
      `/registry/${t}/index.json`,
      `/registry/${name}/${t}`,
      `/registry/${name}/${t}/manifest.json`,
      `/registry/${name}/${version}/${t}`,
      `/registry/${name}/${version}/${filePath.split('/')[0]}/${t}`,
      `/registry/${name}/${version}/${filePath.split('/')[0]}/../manifest.json`,
      `/registry/${name}/${version}//etc/passwd`,
      `/registry/${t}/${version}/manifest.json`,
      `/v1/models/${t}`,
      `/v1/models/${name}/aliases/${t}/history`,
    ];
    const path = pick(shapes);
    if (rand() < 0.1) {
      return {
        what: 'registry: odd Range header',
        method: 'GET',
        path: `/registry/${name}/${version}/${filePath}`,
        headers: { range: pick(['bytes=abc', 'bytes=5-1', 'bytes=99999999999999999999-', 'bytes=-0', 'items=0-5', 'bytes=0-1,2-3,4-5', 'bytes=--1', `bytes=${'0-1,'.repeat(500)}0-1`]) },
        must4xx: false,
      };
    }
    return { what: `registry: ${path.slice(0, 100)}`, method: pick(['GET', 'GET', 'GET', 'HEAD']), path, headers: {}, must4xx: true };
  };

  const summary = (): FuzzCase => ({
    what: 'summary: bad query',
    method: 'GET',
    path: `/v1/telemetry/summary?${pick(['from=notadate', 'to=2026-99-99', 'from=NaN&to=Infinity', 'from=1e309', 'to=2026-11-23T25:00:00Z'])}`,
    token: 'admin',
    headers: {},
    must4xx: true,
  });

  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    cases.push(r < 0.35 ? mutateBatch() : r < 0.55 ? structural() : r < 0.75 ? mutatePublish() : r < 0.95 ? registry() : summary());
  }
  return cases;
}
