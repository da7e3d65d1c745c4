/**
 * Shared helpers of the e2e specs: open the device-lab harness page, read the fixture
 * publisher key, and build hostile package variants on disk (served at /fixtures/e2e).
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Manifest } from '../format/index.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const REGISTRY = join(FIXTURES, 'registry');

/** Opens lab.html and waits for `window.edgeloop`. */
export async function openLab(page: Page): Promise<void> {
  await page.goto('/lab.html');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
}

/** The fixture publisher's key pair (the private half never leaves Node). */
export async function publisherKey(): Promise<{ publicKey: string; privateKey: string }> {
  return JSON.parse(await readFile(join(FIXTURES, 'keys', 'publisher.json'), 'utf8')) as { publicKey: string; privateKey: string };
}

/**
 * Copies a fixture package to fixtures/e2e/<variant>/<name>/1.0.0 and lets `mutate`
 * damage it; returns its manifest URL path.
 */
export async function packageVariant(name: string, variant: string, mutate: (dir: string, manifest: Manifest) => Promise<void>): Promise<string> {
  const dir = join(FIXTURES, 'e2e', variant, name, '1.0.0');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(join(REGISTRY, name, '1.0.0'), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  await mutate(dir, manifest);
  return `/fixtures/e2e/${variant}/${name}/1.0.0/manifest.json`;
}

/** Writes a manifest and re-signs it with the fixture publisher key (so only the intended defect remains). */
export async function writeSignedManifest(dir: string, manifest: Manifest): Promise<void> {
  const { signManifest } = await import('../format/index.ts');
  const key = await publisherKey();
  const bytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'manifest.json'), bytes);
  await writeFile(join(dir, 'manifest.sig'), await signManifest(bytes, key.privateKey, key.publicKey));
}
