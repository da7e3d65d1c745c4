/**
 * Operations: liveness, readiness (the database answers), Prometheus metrics and the
 * OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { renderDriftMetrics } from '../drift/drift-metrics.ts';
import { SyncError } from '../errors.ts';
import { renderEventMetrics } from '../events/event-metrics.ts';
import { renderJobMetrics } from '../jobs/job-metrics.ts';
import { renderRetentionMetrics } from '../retention/retention-metrics.ts';
import { buildOpenApi, type RouteCatalog } from '../openapi.ts';

export function registerOpsRoutes(app: FastifyInstance, ctx: SyncContext, catalog: RouteCatalog): void {
  app.get('/healthz', { schema: { summary: 'The process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'The database is reachable' } }, async () => {
    try {
      await ctx.store.ping();
    } catch (cause) {
      throw new SyncError('NOT_READY', `the ${ctx.store.kind} database does not answer: ${(cause as Error).message}`, { cause });
    }
    return { status: 'ready', store: ctx.store.kind };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format 0.0.4)' } }, async (_request, reply) => {
    // What retention deleted: added to the database-read counters, so they never go down.
    const pruned = await ctx.store.retention.tallies();
    const text =
      ctx.metrics.render() +
      renderDriftMetrics(await ctx.store.alertStreams()) +
      renderJobMetrics(await ctx.store.jobs.counts(), pruned) +
      renderEventMetrics(await ctx.store.eventCounts(), pruned) +
      renderRetentionMetrics(pruned);
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  let document: string | undefined;
  app.get('/openapi.json', { schema: { summary: 'This document' } }, async (_request, reply) => {
    document ??= JSON.stringify(buildOpenApi(catalog.routes, { title: 'edgeloop sync endpoint', version: '1' }));
    return reply.type('application/json; charset=utf-8').send(document);
  });
}
