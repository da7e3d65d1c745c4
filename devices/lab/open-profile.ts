/**
 * Opens a Playwright browser context and page with a device-lab profile applied:
 * the device descriptor and viewport, `navigator.deviceMemory`, WebGPU removed from
 * the page when the profile has none (the worker side is `createRuntime({ webgpu:
 * false })`, set by the probe) and network shaping through CDP. CPU throttling comes
 * after the page has navigated ({@link throttleProfilePage}): it follows the page's process.
 */
import { devices, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import type { DeviceLabProfile } from '../device-lab-profile.ts';
import { throttlePageCpu, type CpuThrottle } from './cpu-throttle.ts';
import { profileNetworkConditions } from '../device-lab-profiles.ts';

/** Flags every lab Chromium starts with, plus `--enable-unsafe-webgpu` for WebGPU profiles. */
export function profileChromiumArgs(profile: DeviceLabProfile, baseArgs: readonly string[]): string[] {
  return profile.webgpu ? [...baseArgs, '--enable-unsafe-webgpu'] : [...baseArgs];
}

/** A page under a profile. */
export interface ProfilePage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
}

/** Applies the profile's network to `page` through CDP; answers the page's CDP session. */
export async function applyProfile(page: Page, profile: DeviceLabProfile): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  const network = profileNetworkConditions(profile);
  if (network !== undefined) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', network);
  }
  return cdp;
}

/** The init script of a profile's pages (source text: see page-probe.ts for why). */
export function profileInitScript(profile: DeviceLabProfile): string {
  const lines = [`Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => ${JSON.stringify(profile.deviceMemoryGiB)}, configurable: true });`];
  if (!profile.webgpu) lines.push("delete Navigator.prototype.gpu; delete WorkerNavigator.prototype.gpu;");
  return lines.join('\n');
}

/** The context options of a profile: its Playwright descriptor, then its viewport. */
export function profileContextOptions(profile: DeviceLabProfile): Record<string, unknown> {
  const descriptor = devices[profile.playwrightDevice];
  if (descriptor === undefined) throw new RangeError(`profile ${profile.id}: Playwright has no device ${JSON.stringify(profile.playwrightDevice)}`);
  const { defaultBrowserType: _ignored, ...options } = descriptor;
  // Service workers stay off: their precache (tens of MB of wasm) would share the link being measured.
  return { ...options, viewport: { ...profile.viewport }, serviceWorkers: 'block' };
}

/** A fresh context and page of `browser` with `profile` applied (close the context when done). */
export async function openProfilePage(browser: Browser, profile: DeviceLabProfile, options: { baseURL?: string } = {}): Promise<ProfilePage> {
  const context = await browser.newContext({ ...profileContextOptions(profile), baseURL: options.baseURL });
  try {
    await context.addInitScript(profileInitScript(profile));
    const page = await context.newPage();
    const cdp = await applyProfile(page, profile);
    return { context, page, cdp };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Throttles the CPU of a profile's page (now at its site) by the profile's rate: see cpu-throttle.ts. */
export async function throttleProfilePage(browser: Browser, opened: ProfilePage, profile: DeviceLabProfile): Promise<CpuThrottle> {
  return throttlePageCpu(browser, opened.page, opened.cdp, profile.cpuThrottlingRate);
}
