/**
 * Telemetry ingest and its summary (docs/SYNC-API.md, "Telemetry"). A batch is
 * validated whole (schema, then window order and the per-batch limits while it is
 * summed into aggregate cells in memory, then that every model version it names is
 * published and every signal's counts go over its baseline's bins, then each window is
 * judged for drift) before anything is written, and stored exactly once per sender, device
 * and `batchId`; the answer is sent only after the store has committed it.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { dateTimeMs, hourStartOf } from '../date-time.ts';
import { errorSchema, summaryQuery, telemetryBody, telemetryResponse } from '../schemas.ts';
import { judgeEvents } from '../drift/judge-events.ts';
import { aggregateEvents, summarize, type TelemetryBody } from '../telemetry-aggregate.ts';

/** The telemetry body limit (1 MiB). */
export const TELEMETRY_BODY_LIMIT = 1024 * 1024;

export function registerTelemetryRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics, config, baselines, alerts } = ctx;

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
      const aggregates = aggregateEvents(body.events, config.telemetryLimits);
      const receivedAt = new Date();
      const driftWindows = await metrics.timeStore(() => judgeEvents(body.events, baselines, config.drift, receivedAt));
      const { duplicate } = await metrics.timeStore(() =>
        store.ingestTelemetry({
          batchId: body.batchId,
          deviceId: body.deviceId,
          sender: request.principal!.id,
          sentAt: body.sentAt,
          receivedAt: receivedAt.toISOString(),
          eventCount: body.events.length,
          aggregates,
          dropped: body.dropped ?? 0,
          driftWindows,
        }),
      );
      if (!duplicate) {
        metrics.events(body.events.length, body.dropped ?? 0);
        if (driftWindows.length > 0) alerts.nudge();
      }
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
      const { model, version } = request.query;
      const from = request.query.from === undefined ? undefined : dateTimeMs(request.query.from, 'from');
      const to = request.query.to === undefined ? undefined : dateTimeMs(request.query.to, 'to');
      if (from !== undefined && to !== undefined && to < from) {
        throw new SyncError('BAD_REQUEST', '"to" is before "from"', { details: { field: 'to' } });
      }
      const rows = await metrics.timeStore(() =>
        store.summary({
          model,
          version,
          from: from === undefined ? undefined : hourStartOf(from),
          to: to === undefined ? undefined : new Date(to).toISOString(),
        }),
      );
      return { buckets: summarize(rows) };
    },
  );
}
