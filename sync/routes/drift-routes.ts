/**
 * Drift and alerts (docs/SYNC-API.md, "Drift and alerts"): the drift report of one
 * version over a time range, and the alerts the hysteresis raised (admin token).
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { dateTimeMs } from '../date-time.ts';
import { alertBody } from '../drift/alert-service.ts';
import { driftReport } from '../drift/drift-report.ts';
import { thresholdsOf } from '../drift/judge-events.ts';
import { SyncError } from '../errors.ts';
import { alertsQuery, driftParams, driftQuery, errorSchema } from '../schemas.ts';

/** The most windows one report merges; a wider range is refused with a hint. */
export const MAX_REPORT_WINDOWS = 20_000;
const DAY_MS = 86_400_000;

export function registerDriftRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics, baselines, config } = ctx;

  app.get<{ Params: { name: string; version: string }; Querystring: { from?: string; to?: string; deviceClass?: string } }>(
    '/v1/models/:name/versions/:version/drift',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Drift of one version: each signal's statistic, threshold, sample size, status and distributions, merged over a time range (admin)",
        params: driftParams,
        querystring: driftQuery,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { name, version } = request.params;
      const { deviceClass } = request.query;
      const to = request.query.to === undefined ? Date.now() : dateTimeMs(request.query.to, 'to');
      const from = request.query.from === undefined ? to - DAY_MS : dateTimeMs(request.query.from, 'from');
      if (to < from) throw new SyncError('BAD_REQUEST', '"to" is before "from"', { details: { field: 'to' } });
      const info = await metrics.timeStore(() => baselines.get(name, version));
      if (info === undefined) throw new SyncError('NOT_FOUND', `${name}@${version} is not published`);
      const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      const windows = await metrics.timeStore(() => store.driftWindows({ model: name, version, deviceClass, ...range, limit: MAX_REPORT_WINDOWS + 1 }));
      if (windows.length > MAX_REPORT_WINDOWS) {
        throw new SyncError('BAD_REQUEST', `${name}@${version} has more than ${MAX_REPORT_WINDOWS} windows from ${range.from} to ${range.to}; ask for a shorter range (from, to) or one deviceClass`, {
          details: { field: 'from', limit: 'maxReportWindows', max: MAX_REPORT_WINDOWS },
        });
      }
      const streams = await metrics.timeStore(() => store.alertStreams({ model: name, version }));
      return driftReport({ model: name, version, deviceClass, ...range, baseline: [...info.signals.values()], windows, streams, thresholds: thresholdsOf(config.drift) });
    },
  );

  app.get<{ Querystring: { model?: string; version?: string; deviceClass?: string; after?: string; limit?: string } }>(
    '/v1/alerts',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Drift alerts (state changes after the hysteresis), newest first, with their webhook deliveries (admin)',
        querystring: alertsQuery,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { model, version, deviceClass, after, limit } = request.query;
      const alerts = await metrics.timeStore(() =>
        store.listAlerts({ model, version, deviceClass, after: after === undefined ? undefined : Number(after), limit: limit === undefined ? 100 : Number(limit) }),
      );
      return { alerts: alerts.map(alertBody) };
    },
  );
}
