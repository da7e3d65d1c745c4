/**
 * The one validator of the `edgeloop/1` manifest. Everything that reads a manifest
 * (the runtime, the sync endpoint, the package writer) goes through it, so a package
 * either means exactly one thing or is rejected with an error that names the field.
 */
import { EdgeloopError } from './edgeloop-error.ts';
import {
  describe,
  fail,
  finite,
  jsonValue,
  keyPath,
  matching,
  oneOf,
  plainObject,
  strictObject,
  string,
  type JsonObject,
} from './json-checks.ts';
import { MANIFEST_FORMAT, TASKS, type Lineage, type Manifest } from './manifest.ts';
import { MANIFEST_LIMITS } from './manifest-limits.ts';
import { MAX_NAME_LENGTH, MAX_VERSION_LENGTH, PACKAGE_NAME_EXPECTED, PACKAGE_NAME_PATTERN, VERSION_EXPECTED, VERSION_PATTERN } from './naming.ts';
import { artifacts, sha256Digest } from './validate-artifacts.ts';
import { baseline } from './validate-baseline.ts';
import { modelIo } from './validate-model-io.ts';

export type { ManifestIssueReason } from './json-checks.ts';

/** The largest `manifest.json` accepted, in bytes (1 MiB). Checked before decoding. */
export const MAX_MANIFEST_BYTES = 1 << 20;

const L = MANIFEST_LIMITS;

const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

const SHAPE = {
  manifest: {
    required: ['format', 'name', 'version', 'createdAt', 'task', 'input', 'output', 'artifacts', 'metrics'],
    optional: ['inputs', 'outputs', 'baseline', 'lineage'],
  },
  lineage: { required: [], optional: ['parent', 'teacher', 'datasetSha256', 'trainerConfig'] },
} as const;

/**
 * Checks an untrusted value (usually `JSON.parse` output) against the `edgeloop/1`
 * schema and returns a fresh copy holding only the validated fields, in canonical key
 * order. The input is never returned or mutated.
 *
 * @throws EdgeloopError `MANIFEST_INVALID` with `details: { field, reason }` at the
 *   first problem, e.g. `field: 'artifacts[0].files[2].path'`, `reason: 'path'`.
 */
export function validateManifest(value: unknown): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('', 'type', `must be a JSON object (got ${describe(value)})`);
  }
  // The format tag first: a manifest of another format version should say so rather
  // than fail on whichever field that version changed.
  const format = (value as JsonObject).format;
  if (format !== MANIFEST_FORMAT) {
    if (format === undefined) fail('format', 'required', `is required: "${MANIFEST_FORMAT}"`);
    fail('format', 'value', `must be "${MANIFEST_FORMAT}" (got ${describe(format)}); this runtime reads only that format`);
  }
  const m = strictObject(value, '', SHAPE.manifest);

  const name = matching(m.name, 'name', PACKAGE_NAME_PATTERN, PACKAGE_NAME_EXPECTED, MAX_NAME_LENGTH);
  const version = semver(m.version, 'version');
  const createdAt = dateTime(m.createdAt, 'createdAt');
  const task = oneOf(m.task, 'task', TASKS);
  const { input, output, inputs, outputs } = modelIo(m, task);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name,
    version,
    createdAt,
    task,
    input,
    output,
    ...(inputs !== undefined ? { inputs } : {}),
    ...(outputs !== undefined ? { outputs } : {}),
    artifacts: artifacts(m.artifacts, 'artifacts'),
    metrics: metrics(m.metrics, 'metrics'),
  };
  if (m.baseline !== undefined) manifest.baseline = baseline(m.baseline, 'baseline');
  if (m.lineage !== undefined) manifest.lineage = lineage(m.lineage, 'lineage');
  return manifest;
}

