/**
 * Publishes a fixture package to a real sync endpoint (`PUT /v1/models/:name/versions/:version`),
 * signed with the fixture publisher key the app trusts: the endpoint refuses telemetry and
 * feedback for versions it never published.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from '@playwright/test';
import { signManifest } from '../format/index.ts';
import { publisherKey, REGISTRY } from './lab.ts';

/** A package folder's files (not the manifest, its signature or the build stamp), base64, by path. */
export async function packageFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!['manifest.json', 'manifest.sig', '.stamp'].includes(entry.name)) out[relative(dir, path)] = (await readFile(path)).toString('base64');
    }
  };
  await walk(dir);
  return out;
}

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
      files: await packageFiles(dir),
    }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}
