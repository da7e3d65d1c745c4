/**
 * The audit log on PostgreSQL. `insertWith` takes the client of a transaction already
 * open (an alias move, a job's end), so the event commits with the change it records
 * or not at all.
 */
import type pg from 'pg';
import type { EventCounts, EventFilter, EventStore, ModelEvent, NewModelEvent } from './event-records.ts';
import { eventOf, eventWhere, type EventRow } from './event-rows.ts';

const INSERT_SQL = 'INSERT INTO model_events (model, kind, version, at, by, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING *';

export class PostgresEvents implements EventStore {
  constructor(readonly pool: pg.Pool) {}

  /** Appends an event on `client` (inside its transaction, when it has one open). */
  async insertWith(client: pg.PoolClient | pg.Pool, event: NewModelEvent): Promise<ModelEvent> {
    const { rows } = await client.query<EventRow>(INSERT_SQL, [event.model, event.kind, event.version, event.at, event.by, JSON.stringify(event.details)]);
    return eventOf(rows[0]!);
  }

  recordEvent(event: NewModelEvent): Promise<ModelEvent> {
    return this.insertWith(this.pool, event);
  }

  async listEvents(filter: EventFilter): Promise<ModelEvent[]> {
    const { sql, params } = eventWhere(filter, (n) => `$${n}`);
    const { rows } = await this.pool.query<EventRow>(`SELECT * FROM model_events ${sql} ORDER BY id DESC LIMIT $${params.length + 1}`, [...params, filter.limit]);
    return rows.map(eventOf);
  }

  async eventCounts(): Promise<EventCounts> {
    const kinds = await this.pool.query<{ kind: string; events: string }>('SELECT kind, count(*) AS events FROM model_events GROUP BY kind ORDER BY kind');
    const actions = await this.pool.query<{ action: string | null; events: string }>(
      "SELECT details->>'action' AS action, count(*) AS events FROM model_events WHERE kind = 'canary-decision' GROUP BY 1 ORDER BY 1",
    );
    return {
      kinds: kinds.rows.map((r) => ({ kind: r.kind, events: Number(r.events) })),
      canaryActions: actions.rows.flatMap((r) => (r.action === null ? [] : [{ action: r.action, events: Number(r.events) }])),
    };
  }
}
