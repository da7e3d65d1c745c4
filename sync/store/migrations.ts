/**
 * Versioned schema migrations: numbered SQL files per dialect
 * (`migrations/<dialect>/NNN-name.sql`), applied in order at start and recorded in
 * `schema_migrations`. A migration is never edited once released; add the next number.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{3})-([a-z0-9-]+)\.sql$/;

/** The migrations of a dialect, in order. */
export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = fileURLToPath(new URL(`./migrations/${dialect}/`, import.meta.url));
  return readdirSync(dir)
    .map((file) => ({ file, match: FILE_PATTERN.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({ version: Number(match[1]), name: match[2], sql: readFileSync(`${dir}${file}`, 'utf8') }))
    .sort((a, b) => a.version - b.version);
}
