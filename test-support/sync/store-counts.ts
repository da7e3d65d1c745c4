/**
 * What the endpoint has stored, counted from the outside: rows of every table (SQLite
 * file or PostgreSQL database) and files under `DATA_DIR/blobs`. The auth and fuzz
 * suites compare a snapshot before and after a volley of rejected requests; reading
 * every table means a new table cannot slip past the check.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** Rows per table plus the number of blob files. */
export interface StoreCounts {
  tables: Record<string, number>;
  blobs: number;
}

/** Where a running endpoint keeps its data. */
export interface StoreLocation {
  dataDir: string;
  /** Set when the endpoint runs on PostgreSQL. */
  databaseUrl?: string;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  }
  return n;
}

async function countPostgres(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    const tables: Record<string, number> = {};
    for (const { schema, name } of rows) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(schema)}.${quote(name)}`);
      tables[`${schema}.${name}`] = Number(result.rows[0].n);
    }
    return tables;
  } finally {
    await client.end();
  }
}

function countSqlite(file: string): Record<string, number> {
  if (!existsSync(file)) return {};
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
    return Object.fromEntries(names.map((name) => [name, Number(db.prepare(`SELECT count(*) FROM ${quote(name)}`).pluck().get())]));
  } finally {
    db.close();
  }
}

/** Counts every table's rows and the blob files of one endpoint. */
export async function storeCounts(location: StoreLocation): Promise<StoreCounts> {
  const tables = location.databaseUrl ? await countPostgres(location.databaseUrl) : countSqlite(join(location.dataDir, 'sync.db'));
  return { tables, blobs: countFiles(join(location.dataDir, 'blobs')) };
}
