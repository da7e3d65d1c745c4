/**
 * Feedback (docs/SYNC-API.md, "Feedback"): labelled examples devices send only when
 * their users chose to share them, kept as one dataset per model for retraining jobs.
 * A batch is checked whole (schema, then each input's base64 and size, then that its
 * version is published, then each example against that version's manifest) before
 * anything is written, and stored in one transaction, each distinct example once; the
 * answer is sent only after the commit. Admins page through a dataset and clear it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FEEDBACK_LIMITS, type FeedbackBatch } from '../../format/index.ts';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { checkFeedback, decodeFeedbackInputs } from '../feedback/check-feedback.ts';
import { FeedbackTargets } from '../feedback/feedback-targets.ts';
import { errorSchema, feedbackBody, feedbackDeleteQuery, feedbackDeleteResponse, feedbackPageResponse, feedbackQuery, feedbackResponse, nameParams } from '../schemas.ts';
import type { FeedbackRecord } from '../store/store.ts';

/** The most input bytes one page of `GET /v1/models/:name/feedback` carries (8 MiB; always at least one example). */
export const FEEDBACK_PAGE_BYTES = 8 * 1024 * 1024;
/** Examples per page when the request names no `limit`. */
export const FEEDBACK_PAGE_DEFAULT_LIMIT = 100;

/** An example as the admin API answers it. */
function exampleBody(e: FeedbackRecord) {
  return {
    id: e.id,
    version: e.version,
    label: e.label,
    predicted: e.predicted,
    dtype: e.dtype,
    shape: e.shape,
    data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'),
    createdAt: e.createdAt,
    receivedAt: e.receivedAt,
    installId: e.installId,
  };
}

/** The examples a refused request carried, once its body was read (0 before that, or when it is not a batch). */
function examplesIn(request: FastifyRequest): number {
  const examples = (request.body as { examples?: unknown } | undefined)?.examples;
  return Array.isArray(examples) ? examples.length : 0;
}

export function registerFeedbackRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics, config, blobs } = ctx;
  const targets = new FeedbackTargets(store, blobs);
  /** @throws SyncError `NOT_FOUND` when `name` is not published. */
  const requireModel = async (name: string): Promise<void> => {
    if ((await metrics.timeStore(() => store.getModel(name))) === undefined) throw new SyncError('NOT_FOUND', `model ${name} is not published on this endpoint`);
  };

  app.post<{ Body: FeedbackBatch }>(
    '/v1/feedback',
    {
      bodyLimit: FEEDBACK_LIMITS.maxBodyBytes,
      config: { role: 'app' },
      schema: {
        summary: 'Send labelled examples the user chose to share (app token); each distinct example is stored once in its model dataset',
        body: feedbackBody,
        response: { 200: feedbackResponse, '4xx': errorSchema },
      },
      onError: async (request) => metrics.feedback('refused', examplesIn(request)),
    },
    async (request) => {
      const body = request.body;
      const inputs = decodeFeedbackInputs(body.examples);
      const target = await metrics.timeStore(() => targets.get(body.model, body.version));
      if (target === undefined) {
        const known = (await metrics.timeStore(() => store.getModel(body.model))) !== undefined;
        throw new SyncError('NOT_FOUND', `${body.model}@${body.version} is not published on this endpoint; feedback is taken for published versions only`, {
          details: { field: known ? 'version' : 'model' },
        });
      }
      const checked = await checkFeedback(body, inputs, target, { sender: request.principal!.id, receivedAt: new Date().toISOString() });
      const max = config.feedbackMaxExamplesPerModel;
      const result = await metrics.timeStore(() => store.insertFeedback(body.model, checked.examples, max));
      if (result.outcome === 'full') {
        throw new SyncError(
          'FEEDBACK_FULL',
          `the feedback dataset of ${body.model} holds ${result.count} examples and may hold at most ${max}; this batch would add ${result.added} new ones, so nothing was stored. Read it (GET /v1/models/${body.model}/feedback) and clear it (DELETE) to make room`,
          { details: { field: 'examples', limit: 'maxExamplesPerModel', max } },
        );
      }
      const duplicates = body.examples.length - result.stored;
      metrics.feedback('stored', result.stored);
      metrics.feedback('duplicate', duplicates);
      return { stored: result.stored, duplicates, ids: checked.ids };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { version?: string; installId?: string; after?: string; limit?: string } }>(
    '/v1/models/:name/feedback',
    {
      config: { role: 'admin' },
      schema: {
        summary: "A model's feedback dataset, one page at a time in the order it was stored, with the count of the whole filter (admin)",
        params: nameParams,
        querystring: feedbackQuery,
        response: { 200: feedbackPageResponse, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { version, installId, after, limit } = request.query;
      await requireModel(name);
      const page = await metrics.timeStore(() =>
        store.feedbackPage({
          model: name,
          version,
          installId,
          after: after === undefined ? undefined : Number(after),
          limit: limit === undefined ? FEEDBACK_PAGE_DEFAULT_LIMIT : Number(limit),
          maxBytes: FEEDBACK_PAGE_BYTES,
        }),
      );
      return { model: name, count: page.count, next: page.next === null ? null : String(page.next), examples: page.examples.map(exampleBody) };
    },
  );

  app.delete<{ Params: { name: string }; Querystring: { version?: string; installId?: string } }>(
    '/v1/models/:name/feedback',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Delete a model's feedback examples, all or those of one version or install (admin)",
        params: nameParams,
        querystring: feedbackDeleteQuery,
        response: { 200: feedbackDeleteResponse, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { name } = request.params;
      await requireModel(name);
      const deleted = await metrics.timeStore(() => store.deleteFeedback({ model: name, ...request.query }));
      return { deleted };
    },
  );
}
