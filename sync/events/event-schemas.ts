/**
 * JSON schemas of the audit-log routes (docs/SYNC-API.md, "Audit log"). A posted
 * `canary-decision` has a fixed shape — the figures `checkCanary` (loop/) compares and the
 * rule it applied — with every string, array and object bounded, so no body can make
 * validation or the stored row expensive.
 */
import { ALIAS_PATTERN_SOURCE, MAX_NAME_LENGTH, MAX_VERSION_LENGTH } from '../../format/index.ts';
import { COUNT_KEY_PATTERN, NAME_PATTERN, VERSION_PATTERN } from '../schemas.ts';
import { CANARY_ACTIONS, MODEL_EVENT_KINDS, POSTED_EVENT_KINDS } from './event-records.ts';

/** The body limit of `POST /v1/models/:name/events`. */
export const EVENT_BODY_LIMIT = 32 * 1024;

const name = { type: 'string', pattern: NAME_PATTERN, maxLength: MAX_NAME_LENGTH } as const;
const version = { type: 'string', pattern: VERSION_PATTERN, maxLength: MAX_VERSION_LENGTH } as const;
const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const figure = { anyOf: [{ type: 'number' }, { type: 'null' }] } as const;

/** One side of a canary comparison (loop/canary/canary-decision.ts, `SideFigures`). */
const sideFigures = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version,
    windows: count,
    driftedWindows: count,
    predictions: count,
    errors: count,
    meanConfidence: figure,
    latencyP95: figure,
  },
} as const;

export const canaryDecisionDetails = {
  type: 'object',
  required: ['action'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: [...CANARY_ACTIONS] },
    acted: { type: 'boolean', description: 'whether the decider moved the alias' },
    alias: { type: 'string', pattern: ALIAS_PATTERN_SOURCE, maxLength: 32 },
    reasons: { type: 'array', maxItems: 32, items: { type: 'string', maxLength: 1000 } },
    stable: sideFigures,
    canary: sideFigures,
    rule: { type: 'object', maxProperties: 32, propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }, additionalProperties: { type: 'number' } },
    since: { type: 'string', format: 'date-time', maxLength: 64 },
    deviceClasses: { type: 'array', maxItems: 64, items: { type: 'string', pattern: COUNT_KEY_PATTERN, maxLength: 64 } },
  },
} as const;

export const eventBody = {
  type: 'object',
  required: ['kind', 'details'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...POSTED_EVENT_KINDS], description: 'the kinds a client records; the endpoint writes alias-moved and retrain-finished itself' },
    version: { ...version, description: 'the version the decision is about (a canary: its version); must be published' },
    details: canaryDecisionDetails,
  },
} as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...MODEL_EVENT_KINDS] },
    before: { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'only events with a smaller id (the next page)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000; default 100' },
  },
} as const;

export const eventsParams = { type: 'object', required: ['name'], additionalProperties: false, properties: { name } } as const;
