/**
 * The registry's JSON API under `/v1/models`: publish, list, aliases (canary split,
 * history) and per-device resolution. See docs/SYNC-API.md, "Registry".
 */
import type { FastifyInstance } from 'fastify';
import { compareVersions } from '../../format/index.ts';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { publishVersion, type PublishBody } from '../publish.ts';
import { latestVersion, resolveAlias } from '../registry-model.ts';
import {
  aliasBody,
  aliasParams,
  aliasResponse,
  errorSchema,
  nameParams,
  publishBody,
  publishResponse,
  resolveQuery,
  resolveResponse,
  versionParams,
} from '../schemas.ts';
import type { Canary, ModelRecord } from '../store/store.ts';
import { AliasMoved } from '../store/store-rows.ts';

/** The publish body limit (64 MiB, base64 included). */
export const PUBLISH_BODY_LIMIT = 64 * 1024 * 1024;

const notFound = (what: string) => new SyncError('NOT_FOUND', `${what} is not published on this endpoint`);

export function registerRegistryApiRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, metrics } = ctx;
  const model = async (name: string): Promise<ModelRecord> => {
    const found = await metrics.timeStore(() => store.getModel(name));
    if (!found) throw notFound(`model ${name}`);
    return found;
  };

  app.put<{ Params: { name: string; version: string }; Body: PublishBody }>(
    '/v1/models/:name/versions/:version',
    {
      bodyLimit: PUBLISH_BODY_LIMIT,
      config: { role: 'admin' },
      schema: {
        summary: 'Publish a package version (admin)',
        params: versionParams,
        body: publishBody,
        response: { 200: publishResponse, 201: publishResponse, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const { status, body } = await publishVersion(ctx, request.params.name, request.params.version, request.body);
      return reply.code(status).send(body);
    },
  );

  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'List models',
        response: {
          200: {
            type: 'object',
            properties: {
              models: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, versions: { type: 'integer' }, latest: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
    async () => {
      const models = await metrics.timeStore(() => store.listModels());
      return { models: models.map((m) => ({ name: m.name, versions: m.versions.length, latest: latestVersion(m) })) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/models/:name',
    { schema: { summary: 'One model: versions (with manifest metrics) and aliases', params: nameParams, response: { '4xx': errorSchema } } },
    async (request) => {
      const m = await model(request.params.name);
      return {
        name: m.name,
        versions: [...m.versions]
          .sort((a, b) => compareVersions(a.version, b.version))
          .map((v) => ({ version: v.version, publishedAt: v.publishedAt, bytes: v.bytes, metrics: v.metrics })),
        aliases: m.aliases.map((a) => (a.canary === null ? { alias: a.alias, version: a.version } : { alias: a.alias, version: a.version, canary: a.canary })),
      };
    },
  );

  app.put<{ Params: { name: string; alias: string }; Body: { version: string; canary?: Canary | null; expect?: { version: string; canary?: Canary | null } } }>(
    '/v1/models/:name/aliases/:alias',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Move an alias, optionally with a canary split (admin); moving it back is the rollback',
        params: aliasParams,
        body: aliasBody,
        response: { 200: aliasResponse, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { name, alias } = request.params;
      const canary = request.body.canary ?? null;
      const m = await model(name);
      for (const version of [request.body.version, ...(canary ? [canary.version] : [])]) {
        if (!m.versions.some((v) => v.version === version)) throw notFound(`${name}@${version}`);
      }
      const expected = request.body.expect ? { version: request.body.expect.version, canary: request.body.expect.canary ?? null } : undefined;
      let moved;
      try {
        moved = await metrics.timeStore(() => store.setAlias(name, alias, request.body.version, canary, request.principal!.id, new Date().toISOString(), expected));
      } catch (error) {
        if (!(error instanceof AliasMoved)) throw error;
        const now = error.current ? `${error.current.version}${error.current.canary ? ` with ${error.current.canary.version} on ${error.current.canary.percent} %` : ''}` : 'unset';
        throw new SyncError('CONFLICT', `alias ${alias} of ${name} has moved since it was read (it is now ${now}); nothing changed — read it again and decide again`, {
          details: { current: error.current ? { version: error.current.version, canary: error.current.canary } : null },
        });
      }
      return { alias: moved.alias, version: moved.version, canary: moved.canary };
    },
  );

  app.get<{ Params: { name: string; alias: string } }>(
    '/v1/models/:name/aliases/:alias/history',
    { schema: { summary: 'Every move of an alias, newest first', params: aliasParams, response: { '4xx': errorSchema } } },
    async (request) => {
      const { name, alias } = request.params;
      await model(name);
      return { history: await metrics.timeStore(() => store.aliasHistory(name, alias)) };
    },
  );

  app.get<{ Params: { name: string; alias: string }; Querystring: { device?: string } }>(
    '/v1/models/:name/resolve/:alias',
    {
      schema: {
        summary: 'The version an alias gives one device (a stable hash of the device id decides a canary split)',
        params: aliasParams,
        querystring: resolveQuery,
        response: { 200: resolveResponse, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { name, alias } = request.params;
      const m = await model(name);
      const record = m.aliases.find((a) => a.alias === alias);
      if (record) return { version: resolveAlias(record, name, request.query.device) };
      const latest = alias === 'latest' ? latestVersion(m) : undefined;
      if (latest === undefined) throw notFound(`alias ${alias} of ${name}`);
      return { version: latest };
    },
  );
}
