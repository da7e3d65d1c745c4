/**
 * Retraining jobs (docs/SYNC-API.md, "Retraining jobs"), admin token: enqueue a retrain
 * of a published model (one queued-or-running job per model: asking again answers that
 * one), list jobs, and read one with its progress and log as the worker writes them.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import type { JobRecord, JobState, RetrainPayload } from '../jobs/job-records.ts';
import { jobParams, jobQuery, jobsQuery, retrainBody } from '../jobs/job-schemas.ts';
import { latestVersion } from '../registry-model.ts';
import { errorSchema, nameParams } from '../schemas.ts';

/** Log lines `GET /v1/jobs/:id` returns when the request names no `log`. */
export const JOB_LOG_DEFAULT_LINES = 1000;

interface RetrainRequest {
  mode?: RetrainPayload['mode'];
  parentVersion?: string;
  maxAttempts?: number;
  options?: RetrainPayload['options'];
}

/** A job as the API answers it. */
export function jobBody(job: JobRecord) {
  return {
    id: job.id,
    kind: job.kind,
    model: job.model,
    state: job.state,
    payload: job.payload,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    message: job.message,
    result: job.result,
    error: job.error,
    workerId: job.workerId,
    leaseUntil: job.leaseUntil,
    runAfter: job.runAfter,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

export function registerJobRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics, config } = ctx;

  app.post<{ Params: { name: string }; Body: RetrainRequest | undefined }>(
    '/v1/models/:name/retrain',
    {
      bodyLimit: 16 * 1024,
      config: { role: 'admin' },
      // The body is optional: a request without one (no Content-Type, no bytes) asks for the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        summary: 'Enqueue a retrain job of a published model (admin); 200 with the job already queued or running for it',
        params: nameParams,
        body: retrainBody,
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const body = request.body ?? {};
      const model = await metrics.timeStore(() => store.getModel(name));
      if (model === undefined) throw new SyncError('NOT_FOUND', `model ${name} is not published on this endpoint; publish a version before retraining it`);
      if (body.parentVersion !== undefined && !model.versions.some((v) => v.version === body.parentVersion)) {
        throw new SyncError('NOT_FOUND', `${name}@${body.parentVersion} is not published; name a published parentVersion, or leave it out for the latest`, {
          details: { field: 'parentVersion' },
        });
      }
      const payload: RetrainPayload = {
        reason: 'manual',
        alertId: null,
        parentVersion: body.parentVersion ?? latestVersion(model) ?? null,
        mode: body.mode ?? 'fine-tune',
        options: body.options ?? {},
      };
      const { job, created } = await metrics.timeStore(() =>
        store.jobs.enqueue({ kind: 'retrain', model: name, payload, maxAttempts: body.maxAttempts ?? config.retrain.maxAttempts }),
      );
      if (created) ctx.kickJobs();
      return reply.code(created ? 202 : 200).send({ job: jobBody(job), existing: !created });
    },
  );

  app.get<{ Querystring: { model?: string; state?: JobState; kind?: 'retrain'; before?: string; limit?: string } }>(
    '/v1/jobs',
    {
      config: { role: 'admin' },
      schema: { summary: 'Jobs, newest first (admin)', querystring: jobsQuery, response: { '4xx': errorSchema } },
    },
    async (request) => {
      const { model, state, kind, before, limit } = request.query;
      const jobs = await metrics.timeStore(() =>
        store.jobs.list({ model, state, kind, before: before === undefined ? undefined : Number(before), limit: limit === undefined ? 100 : Number(limit) }),
      );
      return { jobs: jobs.map(jobBody) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { log?: string } }>(
    '/v1/jobs/:id',
    {
      config: { role: 'admin' },
      schema: { summary: 'One job with its progress and log (admin)', params: jobParams, querystring: jobQuery, response: { '4xx': errorSchema } },
    },
    async (request) => {
      const id = Number(request.params.id);
      const job = await metrics.timeStore(() => store.jobs.get(id));
      if (job === undefined) throw new SyncError('NOT_FOUND', `there is no job ${id}`);
      const lines = request.query.log === undefined ? JOB_LOG_DEFAULT_LINES : Number(request.query.log);
      const log = await metrics.timeStore(() => store.jobs.log(id, lines));
      return { job: { ...jobBody(job), log: log.lines, logLines: log.total } };
    },
  );
}
