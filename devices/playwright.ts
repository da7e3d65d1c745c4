/**
 * edgeloop/playwright: Playwright fixtures for device labs of your own.
 *
 * ```ts
 * import { test, expect } from 'edgeloop/playwright';
 * test.use({ edgeProfile: 'phone-no-webgpu', edgePage: '/my-page.html' });
 * test('runs on a slow phone', async ({ edge }) => {
 *   await edge.load('/models/mnist-cnn/1.0.0/manifest.json');
 *   const figures = await edge.measure(50);
 *   expect(figures.backend).not.toMatch(/webgpu/);
 * });
 * ```
 *
 * The page named by `edgePage` must put the runtime on `window.edgeloop`
 * (`import * as edgeloop from 'edgeloop'; window.edgeloop = edgeloop;`). Each test gets
 * a browser started for the profile (with or without WebGPU) and a context with the
 * profile applied; `edge.measure(n)` gives the figures `npm run device-lab` reports.
 */
import { chromium, test as base, type Page } from '@playwright/test';
import type { DeviceLabProfile } from './device-lab-profile.ts';
import { getDeviceLabProfile } from './device-lab-profiles.ts';
import type { ModelFigures } from './lab/lab-report.ts';
import { measureModel, openRuntime, probe, type MeasureOptions } from './lab/measure-model.ts';
import type { CpuThrottleReport } from './lab/cpu-throttle.ts';
import { openProfilePage, profileChromiumArgs, throttleProfilePage } from './lab/open-profile.ts';

export { expect } from '@playwright/test';
export type { DeviceLabProfile, ProfileNetwork } from './device-lab-profile.ts';
export { getDeviceLabProfile, loadDeviceLabProfiles } from './device-lab-profiles.ts';
export type { LabReport, ModelFigures, ProfileReport, Timings } from './lab/lab-report.ts';
export { LabProbeError, type MeasureOptions } from './lab/measure-model.ts';
export type { CpuThrottleReport } from './lab/cpu-throttle.ts';

/** A prediction as it crosses into the test: plain arrays. */
export interface EdgePrediction {
  topK: Array<{ index: number; label?: string; score: number }>;
  output: number[];
  backend: string;
  latencyMs: number;
}

/** The `edge` fixture: the runtime in a page under the profile. */
export interface Edge {
  /** The profile applied. */
  readonly profile: DeviceLabProfile;
  /** The page (under the profile) the runtime runs in. */
  readonly page: Page;
  /** How the profile's CPU rate was applied (the renderer process by cgroup, or the page's main thread only) and the slowdown a worker measured. */
  readonly cpuThrottle: CpuThrottleReport;
  /** Loads a package from its manifest URL (cold, over the profile's network); answers the time and the backend report. */
  load(url: string, options?: { backend?: string }): Promise<{ ms: number; backend: string; artifact: string; report: Record<string, unknown> }>;
  /** Predicts one input (`{ data: number[] | typed array, shape }`) with the loaded model. */
  predict(input: { data: ArrayLike<number>; shape: number[] }): Promise<EdgePrediction>;
  /** The device-lab figures of the loaded model with `n` timed predictions (cold/warm/offline loads, p50/p95, parity, heap, long tasks). */
  measure(n: number, options?: Omit<MeasureOptions, 'runs'>): Promise<ModelFigures>;
}

/** Options of the fixtures (`test.use({ … })`). */
export interface EdgeOptions {
  /** Id of a device-lab profile (devices/profiles.json). @defaultValue 'desktop-webgpu' */
  edgeProfile: string;
  /** The page exposing `window.edgeloop`, relative to `baseURL`. @defaultValue '/lab.html' */
  edgePage: string;
  /** Options for `createRuntime` in the page (JSON only, e.g. `{ trustedKeys: [...] }`); `webgpu` comes from the profile. @defaultValue {} */
  edgeRuntimeOptions: Record<string, unknown>;
}

/** Playwright's `test` with the `edge` fixture and its options. */
export const test = base.extend<EdgeOptions & { edge: Edge }>({
  edgeProfile: ['desktop-webgpu', { option: true }],
  edgePage: ['/lab.html', { option: true }],
  edgeRuntimeOptions: [{}, { option: true }],
  edge: async ({ edgeProfile, edgePage, edgeRuntimeOptions, baseURL, launchOptions }, use) => {
    const profile = getDeviceLabProfile(edgeProfile);
    // The profile decides the WebGPU flag, so the browser is this fixture's own.
    const args = (launchOptions.args ?? []).filter((arg) => arg !== '--enable-unsafe-webgpu');
    const browser = await chromium.launch({ ...launchOptions, args: profileChromiumArgs(profile, args) });
    try {
      const opened = await openProfilePage(browser, profile, { baseURL });
      const { context, page, cdp } = opened;
      let release = async () => undefined as void;
      try {
        await page.goto(edgePage);
        await page.waitForFunction('window.edgeloop !== undefined');
        const throttle = await throttleProfilePage(browser, opened, profile);
        release = throttle.release;
        await openRuntime(page, profile, edgeRuntimeOptions);
        let loaded: { url: string; backend?: string } | undefined;
        const edge: Edge = {
          profile,
          page,
          cpuThrottle: throttle.report,
          async load(url, options = {}) {
            const answer = await probe<{ ms: number; report: { backend: string; artifact: string } & Record<string, unknown> }>(page, 'load', url, options);
            loaded = { url: new URL(url, page.url()).href, backend: options.backend };
            return { ms: answer.ms, backend: answer.report.backend, artifact: answer.report.artifact, report: answer.report };
          },
          async predict(input) {
            if (loaded === undefined) throw new TypeError('edge.predict: call edge.load(url) first');
            return probe<EdgePrediction>(page, 'predict', { data: Array.from(input.data), shape: input.shape });
          },
          async measure(n, options = {}) {
            if (loaded === undefined) throw new TypeError('edge.measure: call edge.load(url) first');
            return measureModel(page, cdp, profile, { manifestUrl: loaded.url }, { backend: loaded.backend, ...options, runs: n });
          },
        };
        await use(edge);
        await probe(page, 'close').catch(() => undefined);
      } finally {
        await release();
        await context.close();
      }
    } finally {
      await browser.close();
    }
  },
});
