/**
 * The registry calls the endpoint suites make, bound to one running test server: read
 * with no token, publish and move aliases with its admin token.
 */
import type { BuiltPackage } from '../../format/index.ts';
import { publishBody, type PublishBody } from '../mnist-package.ts';
import { request, type TestResponse } from './http.ts';
import type { TestServer } from './test-server.ts';

/** The model name the endpoint suites publish under. */
export const TEST_MODEL = 'mnist-centroid';
/** The one origin the suites configure for CORS. */
export const TEST_ORIGIN = 'https://app.example.com';

/** Registry calls against `server()` (read lazily: the matrix starts the server in `beforeAll`). */
export interface RegistryClient {
  /** `GET path` with `headers`, no token. */
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** `PUT /v1/models/<path>` (path = `name/versions/version`) with `body`, as admin. */
  publishAt(path: string, body: PublishBody): Promise<TestResponse>;
  /** Publishes `pkg` under `TEST_MODEL` at `version` (its own by default), as admin. */
  publish(pkg: BuiltPackage, version?: string): Promise<TestResponse>;
  /** `PUT /v1/models/TEST_MODEL/aliases/<alias>` with `body`, as admin. */
  moveAlias(alias: string, body: unknown): Promise<TestResponse>;
}

/** A {@link RegistryClient} for the server `server()` returns. */
export function registryClient(server: () => TestServer): RegistryClient {
  const publishAt = (path: string, body: PublishBody) => request(server().url, `/v1/models/${path}`, { method: 'PUT', token: server().adminToken, json: body });
  return {
    get: (path, headers = {}) => request(server().url, path, { headers }),
    publishAt,
    publish: (pkg, version = pkg.manifest.version) => publishAt(`${TEST_MODEL}/versions/${version}`, publishBody(pkg)),
    moveAlias: (alias, body) => request(server().url, `/v1/models/${TEST_MODEL}/aliases/${alias}`, { method: 'PUT', token: server().adminToken, json: body }),
  };
}
