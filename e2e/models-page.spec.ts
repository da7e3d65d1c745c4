/**
 * The Models page driven as a user would, in real Chromium, against a registry on another
 * loopback port: install with progress, check for updates and install the newer one,
 * pin, roll back (and Predict then runs the version rolled back to), remove with a
 * confirmation; a corrupt package and bad form input shown in words with their code,
 * the active version untouched; storage figures and "Keep my data".
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { saveScreenshots } from './app.ts';
import { startRegistryServer, writeRegistry, type RegistryServer } from './registry-server.ts';

let root: string;
let registry: RegistryServer;

test.beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeloop-models-'));
  registry = await startRegistryServer(root);
});

test.afterEach(async () => {
  await registry.close();
  await rm(root, { recursive: true, force: true });
});

const card = (page: Page, name: string): Locator => page.locator(`article[data-model="${name}"]`);
const version = (page: Page, name: string, v: string): Locator => card(page, name).locator(`li[data-version="${v}"]`);
/** A card's versions as the user reads them: `1.1.0 active`, `1.0.0 pinned previous`. */
const versionsShown = (page: Page, name: string) =>
  card(page, name)
    .locator('li.version')
    .evaluateAll((items) => items.map((li) => [li.getAttribute('data-version'), ...[...li.querySelectorAll('.tag')].map((t) => t.textContent)].join(' ')));

async function installFromForm(page: Page, name: string, options: { version?: string } = {}): Promise<void> {
  const form = page.getByRole('region', { name: 'Install a model' });
  await form.getByLabel('Registry URL').fill(registry.url);
  await form.getByLabel('Model name').fill(name);
  await form.getByLabel('Version', { exact: true }).fill(options.version ?? '');
  await form.getByRole('button', { name: 'Install', exact: true }).click();
}

