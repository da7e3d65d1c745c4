/**
 * The loop's audit log: one {@link ModelEvent} per decision about a model, and the
 * {@link EventStore} both stores implement. The endpoint writes `alias-moved` and
 * `retrain-finished` itself, in the transaction of the change; `canary-decision` comes
 * from whoever judged the canary (`POST /v1/models/:name/events`). Rows are only
 * appended, never changed; retention (sync/retention/) removes old ones, always keeping
 * each model's newest.
 */
import type { JobRecord, JsonValue } from '../jobs/job-records.ts';

/** What an event records. */
export type ModelEventKind = 'alias-moved' | 'retrain-finished' | 'canary-decision';

/** Every kind, in the order metrics list them. */
export const MODEL_EVENT_KINDS: readonly ModelEventKind[] = Object.freeze(['alias-moved', 'retrain-finished', 'canary-decision']);

/** The kinds a client may record over HTTP (the others are the endpoint's own). */
export const POSTED_EVENT_KINDS: readonly ModelEventKind[] = Object.freeze(['canary-decision']);

/** What a canary decision may be (`details.action` of a `canary-decision`). */
export type CanaryAction = 'promote' | 'rollback' | 'wait';
export const CANARY_ACTIONS: readonly CanaryAction[] = Object.freeze(['promote', 'rollback', 'wait']);

/** A JSON object: an event's details. */
export type JsonObject = { [key: string]: JsonValue };

/** An event as stored. */
export interface ModelEvent {
  id: number;
  model: string;
  kind: ModelEventKind;
  /** The version the decision is about (the alias's new version, the published one, the canary), or `null`. */
  version: string | null;
  /** ISO time. */
  at: string;
  /** Who decided: `admin:<12 hex>` (a token's key id) or `worker:<worker id>`. */
  by: string;
  details: JsonObject;
}

/** What {@link EventStore.recordEvent} writes. */
export type NewModelEvent = Omit<ModelEvent, 'id'>;

export interface EventFilter {
  model: string;
  kind?: ModelEventKind;
  /** Only events with a smaller id (the next page, newest first). */
  before?: number;
  limit: number;
}

/** Stored events per kind, and canary decisions per action, for `/metrics`. */
export interface EventCounts {
  kinds: Array<{ kind: string; events: number }>;
  canaryActions: Array<{ action: string; events: number }>;
}

/** The audit log's storage. */
export interface EventStore {
  /** Appends one event (its own transaction). */
  recordEvent(event: NewModelEvent): Promise<ModelEvent>;
  /** Newest first. */
  listEvents(filter: EventFilter): Promise<ModelEvent[]>;
  eventCounts(): Promise<EventCounts>;
}

/** The `alias-moved` event of one alias move. */
export function aliasMovedEvent(move: { name: string; alias: string; version: string; canary: { version: string; percent: number } | null; by: string; at: string }): NewModelEvent {
  return {
    model: move.name,
    kind: 'alias-moved',
    version: move.version,
    at: move.at,
    by: move.by,
    details: { alias: move.alias, version: move.version, canary: move.canary === null ? null : { version: move.canary.version, percent: move.canary.percent }, by: move.by },
  };
}

const pick = (result: JsonValue | null, key: string): JsonValue => (result !== null && typeof result === 'object' && !Array.isArray(result) ? (result[key] ?? null) : null);

/**
 * The `retrain-finished` event of a job that reached `succeeded` or `failed`: its state
 * and attempts, and what the handler said — its result's `outcome`, `version`, `gate`
 * and `reason` (`null` where it has none), or the last attempt's error.
 */
export function retrainFinishedEvent(job: JobRecord): NewModelEvent {
  const version = pick(job.result, 'version');
  return {
    model: job.model,
    kind: 'retrain-finished',
    version: typeof version === 'string' ? version : null,
    at: job.finishedAt ?? new Date().toISOString(),
    by: `worker:${job.workerId ?? 'unknown'}`,
    details: {
      jobId: job.id,
      state: job.state,
      attempts: job.attempts,
      reason: job.payload.reason,
      parentVersion: job.payload.parentVersion,
      outcome: job.state === 'succeeded' ? pick(job.result, 'outcome') : null,
      version,
      gate: pick(job.result, 'gate'),
      skipReason: pick(job.result, 'reason'),
      error: job.state === 'failed' && job.error ? { code: job.error.code, message: job.error.message } : null,
    },
  };
}
