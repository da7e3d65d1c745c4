/**
 * The models' audit log (docs/SYNC-API.md, "Audit log"), admin token: record a decision
 * made outside the endpoint (a canary judged by the loop), and read a model's events,
 * newest first. Alias moves and finished retrain jobs are recorded by the endpoint itself,
 * in the transaction of the change.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import type { JsonObject, ModelEvent, ModelEventKind } from '../events/event-records.ts';
import { EVENT_BODY_LIMIT, eventBody, eventsParams, eventsQuery } from '../events/event-schemas.ts';
import { errorSchema } from '../schemas.ts';

/** Events `GET /v1/models/:name/events` returns when the request names no `limit`. */
export const EVENTS_PAGE_DEFAULT_LIMIT = 100;

interface EventRequest {
  kind: ModelEventKind;
  version?: string;
  details: JsonObject;
}

const eventBodyOf = (e: ModelEvent) => ({ id: e.id, model: e.model, kind: e.kind, version: e.version, at: e.at, by: e.by, details: e.details });

export function registerEventRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics } = ctx;

  app.post<{ Params: { name: string }; Body: EventRequest }>(
    '/v1/models/:name/events',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      config: { role: 'admin' },
      schema: { summary: 'Record a decision about a model made outside the endpoint: a canary-decision (admin)', params: eventsParams, body: eventBody, response: { '4xx': errorSchema } },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { kind, version, details } = request.body;
      const model = await metrics.timeStore(() => store.getModel(name));
      if (model === undefined) throw new SyncError('NOT_FOUND', `model ${name} is not published on this endpoint; events are recorded for published models only`);
      if (version !== undefined && !model.versions.some((v) => v.version === version)) {
        throw new SyncError('NOT_FOUND', `${name}@${version} is not published; name a published version, or leave version out`, { details: { field: 'version' } });
      }
      const event = await metrics.timeStore(() =>
        store.recordEvent({ model: name, kind, version: version ?? null, at: new Date().toISOString(), by: request.principal!.id, details }),
      );
      return reply.code(201).send({ event: eventBodyOf(event) });
    },
  );

  app.get<{ Params: { name: string }; Querystring: { kind?: ModelEventKind; before?: string; limit?: string } }>(
    '/v1/models/:name/events',
    {
      config: { role: 'admin' },
      schema: { summary: "A model's audit log, newest first (admin)", params: eventsParams, querystring: eventsQuery, response: { '4xx': errorSchema } },
    },
    async (request) => {
      const { name } = request.params;
      const { kind, before, limit: limitText } = request.query;
      const model = await metrics.timeStore(() => store.getModel(name));
      if (model === undefined) throw new SyncError('NOT_FOUND', `model ${name} is not published on this endpoint`);
      const limit = limitText === undefined ? EVENTS_PAGE_DEFAULT_LIMIT : Number(limitText);
      // One more than asked: whether another page follows, without an empty last page.
      const events = await metrics.timeStore(() => store.listEvents({ model: name, kind, before: before === undefined ? undefined : Number(before), limit: limit + 1 }));
      const page = events.slice(0, limit);
      return { model: name, events: page.map(eventBodyOf), next: events.length > limit ? String(page.at(-1)!.id) : null };
    },
  );
}
