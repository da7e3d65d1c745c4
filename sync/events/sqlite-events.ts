/**
 * The audit log on SQLite. `insertNow` is synchronous, for a caller already inside a
 * transaction on the same database (an alias move, a job's end), so the event commits
 * with the change it records or not at all.
 */
import type Database from 'better-sqlite3';
import type { EventCounts, EventFilter, EventStore, ModelEvent, NewModelEvent } from './event-records.ts';
import { eventOf, eventWhere, type EventRow } from './event-rows.ts';

export class SqliteEvents implements EventStore {
  readonly #db: Database.Database;
  readonly #s;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = {
      insert: db.prepare<[string, string, string | null, string, string, string], EventRow>(
        'INSERT INTO model_events (model, kind, version, at, by, details) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
      ),
      kinds: db.prepare<[], { kind: string; events: number }>('SELECT kind, count(*) AS events FROM model_events GROUP BY kind ORDER BY kind'),
      actions: db.prepare<[], { action: string; events: number }>(
        "SELECT json_extract(details, '$.action') AS action, count(*) AS events FROM model_events WHERE kind = 'canary-decision' GROUP BY 1 ORDER BY 1",
      ),
    };
  }

  /** Appends an event inside the caller's transaction. */
  insertNow(event: NewModelEvent): ModelEvent {
    return eventOf(this.#s.insert.get(event.model, event.kind, event.version, event.at, event.by, JSON.stringify(event.details))!);
  }

  async recordEvent(event: NewModelEvent): Promise<ModelEvent> {
    return this.insertNow(event);
  }

  async listEvents(filter: EventFilter): Promise<ModelEvent[]> {
    const { sql, params } = eventWhere(filter, () => '?');
    return this.#db.prepare<unknown[], EventRow>(`SELECT * FROM model_events ${sql} ORDER BY id DESC LIMIT ?`).all(...params, filter.limit).map(eventOf);
  }

  async eventCounts(): Promise<EventCounts> {
    return { kinds: this.#s.kinds.all(), canaryActions: this.#s.actions.all().filter((r) => typeof r.action === 'string') };
  }
}
