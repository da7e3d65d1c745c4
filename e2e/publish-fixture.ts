/**
 * Publishes a fixture package to a real sync endpoint (`PUT /v1/models/:name/versions/:version`),
 * signed with the fixture publisher key the app trusts: the endpoint refuses telemetry and
 * feedback for versions it never published.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { signManifest } from '../format/index.ts';
import { packageFiles } from '../scripts/demo-endpoint.ts';
import { publisherKey, REGISTRY } from './lab.ts';

/** Options of {@link publishFixture}. */
export interface PublishFixtureOptions {
  /** The fixture package. @defaultValue 'mnist-cnn' */
  name?: string;
  /** The version to publish as. @defaultValue '1.0.0' */
  version?: string;
  /** Manifest bytes to publish instead of the fixture's own (they must name `version`). */
  manifestBytes?: Uint8Array;
  /** @defaultValue 'admin-token' */
  adminToken?: string;
}

/** Publishes the fixture and expects 201. */
export async function publishFixture(syncUrl: string, options: PublishFixtureOptions = {}): Promise<void> {
  const { name = 'mnist-cnn', version = '1.0.0', adminToken = 'admin-token' } = options;
  const dir = join(REGISTRY, name, '1.0.0');
  const manifestBytes = options.manifestBytes ?? (await readFile(join(dir, 'manifest.json')));
  const key = await publisherKey();
  const response = await fetch(`${syncUrl}/v1/models/${name}/versions/${version}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      manifest: Buffer.from(manifestBytes).toString('base64'),
      signature: Buffer.from(await signManifest(manifestBytes, key.privateKey, key.publicKey)).toString('base64'),
      files: Object.fromEntries([...(await packageFiles(dir))].map(([path, data]) => [path, Buffer.from(data).toString('base64')])),
    }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}
