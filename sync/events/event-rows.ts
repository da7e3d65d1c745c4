/**
 * Event rows as both databases return them: SQLite gives ISO text and JSON text;
 * PostgreSQL gives a `Date` for `timestamptz`, a string for `bigint` and parsed `jsonb`.
 */
import type { JsonObject, ModelEvent, ModelEventKind } from './event-records.ts';

export interface EventRow {
  id: number | string;
  model: string;
  kind: string;
  version: string | null;
  at: string | Date;
  by: string;
  details: string | JsonObject;
}

export const eventOf = (r: EventRow): ModelEvent => ({
  id: Number(r.id),
  model: r.model,
  kind: r.kind as ModelEventKind,
  version: r.version,
  at: r.at instanceof Date ? r.at.toISOString() : r.at,
  by: r.by,
  details: typeof r.details === 'string' ? (JSON.parse(r.details) as JsonObject) : r.details,
});

/** The WHERE clause and parameters of an event listing (`ph(n)` writes the n-th placeholder). */
export function eventWhere(filter: { model: string; kind?: string; before?: number }, ph: (n: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(`${column} ${op} ${ph(params.length)}`);
  };
  add('model', '=', filter.model);
  add('kind', '=', filter.kind);
  add('id', '<', filter.before);
  return { sql: `WHERE ${clauses.join(' AND ')}`, params };
}
