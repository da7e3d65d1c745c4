/**
 * What the endpoint has stored, counted from the outside: rows of every table (SQLite
 * file or PostgreSQL database) and artifact blobs, wherever they are (files under
 * `DATA_DIR/blobs`, rows of PostgreSQL's `blobs` table). The auth and fuzz suites
 * compare a snapshot before and after a volley of rejected requests; reading every table
 * means a new table cannot slip past the check.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** Rows per table plus the number of blobs (files and database rows). */
export interface StoreCounts {
  tables: Record<string, number>;
  blobs: number;
}

const DIGEST = /^[0-9a-f]{64}$/;

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

/** Counts every table's rows and the blobs of one endpoint. */
export async function storeCounts(location: StoreLocation): Promise<StoreCounts> {
  const tables = location.databaseUrl ? await countPostgres(location.databaseUrl) : countSqlite(join(location.dataDir, 'sync.db'));
  return { tables, blobs: countFiles(join(location.dataDir, 'blobs')) + (tables['public.blobs'] ?? 0) };
}

/**
 * The digests of every stored blob, wherever the endpoint keeps them: file names under
 * `DATA_DIR/blobs` and the rows of PostgreSQL's `blobs` table (SYNC_BLOB_STORE).
 */
export async function blobDigests(location: StoreLocation): Promise<Set<string>> {
  const dir = join(location.dataDir, 'blobs');
  const digests = new Set(existsSync(dir) ? readdirSync(dir).filter((n) => DIGEST.test(n)) : []);
  if (location.databaseUrl) {
    const client = new pg.Client({ connectionString: location.databaseUrl });
    await client.connect();
    try {
      const exists = await client.query<{ found: string | null }>("SELECT to_regclass('public.blobs')::text AS found");
      if (exists.rows[0]?.found) for (const { sha256 } of (await client.query<{ sha256: string }>('SELECT sha256 FROM blobs')).rows) digests.add(sha256);
    } finally {
      await client.end();
    }
  }
  return digests;
}

/** The rows of `table` in a snapshot (SQLite names tables bare, PostgreSQL with their schema). */
export function rowsOf(counts: StoreCounts, table: string): number {
  return Object.entries(counts.tables).find(([name]) => name === table || name.endsWith(`.${table}`))?.[1] ?? 0;
}

/** A snapshot without `table`: what must stay the same while rows are added to or removed from that one table. */
export function without(counts: StoreCounts, table: string): StoreCounts {
  return { ...counts, tables: Object.fromEntries(Object.entries(counts.tables).filter(([name]) => name !== table && !name.endsWith(`.${table}`))) };
}
