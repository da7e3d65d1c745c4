/**
 * Helpers for the app's e2e specs: screenshots at phone and desktop size into
 * docs/screenshots/ (shown in the README), and the app's settings set as a user would,
 * through the settings sheet.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';

/** Pixel 7's CSS viewport (Playwright's `devices['Pixel 7']`), and a common laptop one. */
export const PHONE = { width: 412, height: 915 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

const SCREENSHOTS = resolve(import.meta.dirname, '../docs/screenshots');

/**
 * Saves `<name>-pixel7.png` and `<name>-desktop.png` of the page as it is now (full
 * page), then puts the viewport back as it was.
 */
export async function saveScreenshots(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [suffix, size] of [['pixel7', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size);
    // Let layout settle (charts resize on ResizeObserver).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: resolve(SCREENSHOTS, `${name}-${suffix}.png`), fullPage: true, animations: 'disabled' });
  }
  if (before) await page.setViewportSize(before);
}

export interface AppSettingsInput {
  registryUrl?: string;
  syncUrl?: string;
  syncToken?: string;
  monitorToken?: string;
  telemetry?: boolean;
  backend?: string;
}

/** Opens the settings sheet, fills what is given, saves; expects the sheet to close (no error). */
export async function setAppSettings(page: Page, settings: AppSettingsInput): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const sheet = page.getByRole('dialog', { name: 'Settings' });
  await expect(sheet).toBeVisible();
  if (settings.registryUrl !== undefined) await sheet.getByLabel('Registry URL', { exact: true }).fill(settings.registryUrl);
  if (settings.syncUrl !== undefined) await sheet.getByLabel('Sync endpoint', { exact: true }).fill(settings.syncUrl);
  if (settings.syncToken !== undefined) await sheet.getByLabel('App token', { exact: true }).fill(settings.syncToken);
  if (settings.monitorToken !== undefined) await sheet.getByLabel('Monitor token', { exact: true }).fill(settings.monitorToken);
  if (settings.telemetry !== undefined) await sheet.getByLabel(/Send drift telemetry/).setChecked(settings.telemetry);
  if (settings.backend !== undefined) await sheet.getByLabel('Backend').selectOption(settings.backend);
  await sheet.getByRole('button', { name: 'Save' }).click();
  await expect(sheet).toBeHidden();
}

/** Waits until the app's service worker is active (the app is then available offline). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  // (waitForFunction would take an async predicate's promise as truthy at once.)
  await expect
    .poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state ?? 'none'), { timeout: 120_000, message: 'the service worker never reached activated' })
    .toBe('activated');
}
