/**
 * Retention of the retrain loop's tables (docs/SYNC-API.md, "Retention"): what the
 * stores delete and how they count it. Finished jobs (`succeeded`, `failed`) go with
 * their log lines once they ended before a cutoff; queued and running jobs are never
 * touched. Model events go once older than a cutoff, except the newest of each model,
 * so an audit trail never empties. Each deletion adds what the deleted rows counted
 * towards to a tally in the same transaction, so the database-read counters never go
 * down (a Prometheus counter that drops reads as a reset).
 */

/** The counters a tally keeps: rows retention removed, and what those rows counted towards. */
export type TallyCounter = 'pruned' | 'job_attempts' | 'job_failures' | 'loop_events' | 'canary_decisions';

/** The tables retention prunes (the labels of the `pruned` counter). */
export type PrunedTable = 'jobs' | 'job_log' | 'model_events';
export const PRUNED_TABLES: readonly PrunedTable[] = Object.freeze(['jobs', 'job_log', 'model_events']);

/** What retention has removed so far: `counter → label → rows`, over every replica. */
export type RetentionTallies = ReadonlyMap<TallyCounter, ReadonlyMap<string, number>>;

/** What one call removed. */
export interface PrunedJobs {
  jobs: number;
  logLines: number;
}

/** The pruning half of a store (`store.retention`). Every call is its own transaction. */
export interface RetentionStore {
  /**
   * Deletes up to `limit` finished jobs that finished before `before` (ISO time), oldest
   * first, with their log lines.
   */
  pruneJobs(before: string, limit: number): Promise<PrunedJobs>;
  /**
   * Deletes up to `limit` model events from before `before` (ISO time), oldest first,
   * never one of the `keep` newest of its model.
   */
  pruneEvents(before: string, keep: number, limit: number): Promise<number>;
  /** The tallies, for `/metrics`. */
  tallies(): Promise<RetentionTallies>;
}

/** Adds `n` to `counter{label}` in a tally being built (`n` of 0 is left out). */
export function addTally(tallies: Map<TallyCounter, Map<string, number>>, counter: TallyCounter, label: string, n: number): void {
  if (n === 0) return;
  const labels = tallies.get(counter) ?? new Map<string, number>();
  labels.set(label, (labels.get(label) ?? 0) + n);
  tallies.set(counter, labels);
}

/** A tally as rows to upsert: `[counter, label, n]`, one per key. */
export function tallyRows(tallies: RetentionTallies): Array<[TallyCounter, string, number]> {
  return [...tallies].flatMap(([counter, labels]) => [...labels].map(([label, n]): [TallyCounter, string, number] => [counter, label, n]));
}

/** The tally rows a store read back, as a tally. */
export function talliesOf(rows: ReadonlyArray<{ counter: string; label: string; count: number | string }>): RetentionTallies {
  const tallies = new Map<TallyCounter, Map<string, number>>();
  for (const r of rows) addTally(tallies, r.counter as TallyCounter, r.label, Number(r.count));
  return tallies;
}

/** `counter{label}` of a tally (0 when absent). */
export const tallyOf = (tallies: RetentionTallies, counter: TallyCounter, label: string): number => tallies.get(counter)?.get(label) ?? 0;

/** Finished job states: the only ones retention deletes. */
export const FINISHED_JOB_STATES = ['succeeded', 'failed'] as const;

/**
 * The ids of events retention may delete: older than the cutoff and with at least
 * `keep` newer events of their model (by id: the order the audit log lists them in).
 * Placeholders: `before`, `keep`, `limit` (`ph(n)` writes the n-th).
 */
export const prunableEventsSql = (ph: (n: number) => string): string => `
SELECT id FROM (
  SELECT id, at, row_number() OVER (PARTITION BY model ORDER BY id DESC) AS newest
  FROM model_events
) AS ranked
WHERE at < ${ph(1)} AND newest > ${ph(2)}
ORDER BY id
LIMIT ${ph(3)}`;
