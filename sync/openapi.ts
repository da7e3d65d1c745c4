/**
 * `/openapi.json`: an OpenAPI 3.0 document built from the schemas of the routes as
 * they are registered, so the document cannot drift from what the server validates.
 */
import type { RouteOptions } from 'fastify';

type Schema = Record<string, unknown>;

/** What the generator needs of a route. */
export interface RouteInfo {
  method: string;
  url: string;
  schema?: Schema;
  role?: 'admin' | 'app';
}

/** Collects route infos; pass `collect` to fastify's `onRoute` hook. */
export class RouteCatalog {
  readonly routes: RouteInfo[] = [];

  collect = (route: RouteOptions): void => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS' || route.url === '*') continue;
      this.routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: route.schema as Schema | undefined,
        role: (route.config as { role?: 'admin' | 'app' } | undefined)?.role,
      });
    }
  };
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}');

function parameters(where: 'path' | 'query', schema: Schema | undefined): Schema[] {
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name: name === '*' ? 'path' : name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}

/** The OpenAPI document of `routes`. */
export function buildOpenApi(routes: readonly RouteInfo[], info: { title: string; version: string }): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) {
    const s = r.schema ?? {};
    const operation: Schema = {
      summary: s.summary,
      parameters: [...parameters('path', s.params as Schema | undefined), ...parameters('query', s.querystring as Schema | undefined)],
      responses: Object.fromEntries(
        Object.entries((s.response ?? { 200: {} }) as Record<string, Schema>).map(([status, schema]) => [
          status.toUpperCase(),
          { description: status, content: { 'application/json': { schema } } },
        ]),
      ),
    };
    if (s.body) operation.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
    if (r.role) operation.security = [{ bearer: [] }];
    if (r.role) operation.description = `Needs a bearer token: ${r.role === 'admin' ? 'SYNC_ADMIN_TOKENS' : 'SYNC_APP_TOKENS (or an admin token)'}.`;
    (paths[toOpenApiPath(r.url)] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