/**
 * Decodes (UTF-8), parses and validates `manifest.json`. The size limit
 * {@link MAX_MANIFEST_BYTES} is checked before anything is decoded, so an oversized
 * file costs nothing to reject.
 *
 * @throws EdgeloopError `MANIFEST_TOO_LARGE` with `details: { bytes, limit }`.
 * @throws EdgeloopError `MANIFEST_INVALID` for bad UTF-8 or JSON (`reason: 'json'`) and
 *   for every schema problem (see {@link validateManifest}).
 */
export function parseManifest(bytes: Uint8Array | ArrayBuffer | string): Manifest {
  let size: number;
  if (typeof bytes === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so short strings need no count.
    size = bytes.length * 3 <= MAX_MANIFEST_BYTES ? bytes.length : utf8Length(bytes);
  } else if (ArrayBuffer.isView(bytes) || Object.prototype.toString.call(bytes) === '[object ArrayBuffer]') {
    size = bytes.byteLength;
  } else {
    throw new TypeError(`parseManifest takes a Uint8Array, an ArrayBuffer or a string (got ${describe(bytes)})`);
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new EdgeloopError(
      'MANIFEST_TOO_LARGE',
      `manifest.json is ${size} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes (1 MiB). Refusing to parse it: move large data (labels, baselines, configs) out of the manifest`,
      { details: { bytes: size, limit: MAX_MANIFEST_BYTES } },
    );
  }
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      fail('', 'json', 'is not valid UTF-8 text; manifest.json must be UTF-8 encoded JSON', error);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail('', 'json', `is not valid JSON (${(error as Error).message}); check how manifest.json was written`, error);
  }
  return validateManifest(value);
}

function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

function semver(value: unknown, field: string): string {
  return matching(value, field, VERSION_PATTERN, VERSION_EXPECTED, MAX_VERSION_LENGTH);
}

function dateTime(value: unknown, field: string): string {
  const expected = 'an ISO-8601 date-time with a time zone, such as "2025-01-31T12:00:00Z"';
  const text = matching(value, field, DATE_TIME_PATTERN, expected, 64);
  const [, y, mo, d, h, mi, s, oh, om] = DATE_TIME_PATTERN.exec(text)!.map((part) => part ?? '0');
  const year = Number(y);
  const month = Number(mo);
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid =
    month >= 1 && month <= 12 && Number(d) >= 1 && Number(d) <= daysInMonth &&
    Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59 && Number(oh) <= 23 && Number(om) <= 59;
  // Date.parse quietly rolls over impossible dates (2024-02-30 → March 1), hence the checks above.
  if (!valid || Number.isNaN(Date.parse(text))) fail(field, 'value', `must be a date and time that exists, such as "2025-01-31T12:00:00Z" (got ${describe(text)})`);
  return text;
}

function metrics(value: unknown, field: string): Record<string, number> {
  const o = plainObject(value, field);
  const entries = Object.entries(o).filter(([, metric]) => metric !== undefined);
  if (entries.length > L.maxMetrics) fail(field, 'length', `must have at most ${L.maxMetrics} entries (got ${entries.length})`);
  const result: Record<string, number> = {};
  for (const [key, metric] of entries) {
    const at = keyPath(field, key);
    if (key.length === 0 || key.length > 128) fail(at, 'length', 'must have a name of 1 to 128 characters');
    result[key] = finite(metric, at);
  }
  return result;
}

function lineage(value: unknown, field: string): Lineage {
  const o = strictObject(value, field, SHAPE.lineage);
  const result: Lineage = {};
  if (o.parent !== undefined) result.parent = semver(o.parent, keyPath(field, 'parent'));
  if (o.teacher !== undefined) result.teacher = string(o.teacher, keyPath(field, 'teacher'), 1, 256);
  if (o.datasetSha256 !== undefined) {
    result.datasetSha256 = sha256Digest(o.datasetSha256, keyPath(field, 'datasetSha256'));
  }
  if (o.trainerConfig !== undefined) {
    const at = keyPath(field, 'trainerConfig');
    plainObject(o.trainerConfig, at);
    result.trainerConfig = jsonValue(o.trainerConfig, at, L.maxTrainerConfigDepth) as Record<string, unknown>;
  }
  return result;
}
