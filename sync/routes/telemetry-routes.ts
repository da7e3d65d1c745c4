/**
 * Telemetry ingest and its summary (docs/SYNC-API.md, "Telemetry"). A batch is
 * validated whole (schema, then window order and the per-batch limits while it is
 * summed into aggregate cells in memory, then that every model version it names is
 * published) before anything is written, and stored exactly once per sender, device
 * and `batchId`; the answer is sent only after the store has committed it.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { dateTimeMs, hourStartOf } from '../date-time.ts';
import { errorSchema, summaryQuery, telemetryBody, telemetryResponse } from '../schemas.ts';
import type { Store } from '../store/store.ts';
import { aggregateEvents, summarize, type DriftEvent, type TelemetryBody } from '../telemetry-aggregate.ts';

/** The telemetry body limit (1 MiB). */
export const TELEMETRY_BODY_LIMIT = 1024 * 1024;

/** How many published `name@version`s a server remembers; past it, the memory starts over. */
const PUBLISHED_CACHE_SIZE = 10_000;

/**
 * Refuses a batch naming a model version that was never published. Published versions
 * are immutable and never removed, so a found one is remembered (per server) and the
 * steady state costs no query.
 * @throws SyncError `NOT_FOUND` naming the first event of an unpublished version.
 */
async function checkPublished(events: readonly DriftEvent[], store: Store, published: Set<string>): Promise<void> {
  const checked = new Set<string>();
  for (const [i, e] of events.entries()) {
    const id = `${e.model}@${e.version}`;
    if (published.has(id) || checked.has(id)) continue;
    checked.add(id);
    if ((await store.getVersion(e.model, e.version)) === undefined) {
      throw new SyncError('NOT_FOUND', `events[${i}] is about ${id}, which is not published; telemetry is accepted only for published model versions`, {
        details: { field: `events[${i}].version` },
      });
    }
    if (published.size >= PUBLISHED_CACHE_SIZE) published.clear();
    published.add(id);
  }
}

export function registerTelemetryRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics, config } = ctx;
  const published = new Set<string>();

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
      await metrics.timeStore(() => checkPublished(body.events, store, published));
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
