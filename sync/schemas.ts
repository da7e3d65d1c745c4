/**
 * JSON schemas of the endpoint's requests and responses (validated by fastify's ajv,
 * and the source of `/openapi.json`). Every string, array and object is bounded, and
 * nesting is fixed by construction, so no body can make validation expensive.
 */

import {
  ALIAS_PATTERN_SOURCE,
  FEEDBACK_INPUT_DTYPES,
  FEEDBACK_LIMITS,
  MANIFEST_LIMITS,
  MAX_NAME_LENGTH,
  MAX_VERSION_LENGTH,
  PACKAGE_NAME_PATTERN_SOURCE,
  VERSION_PATTERN_SOURCE,
} from '../format/index.ts';

/** Package names: the format's rule (`PACKAGE_NAME_PATTERN`), the one the manifest validator and the registry index use. */
export const NAME_PATTERN = PACKAGE_NAME_PATTERN_SOURCE;
/** Semver 2.0, the format's `version` rule (`VERSION_PATTERN`). */
export const VERSION_PATTERN = VERSION_PATTERN_SOURCE;
/** Alias names: the registry index's rule. */
export const ALIAS_PATTERN = ALIAS_PATTERN_SOURCE;

const name = { type: 'string', pattern: NAME_PATTERN, maxLength: MAX_NAME_LENGTH } as const;
const version = { type: 'string', pattern: VERSION_PATTERN, maxLength: MAX_VERSION_LENGTH } as const;
const alias = { type: 'string', pattern: ALIAS_PATTERN, maxLength: 32 } as const;
/** RFC 3339 by the endpoint's one parser: server.ts replaces ajv's `date-time` with sync/date-time.ts's `isDateTime`. */
const dateTime = { type: 'string', format: 'date-time', maxLength: 64, description: 'RFC 3339 date-time: Z or ±HH:MM offset (docs/SYNC-API.md, "Times")' } as const;
const count = { type: 'integer', minimum: 0, maximum: 1_000_000_000 } as const;
/** A response object whose every listed property is always present. */
const responseOf = <P extends Record<string, object>>(properties: P) => ({ type: 'object', required: Object.keys(properties), properties }) as const;
/** Route parameters: exactly the listed ones, all required. */
const paramsOf = <P extends Record<string, object>>(properties: P) => ({ type: 'object', required: Object.keys(properties), additionalProperties: false, properties }) as const;
const counts = (maxItems: number) => ({ type: 'array', maxItems, items: count }) as const;
const countMap = (keyPattern: string, maxProperties: number) =>
  ({ type: 'object', maxProperties, propertyNames: { pattern: keyPattern, maxLength: 256 }, additionalProperties: count }) as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string', description: 'the request field the error is about, when it is about one (`examples[3].label`)' },
      },
    },
  },
} as const;

export const nameParams = paramsOf({ name });
export const versionParams = paramsOf({ name, version });
export const aliasParams = paramsOf({ name, alias });
export const fileParams = {
  type: 'object',
  required: ['name', 'version', '*'],
  additionalProperties: false,
    // The manifest's path characters (validateManifest's filePath), so nothing else reaches a query.
  properties: { name, version, '*': { type: 'string', pattern: '^[A-Za-z0-9._/-]{1,255}$' } },
} as const;

export const publishBody = {
  type: 'object',
  required: ['manifest', 'files'],
  additionalProperties: false,
  properties: {
    manifest: { type: 'string', minLength: 1, maxLength: 1_400_000, description: 'base64 of the exact manifest.json bytes' },
    signature: { type: 'string', maxLength: 4096, description: 'base64 of manifest.sig' },
    files: {
      type: 'object',
      maxProperties: 64_000,
      propertyNames: { minLength: 1, maxLength: 255 },
      additionalProperties: { type: 'string' },
      description: 'artifact file path → base64 of its bytes',
    },
  },
} as const;

export const publishResponse = responseOf({ name: { type: 'string' }, version: { type: 'string' }, bytes: { type: 'integer' } });

const canary = {
  type: 'object',
  required: ['version', 'percent'],
  additionalProperties: false,
  properties: { version, percent: { type: 'integer', minimum: 0, maximum: 100 } },
} as const;

export const aliasBody = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version,
    canary: { anyOf: [canary, { type: 'null' }] },
    expect: {
      type: 'object',
      required: ['version'],
      additionalProperties: false,
      description: 'move only when the alias is still this (version and canary); else 409 CONFLICT and nothing changes',
      properties: { version, canary: { anyOf: [canary, { type: 'null' }] } },
    },
  },
} as const;

export const aliasResponse = responseOf({
  alias: { type: 'string' },
  version: { type: 'string' },
  canary: { anyOf: [{ type: 'object', properties: { version: { type: 'string' }, percent: { type: 'integer' } } }, { type: 'null' }] },
});

