/**
 * A `sync.db` as an older endpoint left it: the SQLite migrations up to `version` applied
 * and recorded, in a fresh temporary folder, for tests of what a later migration does to
 * the rows in it. The caller fills it through the returned connection, closes it, and
 * opens the folder with `SqliteStore.open`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations } from '../../sync/store/migrations.ts';

export function sqliteAtVersion(version: number, prefix = 'edgeloop-migration-'): { dir: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = new Database(join(dir, 'sync.db'));
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of loadMigrations('sqlite').filter((m) => m.version <= version)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-12-01T00:00:00.000Z');
  }
  return { dir, db };
}
