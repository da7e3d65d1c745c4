/**
 * Publishes a real signed package (the `mnist` centroid model) so that telemetry for it
 * is accepted: the endpoint refuses events for model versions that were never published.
 */
import { buildMnistPackage, publishBody, type BuildMnistPackageOptions } from '../mnist-package.ts';
import { request } from './http.ts';
import type { TestServer } from './test-server.ts';

/** The server fields a publish needs. */
export type PublishTarget = Pick<TestServer, 'url' | 'adminToken' | 'publisher'>;

/**
 * Builds and publishes `name@version` (signed with the server's trusted key) and
 * resolves when it is stored (201, or 200 when already published).
 * @throws Error with the answer when the endpoint refuses it.
 */
export async function publishVersion(server: PublishTarget, name: string, version: string, options: Pick<BuildMnistPackageOptions, 'baselineSignals'> = {}): Promise<void> {
  const pkg = await buildMnistPackage({ name, version, signingKey: server.publisher, ...options });
  const res = await request(server.url, `/v1/models/${name}/versions/${version}`, { method: 'PUT', token: server.adminToken, json: publishBody(pkg), timeoutMs: 60_000 });
  if (res.status !== 201 && res.status !== 200) throw new Error(`publishing ${name}@${version} answered ${res.status}: ${res.text.slice(0, 300)}`);
}
