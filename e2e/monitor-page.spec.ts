/**
 * The Monitor page against a real sync endpoint (SQLite in a temp dir, a loopback port,
 * CORS for the app's origin): ten hourly windows of mnist-cnn 1.0.0 sent as a device
 * would, six like the baseline then four whose image signals are shifted, which the
 * endpoint judges `drift` and (three in a row) raises an alert for. The page starts
 * empty (no endpoint), then, with the endpoint and its admin token in Settings, shows
 * drift over 24 hourly buckets, per-signal verdicts, histograms, latency, errors and
 * the open alert; a wrong token, an app token, going offline and a stopped endpoint
 * are each said in words.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { BaselineSignal, DriftEvent } from '../format/index.ts';
import { createSyncServer } from '../sync/index.ts';
import { windowEvent } from '../test-support/sync/drift-events.ts';
import { saveScreenshots, setAppSettings } from './app.ts';
import { publisherKey, REGISTRY } from './lab.ts';
import { publishFixture } from './publish-fixture.ts';

const HOUR = 3_600_000;
const OK_WINDOWS = 6;
const DRIFT_WINDOWS = 4;
const N = 500;
/** Signals the drifting windows leave as in training: the model's outputs. */
const UNSHIFTED = ['predicted_class', 'confidence', 'entropy'];
const LATENCY = { edges: [1, 2, 5, 10, 50], counts: [50, 300, 120, 30] };

/** One window: from the baseline, or with every image signal that varied in training shifted (the outputs left as they were). */
function window(baseline: BaselineSignal[], windowStart: string, drifted: boolean, seed: number): DriftEvent {
  const common = { model: 'mnist-cnn', version: '1.0.0', baseline, n: N, windowStart, seed };
  const event = windowEvent({ ...common, drifted: false });
  if (drifted) {
    const shifted = windowEvent({ ...common, drifted: true });
    for (const s of baseline) if (!UNSHIFTED.includes(s.name) && s.counts.filter((c) => c > 0).length > 1) event.signals![s.name] = shifted.signals![s.name]!;
  }
  return { ...event, latencyMs: LATENCY, errors: drifted ? { INFERENCE_FAILED: 2 } : {} };
}

/**
 * Sets the sync endpoint through the settings sheet. (app.ts's setAppSettings finds it
 * by the label "Sync endpoint", which also matches the telemetry checkbox's "…to the
 * sync endpoint"; the textbox role is unique.)
 */
async function setSyncUrl(page: Page, syncUrl: string): Promise<void> {
  await page.locator('#settings-open').click();
  const sheet = page.getByRole('dialog', { name: 'Settings' });
  await sheet.getByRole('textbox', { name: /^Sync endpoint/ }).fill(syncUrl);
  await sheet.getByRole('button', { name: 'Save' }).click();
  await expect(sheet).toBeHidden();
}

/** The page's own pickers (a select's name starts with its label, then its value). */
const picker = (page: Page, label: string) => page.locator('main').getByRole('combobox', { name: new RegExp(`^${label}`) });

const row = (page: Page, signal: string) => page.locator(`#signal-table tr[data-signal="${signal}"]`);

