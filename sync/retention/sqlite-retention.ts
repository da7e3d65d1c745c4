/**
 * Retention on SQLite: each call is one IMMEDIATE transaction (SQLite's one writer), so
 * the rows it reads are the rows it deletes and tallies, also with other processes on
 * the same file. Ids go in as a JSON array (`json_each`), one statement per table.
 */
import type Database from 'better-sqlite3';
import { addTally, FINISHED_JOB_STATES, prunableEventsSql, talliesOf, tallyRows, type PrunedJobs, type RetentionStore, type RetentionTallies, type TallyCounter } from './retention-records.ts';

const FINISHED = FINISHED_JOB_STATES.map((s) => `'${s}'`).join(', ');
const IDS = 'SELECT value FROM json_each(?)';

export class SqliteRetention implements RetentionStore {
  readonly #db: Database.Database;
  readonly #s;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = {
      finishedJobs: db.prepare<[string, number], { id: number; kind: string; lease_token: number; failures: number }>(
        `SELECT id, kind, lease_token, failures FROM jobs WHERE state IN (${FINISHED}) AND finished_at < ? ORDER BY finished_at, id LIMIT ?`,
      ),
      deleteLog: db.prepare(`DELETE FROM job_log WHERE job_id IN (${IDS})`),
      deleteJobs: db.prepare(`DELETE FROM jobs WHERE id IN (${IDS}) AND state IN (${FINISHED})`),
      prunableEvents: db.prepare<[string, number, number], { id: number }>(prunableEventsSql(() => '?')),
      deleteEvents: db.prepare<[string], { kind: string; action: unknown }>(`DELETE FROM model_events WHERE id IN (${IDS}) RETURNING kind, json_extract(details, '$.action') AS action`),
      tally: db.prepare(
        'INSERT INTO retention_tallies (counter, label, count) VALUES (?, ?, ?) ON CONFLICT (counter, label) DO UPDATE SET count = retention_tallies.count + excluded.count',
      ),
      tallies: db.prepare<[], { counter: string; label: string; count: number }>('SELECT counter, label, count FROM retention_tallies'),
    };
  }

  #addTallies(tallies: RetentionTallies): void {
    for (const row of tallyRows(tallies)) this.#s.tally.run(...row);
  }

  async pruneJobs(before: string, limit: number): Promise<PrunedJobs> {
    return this.#db.transaction((): PrunedJobs => {
      const rows = this.#s.finishedJobs.all(before, limit);
      if (rows.length === 0) return { jobs: 0, logLines: 0 };
      const ids = JSON.stringify(rows.map((r) => r.id));
      // Log lines first: they reference their job.
      const logLines = this.#s.deleteLog.run(ids).changes;
      const jobs = this.#s.deleteJobs.run(ids).changes;
      const tallies = new Map<TallyCounter, Map<string, number>>();
      addTally(tallies, 'pruned', 'jobs', jobs);
      addTally(tallies, 'pruned', 'job_log', logLines);
      for (const r of rows) {
        addTally(tallies, 'job_attempts', r.kind, r.lease_token);
        addTally(tallies, 'job_failures', r.kind, r.failures);
      }
      this.#addTallies(tallies);
      return { jobs, logLines };
    }).immediate();
  }

  async pruneEvents(before: string, keep: number, limit: number): Promise<number> {
    return this.#db.transaction((): number => {
      const ids = this.#s.prunableEvents.all(before, keep, limit).map((r) => r.id);
      if (ids.length === 0) return 0;
      const deleted = this.#s.deleteEvents.all(JSON.stringify(ids));
      const tallies = new Map<TallyCounter, Map<string, number>>();
      addTally(tallies, 'pruned', 'model_events', deleted.length);
      for (const e of deleted) {
        addTally(tallies, 'loop_events', e.kind, 1);
        if (e.kind === 'canary-decision' && typeof e.action === 'string') addTally(tallies, 'canary_decisions', e.action, 1);
      }
      this.#addTallies(tallies);
      return deleted.length;
    }).immediate();
  }

  async tallies(): Promise<RetentionTallies> {
    return talliesOf(this.#s.tallies.all());
  }
}
