/**
 * JSON schemas of the job routes (docs/SYNC-API.md, "Retraining jobs"). Bounded like
 * every other schema of the endpoint: a retrain request's `options` is one flat object
 * of short scalars, so no body can make validation or the stored payload expensive.
 */
import { MAX_NAME_LENGTH, MAX_VERSION_LENGTH } from '../../format/index.ts';
import { NAME_PATTERN, VERSION_PATTERN } from '../schemas.ts';
import { JOB_KINDS, JOB_STATES } from './job-records.ts';

const name = { type: 'string', pattern: NAME_PATTERN, maxLength: MAX_NAME_LENGTH } as const;
const version = { type: 'string', pattern: VERSION_PATTERN, maxLength: MAX_VERSION_LENGTH } as const;
const id = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } as const;

export const retrainBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { type: 'string', enum: ['fine-tune', 'retrain'], description: 'fine-tune from the parent (default) or retrain from scratch' },
    parentVersion: { ...version, description: "the version to start from; default: the model's latest" },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 100, description: 'default: SYNC_JOB_MAX_ATTEMPTS (3)' },
    options: {
      type: 'object',
      maxProperties: 32,
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' },
      additionalProperties: { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] },
      description: 'passed on to the job handler as payload.options',
    },
  },
} as const;

export const jobParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id } } as const;

export const jobQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { log: { type: 'string', pattern: '^(0|[1-9][0-9]{0,3}|10000)$', description: 'log lines to return, the last ones: 0 to 10000; default 1000' } },
} as const;

export const jobsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: name,
    state: { type: 'string', enum: [...JOB_STATES] },
    kind: { type: 'string', enum: [...JOB_KINDS] },
    before: { ...id, description: 'only jobs with a smaller id (the next page)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000; default 100' },
  },
} as const;
