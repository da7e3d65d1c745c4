/**
 * Runs SQL straight on a running endpoint's database, from outside the endpoint: what a
 * test needs to make rows the API cannot (a job that finished 40 days ago). Write `?`
 * placeholders; they become `$1`, `$2`… on PostgreSQL.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoreLocation } from './store-counts.ts';

/** Runs each `[sql, params]` in order, in one transaction; resolves to the rows of the last. */
export async function runSql(location: StoreLocation, statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<Record<string, unknown>[]> {
  if (location.databaseUrl === undefined) {
    const db = new Database(join(location.dataDir, 'sync.db'));
    try {
      db.pragma('busy_timeout = 5000');
      return db.transaction(() => {
        let rows: Record<string, unknown>[] = [];
        for (const [sql, params] of statements) {
          const statement = db.prepare(sql);
          rows = statement.reader ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []);
        }
        return rows;
      }).immediate();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    let rows: Record<string, unknown>[] = [];
    for (const [sql, params] of statements) {
      let n = 0;
      rows = (await client.query(sql.replace(/\?/g, () => `$${++n}`), [...params])).rows;
    }
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
