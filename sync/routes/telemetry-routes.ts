/**
 * Telemetry ingest and its summary (docs/SYNC-API.md, "Telemetry"). A batch is
 * validated, summed into aggregate cells in memory, and stored exactly once by
 * `batchId`; the answer is sent only after the store has committed it.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { errorSchema, summaryQuery, telemetryBody, telemetryResponse } from '../schemas.ts';
import { aggregateEvents, hourOf, summarize, type TelemetryBody } from '../telemetry-aggregate.ts';

/** The telemetry body limit (1 MiB). */
export const TELEMETRY_BODY_LIMIT = 1024 * 1024;

export function registerTelemetryRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics } = ctx;

  app.post<{ Body: TelemetryBody }>(
    '/v1/telemetry',
    {
      bodyLimit: TELEMETRY_BODY_LIMIT,
      config: { role: 'app' },
      schema: {
        summary: 'Send a batch of drift telemetry (app token); a retried batchId is acknowledged, not counted twice',
        body: telemetryBody,
        response: { 200: telemetryResponse, '4xx': errorSchema },
      },
    },
    async (request) => {
      const body = request.body;
      const aggregates = aggregateEvents(body.events);
      const { duplicate } = await metrics.timeStore(() =>
        store.ingestTelemetry({
          batchId: body.batchId,
          deviceId: body.deviceId,
          sender: request.principal!.id,
          sentAt: body.sentAt,
          receivedAt: new Date().toISOString(),
          eventCount: body.events.length,
          eventsJson: JSON.stringify(body.events),
          aggregates,
        }),
      );
      if (!duplicate) metrics.events(body.events.length);
      return { batchId: body.batchId, accepted: body.events.length, duplicate };
    },
  );

  app.get<{ Querystring: { model?: string; version?: string; from?: string; to?: string } }>(
    '/v1/telemetry/summary',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Telemetry aggregated per model version and hour (admin)',
        querystring: summaryQuery,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { model, version, from, to } = request.query;
      if (from !== undefined && to !== undefined && Date.parse(to) < Date.parse(from)) {
        throw new SyncError('BAD_REQUEST', '"to" is before "from"', { details: { field: 'to' } });
      }
      const rows = await metrics.timeStore(() =>
        store.summary({
          model,
          version,
          from: from === undefined ? undefined : hourOf(from, 'from'),
          to: to === undefined ? undefined : new Date(Date.parse(to)).toISOString(),
        }),
      );
      return { buckets: summarize(rows) };
    },
  );
}
