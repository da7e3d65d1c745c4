/**
 * Runs models on device-lab profiles: for each profile a fresh browser context (and a
 * browser started with or without WebGPU), the lab page opened under the profile,
 * each model measured, then a screenshot of the app's Predict page under the same
 * profile. A profile that fails is reported with its error code; the others still run.
 */
import { chromium, type Browser } from '@playwright/test';
import type { DeviceLabProfile } from '../device-lab-profile.ts';
import type { LabReport, ModelFigures, ProfileReport } from './lab-report.ts';
import { measureModel, openRuntime, probe, type MeasureOptions } from './measure-model.ts';
import { openProfilePage, profileChromiumArgs, throttleProfilePage } from './open-profile.ts';

/** Options of {@link runDeviceLab}. */
export interface DeviceLabOptions extends MeasureOptions {
  /** Base URL of the served app (lab page and Predict page). */
  baseURL: string;
  /** Manifest URLs of the models, relative to `baseURL` or absolute. */
  models: readonly string[];
  /** Chromium to start; `undefined`: Playwright's own. */
  executablePath?: string;
  /** Flags every browser starts with (WebGPU profiles add `--enable-unsafe-webgpu`). */
  chromiumArgs: readonly string[];
  /** The page exposing `window.edgeloop`. @defaultValue '/lab.html' */
  labPage?: string;
  /** Runtime options for `createRuntime` (e.g. `trustedKeys`), besides `webgpu`. */
  runtimeOptions?: Record<string, unknown>;
  /** Called with a line per profile as it finishes. */
  onProgress?: (line: string) => void;
}

const errorOf = (error: unknown) => ({
  code: String((error as { code?: unknown })?.code ?? (error as { name?: unknown })?.name ?? 'ERROR'),
  message: String((error as { message?: unknown })?.message ?? error).split('\n')[0]!,
});

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;

/** One line on a finished profile. */
export function progressLine(index: number, total: number, report: ProfileReport): string {
  const throttle = report.cpuThrottle && report.cpuThrottle.method !== 'none' ? ` by ${report.cpuThrottle.method}, worker ${report.cpuThrottle.workerSlowdown.toFixed(1)}× slower` : '';
  const head = `[${index}/${total}] ${report.id} (${report.webgpu ? 'WebGPU' : 'no WebGPU'}, ${report.cpuThrottlingRate}× CPU${throttle})`;
  if (report.error) return `${head}: FAILED ${report.error.code}: ${report.error.message}`;
  const models = (report.models ?? []).map((m) => `${m.name} ${m.backend} cold ${ms(m.coldLoadMs)} warm ${ms(m.warmLoadMs)} offline ${ms(m.offlineLoadMs)} p50 ${ms(m.predictMs.p50)} p95 ${ms(m.predictMs.p95)} top-1 ${(m.parity.top1Agreement * 100).toFixed(0)} %`);
  return `${head}: ${models.join('; ')}`;
}

/** Runs `profiles` × `options.models`; answers the report and the screenshots (PNG) by profile id. */
export async function runDeviceLab(profiles: readonly DeviceLabProfile[], options: DeviceLabOptions): Promise<{ report: LabReport; screenshots: Map<string, Buffer> }> {
  const browsers = new Map<boolean, Browser>();
  const browserFor = async (profile: DeviceLabProfile) => {
    let browser = browsers.get(profile.webgpu);
    // A browser that crashed (or was killed) during an earlier profile is started again: one profile's crash fails that profile only.
    if (!browser?.isConnected()) {
      browser = await chromium.launch({ executablePath: options.executablePath, args: profileChromiumArgs(profile, options.chromiumArgs), headless: true });
      browsers.set(profile.webgpu, browser);
    }
    return browser;
  };
  const screenshots = new Map<string, Buffer>();
  const reports: ProfileReport[] = [];
  let version = '';
  try {
    for (const [index, profile] of profiles.entries()) {
      const report: ProfileReport = {
        id: profile.id,
        description: profile.description,
        target: profile.target,
        webgpu: profile.webgpu,
        playwrightDevice: profile.playwrightDevice,
        cpuThrottlingRate: profile.cpuThrottlingRate,
        network: profile.network,
      };
      try {
        const browser = await browserFor(profile);
        version = browser.version();
        const opened = await openProfilePage(browser, profile, { baseURL: options.baseURL });
        const { context, page, cdp } = opened;
        let release = async () => undefined as void;
        try {
          await page.goto(options.labPage ?? '/lab.html');
          await page.waitForFunction('window.edgeloop !== undefined', undefined, { timeout: 120_000 });
          const throttle = await throttleProfilePage(browser, opened, profile);
          release = throttle.release;
          report.cpuThrottle = throttle.report;
          const caps = await openRuntime(page, profile, options.runtimeOptions);
          report.webgpuReason = caps.webgpu.adapter ? 'WebGPU adapter granted' : (caps.webgpu.reason ?? 'no adapter');
          const models: ModelFigures[] = [];
          for (const model of options.models) models.push(await measureModel(page, cdp, profile, { manifestUrl: model }, options));
          report.models = models;
          await probe(page, 'close');
          // The Predict page, as this device shows it (online again for the offline profile: its app shell needs the service worker, which the lab keeps off).
          await context.setOffline(false);
          await page.goto('/', { waitUntil: 'load', timeout: 120_000 });
          await page.waitForTimeout(500);
          screenshots.set(profile.id, await page.screenshot());
          report.screenshot = `${profile.id}.png`;
        } finally {
          await release();
          await context.close();
        }
      } catch (error) {
        report.error = errorOf(error);
        if (browsers.get(profile.webgpu)?.isConnected() === false) {
          report.error = { code: 'BROWSER_CLOSED', message: `Chromium exited during this profile (a crash, or killed from outside): ${report.error.message}` };
        }
      }
      reports.push(report);
      options.onProgress?.(progressLine(index + 1, profiles.length, report));
    }
  } finally {
    for (const browser of browsers.values()) await browser.close();
  }
  return {
    report: { date: new Date().toISOString(), browser: `Chromium ${version}`, runs: options.runs ?? 50, models: [...options.models], profiles: reports },
    screenshots,
  };
}
