/**
 * One device-lab run on three profiles and the MLP and CNN fixtures: a 4×-throttled phone, an
 * unthrottled desktop without WebGPU and one with it, all on tfjs-wasm so the CPU
 * throttle is the only difference between them. Checks what a reader of the report relies on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { getDeviceLabProfile } from '../devices/index.ts';
import { renderReportHtml } from '../devices/lab/report-html.ts';
import { runDeviceLab } from '../devices/lab/run-device-lab.ts';
import { CHROMIUM_BASE_ARGS, findChromium } from '../scripts/chromium.ts';

const MLP = '/fixtures/registry/mnist-mlp/1.0.0/manifest.json';
const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';
const IDS = ['phone-offline', 'desktop-no-webgpu', 'desktop-webgpu'];

test('the device lab measures every profile asked for and its report holds up', async ({ page, baseURL }, testInfo) => {
  const lines: string[] = [];
  const { report, screenshots } = await runDeviceLab(
    IDS.map((id) => getDeviceLabProfile(id)),
    { baseURL: baseURL!, models: [MLP, CNN], runs: 40, backend: 'tfjs-wasm', executablePath: findChromium(), chromiumArgs: CHROMIUM_BASE_ARGS, onProgress: (line) => lines.push(line) },
  );
  expect(report.profiles.map((p) => p.id)).toEqual(IDS);
  expect(lines).toHaveLength(IDS.length);
  // Every profile measured both models — the offline one too, which goes online again to install the second.
  for (const profile of report.profiles) {
    expect(profile.error, profile.id).toBeUndefined();
    expect(profile.models!.map((m) => m.name)).toEqual(['mnist-mlp', 'mnist-cnn']);
  }
  const figures = (id: string) => report.profiles.find((p) => p.id === id)!.models![0]!;

  // CPU throttling shows: 4× slower CPU, same backend, p50 over 1.5× the unthrottled one's.
  const slow = figures('phone-offline');
  const fast = figures('desktop-no-webgpu');
  expect([slow.predictBackend, fast.predictBackend]).toEqual(['tfjs-wasm', 'tfjs-wasm']);
  expect(slow.predictMs.p50, `throttled ${slow.predictMs.p50} ms vs ${fast.predictMs.p50} ms`).toBeGreaterThan(1.5 * fast.predictMs.p50);
  const throttle = report.profiles.find((p) => p.id === 'phone-offline')!.cpuThrottle!;
  expect(throttle.rate).toBe(4);
  expect(report.profiles.find((p) => p.id === 'desktop-no-webgpu')!.cpuThrottle!.method).toBe('none');
  if (throttle.method === 'cgroup-v1' || throttle.method === 'cgroup-v2') {
    // The renderer process is throttled, the runtime's worker with it: a fixed loop in a worker runs well over 2.5× slower.
    expect(throttle.workerSlowdown, throttle.reason).toBeGreaterThan(2.5);
  } else {
    // No writable cgroup on this machine: the report must say that only the page's main thread was slowed.
    expect(throttle.method).toBe('cdp-page');
    expect(throttle.reason).toMatch(/main thread only/);
    testInfo.annotations.push({ type: 'warning', description: `CPU throttling fell back to CDP: ${throttle.reason}` });
  }
  expect(slow.workerHeapUsedBytes).toBeGreaterThan(0);

  // Profiles without WebGPU never report a WebGPU backend, and say why there is none.
  for (const profile of report.profiles.filter((p) => !p.webgpu)) {
    expect(profile.webgpuReason).toMatch(/webgpu: false|navigator\.gpu/);
    for (const m of profile.models!) {
      expect(m.backend).not.toMatch(/webgpu/);
      expect(m.predictBackend).not.toMatch(/webgpu/);
      const webgpuCandidates = (m.candidates as Array<{ backend: string; skipped?: string }>).filter((c) => /webgpu/.test(c.backend));
      for (const c of webgpuCandidates) expect(c.skipped).toBeDefined();
    }
  }

  // The offline profile: the registry was reached while online, never once offline, and the model still loaded and predicted.
  expect(slow.registryRequests.cold).toBeGreaterThan(0);
  expect(slow.registryRequests.offline).toBe(0);
  expect(slow.offlineLoadMs).toBeGreaterThan(0);
  expect(slow.parity.top1Agreement).toBeGreaterThanOrEqual(0.95);
  expect(screenshots.size).toBe(IDS.length);

  // The HTML report stands alone: no external resources, every profile, screenshots inline.
  const html = renderReportHtml(report, screenshots);
  expect(html).not.toMatch(/(src|href)="https?:/);
  for (const id of IDS) expect(html).toContain(`id="${id}"`);
  expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(IDS.length);
  const out = testInfo.outputPath('device-lab');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'report.html'), html);
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2));
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.setContent(html);
  if (process.env.DEVICE_LAB_SCREENSHOT) await page.screenshot({ path: process.env.DEVICE_LAB_SCREENSHOT, fullPage: false });
});