test('install, update, pin, roll back and remove on the Models page; Predict runs the active version', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0'] });
  await page.goto('/models.html');
  await expect(page.locator('#models-empty')).toBeVisible();
  await expect(page.locator('#storage-text')).toContainText(/used/);

  // Install from the registry: a progress bar, then the model's card with 1.0.0 active.
  const phases: string[] = [];
  await page.exposeFunction('recordPhase', (text: string) => phases.push(text));
  await page.evaluate(() => {
    const status = document.getElementById('install-status')!;
    new MutationObserver(() => (window as unknown as { recordPhase(t: string): void }).recordPhase(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await installFromForm(page, 'mnist-mlp');
  await expect(page.locator('#install-status')).toContainText('Installed mnist-mlp 1.0.0', { timeout: 60_000 });
  expect(phases.some((p) => /downloading and verifying/.test(p)), phases.join(' | ')).toBe(true);
  await expect(page.locator('#models-empty')).toBeHidden();
  expect(await versionsShown(page, 'mnist-mlp')).toEqual(['1.0.0 active']);
  await expect(version(page, 'mnist-mlp', '1.0.0')).toContainText(`from 127.0.0.1:${new URL(registry.url).port}`);
  await expect(card(page, 'mnist-mlp').getByRole('button', { name: 'Roll back mnist-mlp' })).toBeDisabled();

  // Nothing new yet, then 1.1.0 is published: the check offers it, one tap installs it.
  await card(page, 'mnist-mlp').getByRole('button', { name: 'Check mnist-mlp for updates' }).click();
  await expect(card(page, 'mnist-mlp').locator('.update')).toContainText('Up to date (the registry’s latest is 1.0.0)');
  await writeRegistry(root, { versions: ['1.0.0', '1.1.0'] });
  await card(page, 'mnist-mlp').getByRole('button', { name: 'Check mnist-mlp for updates' }).click();
  await expect(card(page, 'mnist-mlp').locator('.update')).toContainText('1.1.0 is available (active: 1.0.0)');
  await card(page, 'mnist-mlp').getByRole('button', { name: 'Install 1.1.0' }).click();
  await expect(card(page, 'mnist-mlp').locator('.card-status')).toContainText('Installed 1.1.0', { timeout: 60_000 });
  expect(await versionsShown(page, 'mnist-mlp')).toEqual(['1.1.0 active', '1.0.0 previous']);

  // Pin the old one (keyboard: focus stays on the button through the re-render).
  const pin = page.getByRole('button', { name: 'Pin mnist-mlp 1.0.0' });
  await pin.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Unpin mnist-mlp 1.0.0' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Unpin mnist-mlp 1.0.0' })).toBeFocused();
  expect(await versionsShown(page, 'mnist-mlp')).toEqual(['1.1.0 active', '1.0.0 pinned previous']);
  await saveScreenshots(page, 'models');

  // Roll back: 1.0.0 is active again, and the Predict page loads it.
  await card(page, 'mnist-mlp').getByRole('button', { name: 'Roll back mnist-mlp' }).click();
  await expect(card(page, 'mnist-mlp').locator('.card-status')).toContainText('Rolled back: 1.0.0 is active again.');
  expect((await versionsShown(page, 'mnist-mlp'))[1]).toMatch(/^1\.0\.0 active pinned/);
  await page.goto('/');
  await expect(page.locator('#load-status')).toContainText('Loaded mnist-mlp@1.0.0', { timeout: 90_000 });

  // Remove 1.1.0: it asks first; "Keep" keeps it, "Remove" removes it. The active one has no Remove.
  await page.goto('/models.html');
  await expect(page.getByRole('button', { name: 'Remove mnist-mlp 1.0.0' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Remove mnist-mlp 1.1.0' }).click();
  await expect(version(page, 'mnist-mlp', '1.1.0')).toContainText('Remove 1.1.0 from this device?');
  await page.getByRole('button', { name: 'Keep mnist-mlp 1.1.0' }).click();
  expect(await versionsShown(page, 'mnist-mlp')).toHaveLength(2);
  await page.getByRole('button', { name: 'Remove mnist-mlp 1.1.0' }).click();
  await page.getByRole('button', { name: 'Yes, remove mnist-mlp 1.1.0' }).click();
  await expect(card(page, 'mnist-mlp').locator('.card-status')).toContainText('Removed 1.1.0 from this device.');
  expect(await versionsShown(page, 'mnist-mlp')).toEqual(['1.0.0 active pinned']);
});

test('a corrupt package, an unreachable registry and bad input are shown in words with their code; the active version stays', async ({ page }) => {
  await writeRegistry(root, { versions: ['1.0.0', '1.2.0'], aliases: { latest: '1.0.0' } });
  const shard = join(root, 'mnist-mlp', '1.2.0', 'tfjs', 'group1-shard1of1.bin');
  const bytes = await readFile(shard);
  bytes[1000] ^= 0x01;
  await writeFile(shard, bytes);

  await page.goto('/models.html');
  // Bad input never reaches the store.
  await installFromForm(page, 'Not A Name');
  await expect(page.locator('#install-error')).toContainText('is not a model name');
  await expect(page.getByLabel('Model name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Model name')).toBeFocused();
  await installFromForm(page, 'mnist-mlp', { version: 'one' });
  await expect(page.locator('#install-error')).toContainText('“one” is not a version');
  expect(registry.requests).toEqual([]);

  await installFromForm(page, 'mnist-mlp');
  await expect(page.locator('#install-status')).toContainText('Installed mnist-mlp 1.0.0', { timeout: 60_000 });
  // 1.2.0 has one flipped byte in its weights: refused, with the code, and 1.0.0 stays active.
  await installFromForm(page, 'mnist-mlp', { version: '1.2.0' });
  const error = page.locator('#install-error');
  await expect(error).toHaveAttribute('data-code', 'INTEGRITY_MISMATCH', { timeout: 60_000 });
  await expect(error).toContainText('the version you had stays');
  await expect(error).toContainText('INTEGRITY_MISMATCH');
  await expect(page.locator('#install-status')).toHaveText('Could not install mnist-mlp.');
  expect((await versionsShown(page, 'mnist-mlp'))).toContain('1.0.0 active');
  expect((await versionsShown(page, 'mnist-mlp')).some((v) => v.startsWith('1.2.0') && v.includes('active'))).toBe(false);

  // The registry goes away: the update check fails in words on the model's card.
  await registry.close();
  await card(page, 'mnist-mlp').getByRole('button', { name: 'Check mnist-mlp for updates' }).click();
  const cardError = card(page, 'mnist-mlp').getByRole('alert');
  await expect(cardError).toHaveAttribute('data-code', 'FETCH_FAILED');
  await expect(cardError).toContainText('The registry could not be reached');
  registry = await startRegistryServer(root);

  // Keep my data: headless Chromium says no (a real installed app usually gets yes); either answer is shown.
  await page.getByRole('button', { name: 'Keep my data' }).click();
  await expect(page.locator('#storage-status')).toContainText(/The browser (agreed|said no)/);
  await expect(page.locator('#storage-text')).toContainText(/KiB|MiB/);
});
