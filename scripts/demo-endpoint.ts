/**
 * The demo set-up `npm start` gives its local sync endpoint: the demo models published
 * (the fixture packages, signed with the fixture publisher key), `production` pointing at
 * them, and the app's first-run settings (`dist/demo-config.json`) pointing at the
 * endpoint, so the app installs from it, sends telemetry to it and reads Monitor from it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { EndpointClient } from '../loop/index.ts';

const REGISTRY = 'fixtures/registry';

/** A package folder's files (not the manifest, signature or build stamp), by path. */
export async function packageFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!['manifest.json', 'manifest.sig', '.stamp'].includes(entry.name)) out.set(relative(dir, path), await readFile(path));
    }
  };
  await walk(dir);
  return out;
}

/** Publishes each demo model's 1.0.0 (a no-op when the same bytes are there) and sets `production` where it is unset. */
export async function publishDemoModels(syncUrl: string, adminToken: string, names: readonly string[]): Promise<void> {
  const client = new EndpointClient(syncUrl, adminToken);
  for (const name of names) {
    const dir = join(REGISTRY, name, '1.0.0');
    const outcome = await client.publish(name, '1.0.0', { manifestBytes: await readFile(join(dir, 'manifest.json')), signature: await readFile(join(dir, 'manifest.sig')), files: await packageFiles(dir) });
    const info = await client.model(name);
    if (!info.aliases.some((a) => a.alias === 'production')) await client.setAlias(name, 'production', { version: '1.0.0' });
    console.log(`edgeloop: ${name}@1.0.0 ${outcome === 'created' ? 'published' : 'already published'} on the endpoint (production → ${info.aliases.find((a) => a.alias === 'production')?.version ?? '1.0.0'})`);
  }
}

/** What the app takes as its first-run settings (pwa/shell/settings.ts reads it once, when nothing is saved yet). */
export interface DemoConfig {
  registryUrl: string;
  syncUrl: string;
  syncToken: string;
  monitorToken: string;
  telemetry: boolean;
  /** The alias the app installs from and follows (the canary splits are on it). */
  channel: string;
  /** Pick up new versions in the background. */
  autoUpdate: boolean;
}

/** Writes `<dist>/demo-config.json`. */
export async function writeDemoConfig(dist: string, config: DemoConfig): Promise<void> {
  await writeFile(join(dist, 'demo-config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
