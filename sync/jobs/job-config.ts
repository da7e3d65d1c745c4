/**
 * The retraining settings of the endpoint (docs/SYNC-API.md, "Retraining jobs"): whether a
 * drift alert enqueues a retrain job, and how many attempts a job gets.
 */
import type { ConfigReaders } from '../drift/drift-config.ts';
import { DEFAULT_MAX_ATTEMPTS } from './job-records.ts';

/** How the endpoint queues retraining. */
export interface RetrainConfig {
  /** A `drift` alert enqueues a retrain job of its model (deduped). `SYNC_RETRAIN_ON_ALERT` */
  readonly onAlert: boolean;
  /** Attempts a job gets before it is `failed`. `SYNC_JOB_MAX_ATTEMPTS` */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRAIN_CONFIG: RetrainConfig = Object.freeze({ onAlert: true, maxAttempts: DEFAULT_MAX_ATTEMPTS });

function onOff(value: unknown, name: string, r: ConfigReaders): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return r.invalid(`${name} must be "true" or "false" (got ${JSON.stringify(value)})`, { name });
}

/** Resolves {@link RetrainConfig}: options, then the environment / config file, then the defaults. */
export function resolveRetrainConfig(options: Partial<RetrainConfig>, r: ConfigReaders): RetrainConfig {
  return Object.freeze({
    onAlert: options.onAlert ?? onOff(r.get('SYNC_RETRAIN_ON_ALERT'), 'SYNC_RETRAIN_ON_ALERT', r) ?? DEFAULT_RETRAIN_CONFIG.onAlert,
    maxAttempts: options.maxAttempts ?? r.integer(r.get('SYNC_JOB_MAX_ATTEMPTS'), 'SYNC_JOB_MAX_ATTEMPTS', 1, 100) ?? DEFAULT_RETRAIN_CONFIG.maxAttempts,
  });
}