test('Monitor: empty state, then drift over time, verdicts, histograms, latency, errors and the alert from a real endpoint; bad token, offline and a stopped endpoint in words', async ({ page, context, baseURL }) => {
  test.setTimeout(150_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-monitor-'));
  const key = await publisherKey();
  const sync = await createSyncServer({
    env: {},
    port: 0,
    dataDir,
    adminTokens: ['admin-token'],
    appTokens: ['app-token'],
    publisherKeys: [key.publicKey],
    corsOrigins: [new URL(baseURL!).origin],
    drift: { pollMs: 200 },
  });
  const syncUrl = await sync.listen();
  let stopped = false;
  try {
    await publishFixture(syncUrl);

    // Ten windows, one an hour over the last ten hours (each in its own hourly bucket),
    // sent in order, one batch each, as a device would.
    const manifestBytes = await readFile(join(REGISTRY, 'mnist-cnn', '1.0.0', 'manifest.json'));
    const baseline = (JSON.parse(manifestBytes.toString()) as { baseline: { signals: BaselineSignal[] } }).baseline.signals;
    const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
    const total = OK_WINDOWS + DRIFT_WINDOWS;
    for (let i = 0; i < total; i++) {
      const windowStart = new Date(thisHour - (total - i) * HOUR + 10 * 60_000).toISOString();
      const response = await fetch(`${syncUrl}/v1/telemetry`, {
        method: 'POST',
        headers: { authorization: 'Bearer app-token', 'content-type': 'application/json' },
        body: JSON.stringify({ schema: 1, batchId: `monitor-e2e-${i}`, deviceId: 'e2e-phone', sentAt: new Date().toISOString(), events: [window(baseline, windowStart, i >= OK_WINDOWS, 100 + i)] }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    // Three drifted windows in a row raise the alert (SYNC_ALERT_WINDOWS' default).
    await expect
      .poll(async () => ((await (await fetch(`${syncUrl}/v1/alerts?model=mnist-cnn&version=1.0.0`, { headers: { authorization: 'Bearer admin-token' } })).json()) as { alerts: { state: string }[] }).alerts.map((a) => a.state), { timeout: 20_000 })
      .toEqual(['drift']);

    // No endpoint yet: the empty state, whose button opens the settings sheet.
    await page.goto('/monitor.html');
    await expect(page.getByRole('heading', { name: 'Monitor', level: 1 })).toBeVisible();
    await expect(page.locator('#monitor-empty')).toContainText('No sync endpoint is set');
    await page.getByRole('button', { name: 'Set up an endpoint' }).click();
    const sheet = page.getByRole('dialog', { name: 'Settings' });
    await expect(sheet).toBeVisible();
    await sheet.getByRole('button', { name: 'Cancel' }).click();
    await expect(sheet).toBeHidden();
    // An endpoint without a token is still empty, and says why.
    await setSyncUrl(page, syncUrl);
    await expect(page.locator('#monitor-empty')).toContainText('No Monitor token is set');

    await setAppSettings(page, { monitorToken: 'admin-token' });
    await expect(page.locator('#monitor-empty')).toBeHidden();
    await expect(picker(page, 'Model')).toHaveValue('mnist-cnn');
    await expect(picker(page, 'Version')).toHaveValue('1.0.0');
    await expect(picker(page, 'Time range')).toHaveValue('day');
    await expect(page.locator('#monitor-status')).toContainText('10 of 24 buckets hold telemetry');
    await expect(page.locator('#monitor-error')).toBeHidden();
    await expect(picker(page, 'Device class')).toContainText('phone-wasm');

    // The latest bucket (a drifted window): the image signals drift, the outputs do not.
    await expect(page.locator('#latest-verdict')).toContainText('Version: ⚠ drift');
    // Drifting signals first, the first twelve shown; the rest one press away.
    await expect(page.locator('#signal-table tbody tr')).toHaveCount(12);
    await expect(page.locator('#signal-table tbody tr').first()).toHaveAttribute('data-status', 'drift');
    await page.getByRole('button', { name: 'Show all 54 signals' }).click();
    await expect(page.locator('#signal-table tbody tr')).toHaveCount(54);
    for (const signal of ['mean_intensity', 'contrast', 'block_3_3']) {
      await expect(row(page, signal).locator('td.status'), signal).toHaveText('⚠ drift');
      await expect(row(page, signal).locator('td').nth(2)).toHaveText(String(N));
    }
    for (const signal of ['confidence', 'entropy']) await expect(row(page, signal).locator('td.status'), signal).toHaveText('ok');
    // A constant block (no ink in training, none in the field) is judged and stays ok.
    await expect(row(page, 'block_0_0').locator('td.status')).toHaveText('ok');

    // Drift over time: one point per bucket with data, drifting in the last four.
    const chart = page.locator('#drift-chart');
    await picker(page, 'Signal').selectOption('mean_intensity');
    await expect(chart).toHaveAttribute('data-signal', 'mean_intensity');
    await expect(chart).toHaveAttribute('data-points', String(total));
    await expect(chart).toHaveAttribute('data-buckets', '24');
    await expect(chart.locator('canvas')).toHaveCount(1);
    await expect(chart.locator('.u-legend')).toContainText('mean_intensity (JS distance)');
    await expect(page.locator('#drift-chart-summary')).toContainText(`judged in ${total} of 24 buckets, drifting in ${DRIFT_WINDOWS}`);
    await expect(page.locator('#drift-buckets tbody tr')).toHaveCount(24);
    await expect(page.locator('#drift-buckets tbody tr.drift')).toHaveCount(DRIFT_WINDOWS);
    // The outputs: judged in every bucket, never drifting.
    await row(page, 'confidence').getByRole('button', { name: 'confidence' }).click();
    await expect(chart).toHaveAttribute('data-signal', 'confidence');
    await expect(chart).toHaveAttribute('data-points', String(total));
    await expect(page.locator('#drift-chart-summary')).toContainText('drifting in 0');

    // Histograms: the chosen signal's bins (10 for mean_intensity), latency's 4, errors.
    await picker(page, 'Signal').selectOption('mean_intensity');
    const histogram = page.locator('#signal-histogram');
    await expect(page.getByRole('heading', { name: 'Field vs baseline: mean_intensity' })).toBeVisible();
    await expect(histogram).toHaveAttribute('data-bins', '10');
    await expect(histogram.locator('tbody tr')).toHaveCount(10);
    await expect(histogram.locator('thead')).toContainText('Baseline');
    await expect(page.locator('#latency-histogram')).toHaveAttribute('data-bins', '4');
    await expect(page.locator('#latency-histogram tbody tr').first()).toContainText(`1–2 ms${LATENCY.counts[0]! * total}`);
    await expect(page.locator('#error-counts tr[data-code="INFERENCE_FAILED"]')).toContainText(String(2 * DRIFT_WINDOWS));

    // The open alert, with its signals.
    const open = page.locator('#alerts-open li');
    await expect(open).toHaveCount(1);
    await expect(open).toContainText('Drift (open)');
    await expect(open).toContainText('phone-wasm');
    await expect(open).toContainText('mean_intensity');
    await expect(page.getByRole('heading', { name: 'Alerts: 1 open' })).toBeVisible();

    // The screenshots with the table folded back to the drifting signals.
    // (mean_intensity, the chosen signal, ranks below the first twelve and stays listed.)
    await page.getByRole('button', { name: 'Show the first 12 signals' }).click();
    await expect(page.locator('#signal-table tbody tr')).toHaveCount(13);
    await expect(page.locator('#signal-table tbody tr').last()).toHaveAttribute('data-signal', 'mean_intensity');
    await saveScreenshots(page, 'monitor');

    // Tokens that may not read drift: an unknown one (401) and the app token (403).
    await setAppSettings(page, { monitorToken: 'not-a-token' });
    const error = page.locator('#monitor-error');
    await expect(error).toContainText('This token cannot read drift: use the endpoint’s admin token');
    await expect(error).toHaveAttribute('data-code', 'UNAUTHORIZED');
    await expect(page.locator('#monitor-over-time')).toBeHidden();
    await setAppSettings(page, { monitorToken: 'app-token' });
    await expect(error).toHaveAttribute('data-code', 'FORBIDDEN');
    await expect(error).toContainText('cannot read drift');

    // Offline: said in words; back online, the page reads again by itself.
    await setAppSettings(page, { monitorToken: 'admin-token' });
    await expect(page.locator('#monitor-status')).toContainText('10 of 24 buckets hold telemetry');
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(error).toContainText('The endpoint cannot be reached (offline?)');
    await expect(error).toHaveAttribute('data-code', 'UNREACHABLE');
    await expect(page.locator('#offline-badge')).toBeVisible();
    await context.setOffline(false);
    await expect(error).toBeHidden();
    await expect(page.locator('#monitor-over-time')).toBeVisible();

    // The endpoint stopped: the same words.
    await sync.close();
    stopped = true;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(error).toContainText('The endpoint cannot be reached (offline?)');
    await expect(error).toHaveAttribute('data-code', 'UNREACHABLE');
  } finally {
    if (!stopped) await sync.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
