/**
 * Retention on PostgreSQL, safe with several endpoint replicas pruning at once: the jobs
 * a call deletes are locked as it picks them (`FOR UPDATE SKIP LOCKED`: another replica
 * takes other ones), and events are deleted `RETURNING` what they were, so each deleted
 * row is tallied by the one transaction that deleted it, exactly once.
 */
import type pg from 'pg';
import { addTally, FINISHED_JOB_STATES, prunableEventsSql, talliesOf, tallyRows, type PrunedJobs, type RetentionStore, type RetentionTallies, type TallyCounter } from './retention-records.ts';

type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

const FINISHED = FINISHED_JOB_STATES.map((s) => `'${s}'`).join(', ');

const TALLY_SQL = `INSERT INTO retention_tallies (counter, label, count)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (counter, label) DO UPDATE SET count = retention_tallies.count + excluded.count`;

export class PostgresRetention implements RetentionStore {
  constructor(
    readonly pool: pg.Pool,
    readonly transaction: Transaction,
  ) {}

  async #addTallies(client: pg.PoolClient, tallies: RetentionTallies): Promise<void> {
    const rows = tallyRows(tallies);
    if (rows.length > 0) await client.query(TALLY_SQL, [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  }

  pruneJobs(before: string, limit: number): Promise<PrunedJobs> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; kind: string; lease_token: number; failures: number }>(
        `SELECT id, kind, lease_token, failures FROM jobs WHERE state IN (${FINISHED}) AND finished_at < $1 ORDER BY finished_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [before, limit],
      );
      if (rows.length === 0) return { jobs: 0, logLines: 0 };
      const ids = rows.map((r) => r.id);
      // Log lines first: they reference their job.
      const logLines = (await client.query('DELETE FROM job_log WHERE job_id = ANY($1::bigint[])', [ids])).rowCount ?? 0;
      const jobs = (await client.query(`DELETE FROM jobs WHERE id = ANY($1::bigint[]) AND state IN (${FINISHED})`, [ids])).rowCount ?? 0;
      const tallies = new Map<TallyCounter, Map<string, number>>();
      addTally(tallies, 'pruned', 'jobs', jobs);
      addTally(tallies, 'pruned', 'job_log', logLines);
      for (const r of rows) {
        addTally(tallies, 'job_attempts', r.kind, Number(r.lease_token));
        addTally(tallies, 'job_failures', r.kind, Number(r.failures));
      }
      await this.#addTallies(client, tallies);
      return { jobs, logLines };
    });
  }

  pruneEvents(before: string, keep: number, limit: number): Promise<number> {
    return this.transaction(async (client) => {
      const candidates = await client.query<{ id: string }>(prunableEventsSql((n) => `$${n}`), [before, keep, limit]);
      if (candidates.rows.length === 0) return 0;
      // Another replica may have deleted some meanwhile: RETURNING counts only this one's.
      const { rows } = await client.query<{ kind: string; action: string | null }>(
        "DELETE FROM model_events WHERE id = ANY($1::bigint[]) RETURNING kind, details->>'action' AS action",
        [candidates.rows.map((r) => r.id)],
      );
      const tallies = new Map<TallyCounter, Map<string, number>>();
      addTally(tallies, 'pruned', 'model_events', rows.length);
      for (const e of rows) {
        addTally(tallies, 'loop_events', e.kind, 1);
        if (e.kind === 'canary-decision' && e.action !== null) addTally(tallies, 'canary_decisions', e.action, 1);
      }
      await this.#addTallies(client, tallies);
      return rows.length;
    });
  }

  async tallies(): Promise<RetentionTallies> {
    const { rows } = await this.pool.query<{ counter: string; label: string; count: string }>('SELECT counter, label, count FROM retention_tallies');
    return talliesOf(rows);
  }
}