export const resolveQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { device: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const resolveResponse = responseOf({ version: { type: 'string' } });

/**
 * Keys of telemetry count maps (signal names, prediction classes, error codes) and
 * device classes: a letter or digit, then letters, digits and `_ . : -`, 64 at most.
 * Keys named like `Object` members (`constructor`, `toString`) fit and are plain keys
 * (telemetry-aggregate.ts keeps counts in `Map`s); `__proto__` cannot start with `_`.
 */
export const COUNT_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$';
const countKey = { type: 'string', pattern: COUNT_KEY_PATTERN, maxLength: 64 } as const;

/** One drift event of a telemetry batch (see docs/SYNC-API.md, "Telemetry"). */
const driftEvent = {
  type: 'object',
  required: ['type', 'model', 'version', 'windowStart', 'windowEnd'],
  additionalProperties: false,
  properties: {
    type: { const: 'drift' },
    model: name,
    version,
    deviceClass: countKey,
    windowStart: dateTime,
    windowEnd: dateTime,
    signals: { type: 'object', maxProperties: 64, propertyNames: countKey, additionalProperties: counts(1024) },
    predictions: countMap(COUNT_KEY_PATTERN, 1024),
    latencyMs: {
      type: 'object',
      required: ['edges', 'counts'],
      additionalProperties: false,
      properties: {
        edges: { type: 'array', minItems: 2, maxItems: 65, items: { type: 'number', minimum: 0, maximum: 3_600_000 } },
        counts: counts(64),
      },
    },
    errors: countMap(COUNT_KEY_PATTERN, 64),
    epsilon: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'the ε of the Laplace noise on every count (scale 1/ε); absent when the counts are exact' },
  },
} as const;

export const telemetryBody = {
  type: 'object',
  required: ['schema', 'batchId', 'deviceId', 'sentAt', 'events'],
  additionalProperties: false,
  properties: {
    schema: { const: 1, description: 'payload version; only 1 exists' },
    batchId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$', description: 'client-generated, unique per batch (a UUID)' },
    deviceId: { type: 'string', pattern: '^[\\x21-\\x7e]{1,256}$' },
    sentAt: dateTime,
    dropped: { type: 'integer', minimum: 0, maximum: 1_000_000_000, description: 'events the device dropped from its full queue since its last accepted batch' },
    events: { type: 'array', minItems: 0, maxItems: 500, items: driftEvent },
  },
} as const;

export const telemetryResponse = responseOf({ batchId: { type: 'string' }, accepted: { type: 'integer' }, duplicate: { type: 'boolean' } });

export const summaryQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { model: name, version, from: dateTime, to: dateTime },
} as const;

export const driftParams = paramsOf({ name, version });

export const driftQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { from: dateTime, to: dateTime, deviceClass: countKey },
} as const;

export const alertsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: name,
    version,
    deviceClass: countKey,
    after: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'only alerts with a larger id (poll with the last id seen)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000; default 100' },
  },
} as const;

/** A label of a feedback example: the manifest validator's bound on an output label; the version's labels decide the rest. */
const feedbackLabel = { type: 'string', minLength: 1, maxLength: FEEDBACK_LIMITS.maxLabelLength } as const;

/** The app install that shared a batch: printable ASCII, like a telemetry `deviceId`. */
const installId = { type: 'string', pattern: `^[\\x21-\\x7e]{1,${FEEDBACK_LIMITS.maxInstallIdLength}}$` } as const;

/** One labelled example of a feedback batch (see docs/SYNC-API.md, "Feedback"). */
const feedbackExample = {
  type: 'object',
  required: ['label', 'input', 'createdAt'],
  additionalProperties: false,
  properties: {
    label: feedbackLabel,
    predicted: feedbackLabel,
    createdAt: dateTime,
    input: {
      type: 'object',
      required: ['shape', 'dtype', 'data'],
      additionalProperties: false,
      properties: {
        shape: {
          type: 'array',
          minItems: 1,
          maxItems: MANIFEST_LIMITS.maxDims,
          items: { type: 'integer', minimum: 1, maximum: FEEDBACK_LIMITS.maxInputBytes },
          description: "the version's input shape with batch dimension 1",
        },
        dtype: { enum: [...FEEDBACK_INPUT_DTYPES] },
        // The body limit bounds it; the decoded size is checked against maxInputBytes (413).
        data: { type: 'string', maxLength: FEEDBACK_LIMITS.maxBodyBytes, description: 'standard base64 (RFC 4648 §4) of the input bytes' },
      },
    },
  },
} as const;

export const feedbackBody = {
  type: 'object',
  required: ['schema', 'model', 'version', 'examples'],
  additionalProperties: false,
  properties: {
    schema: { const: 1, description: 'payload version; only 1 exists' },
    model: name,
    version,
    installId,
    examples: { type: 'array', minItems: 1, maxItems: FEEDBACK_LIMITS.maxExamplesPerBatch, items: feedbackExample },
  },
} as const;

export const feedbackResponse = responseOf({
  stored: { type: 'integer' },
  duplicates: { type: 'integer' },
  ids: { type: 'array', items: { type: 'string' }, description: "each example's content id, in the batch's order" },
});

const feedbackFilter = {
  version,
  installId,
} as const;

export const feedbackQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...feedbackFilter,
    after: { type: 'string', pattern: '^[0-9]{1,15}$', description: "the previous page's `next`" },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000; default 100' },
  },
} as const;

export const feedbackDeleteQuery = { type: 'object', additionalProperties: false, properties: feedbackFilter } as const;

const nullableString = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;

export const feedbackPageResponse = responseOf({
  model: { type: 'string' },
  count: { type: 'integer' },
  next: nullableString,
  examples: {
    type: 'array',
    items: responseOf({
      id: { type: 'string' },
      version: { type: 'string' },
      label: { type: 'string' },
      predicted: nullableString,
      dtype: { type: 'string' },
      shape: { type: 'array', items: { type: 'integer' } },
      data: { type: 'string' },
      createdAt: { type: 'string' },
      receivedAt: { type: 'string' },
      installId: nullableString,
    }),
  },
});

export const feedbackDeleteResponse = responseOf({ deleted: { type: 'integer' } });
