/**
 * The retention settings of the endpoint (docs/SYNC-API.md, "Retention"): how long
 * finished jobs and model events are kept, how many events of each model are kept
 * whatever their age, and how often the endpoint prunes.
 */
import type { ConfigReaders } from '../drift/drift-config.ts';

/** How long the retrain loop's rows are kept. */
export interface RetentionConfig {
  /** Days a `succeeded` or `failed` job and its log are kept after it finished; 0 keeps them forever. `SYNC_JOB_RETENTION_DAYS` */
  readonly jobDays: number;
  /** Days a model event is kept; 0 keeps events forever. `SYNC_EVENT_RETENTION_DAYS` */
  readonly eventDays: number;
  /** The newest events of each model, kept whatever their age. `SYNC_EVENT_RETENTION_KEEP` */
  readonly eventsKeptPerModel: number;
  /** How often the endpoint prunes (each replica; they do not get in each other's way). `SYNC_RETENTION_INTERVAL_MS` */
  readonly intervalMs: number;
}

/** 30 days of finished jobs; 180 days of events, and always each model's last 100; pruned hourly. */
export const DEFAULT_RETENTION_CONFIG: RetentionConfig = Object.freeze({ jobDays: 30, eventDays: 180, eventsKeptPerModel: 100, intervalMs: 3_600_000 });

/** Resolves {@link RetentionConfig}: options, then the environment / config file, then the defaults. */
export function resolveRetentionConfig(options: Partial<RetentionConfig>, r: ConfigReaders): RetentionConfig {
  const setting = (key: keyof RetentionConfig, name: string, min: number, max: number): number =>
    r.integer(options[key] ?? r.get(name), options[key] === undefined ? name : `retention.${key}`, min, max) ?? DEFAULT_RETENTION_CONFIG[key];
  return Object.freeze({
    jobDays: setting('jobDays', 'SYNC_JOB_RETENTION_DAYS', 0, 36_500),
    eventDays: setting('eventDays', 'SYNC_EVENT_RETENTION_DAYS', 0, 36_500),
    eventsKeptPerModel: setting('eventsKeptPerModel', 'SYNC_EVENT_RETENTION_KEEP', 0, 1_000_000),
    intervalMs: setting('intervalMs', 'SYNC_RETENTION_INTERVAL_MS', 1000, 7 * 86_400_000),
  });
}
