import { describe, expect, it } from 'vitest';
import type { LabReport, ModelFigures, ProfileReport } from './lab-report.ts';
import { renderReportHtml } from './report-html.ts';
import { progressLine } from './run-device-lab.ts';

const figures: ModelFigures = {
  url: 'http://127.0.0.1/r/mnist-mlp/1.0.0/manifest.json',
  name: 'mnist-mlp',
  version: '1.0.0',
  backend: 'tfjs-wasm',
  backendReason: 'forced',
  artifact: 'tfjs-fp32',
  artifactReason: 'the only artifact',
  candidates: [],
  coldLoadMs: 900,
  installMs: 120,
  warmLoadMs: 60,
  offlineLoadMs: 58,
  firstPredictionMs: 7,
  predictMs: { p50: 4.5, p95: 6, runs: 40 },
  workerPredictMs: { p50: 0.3, p95: 0.5, runs: 40 },
  predictBackend: 'tfjs-wasm',
  parity: { reference: 'tfjs-cpu', digits: 20, top1Agreement: 1, maxAbsDeltaP: 5e-7 },
  heapUsedBytes: 3 * 2 ** 20,
  workerHeapUsedBytes: 5 * 2 ** 20,
  longTasks: { count: 0, totalMs: 0, maxMs: 0 },
  registryRequests: { cold: 3, install: 3, warm: 0, offline: 0 },
};

const profile = (over: Partial<ProfileReport>): ProfileReport => ({
  id: 'phone-offline',
  description: 'a phone',
  target: 'phone-wasm',
  webgpu: false,
  playwrightDevice: 'Pixel 7',
  cpuThrottlingRate: 4,
  network: 'offline',
  models: [figures],
  ...over,
});

const report = (profiles: ProfileReport[]): LabReport => ({ date: '2026-12-06T00:00:00Z', browser: 'Chromium 150', runs: 40, models: [figures.url], profiles });

describe('the device-lab report tells the reader how the CPU was throttled', () => {
  it('shows the method and the slowdown a worker measured, in the table, the section and the progress line', () => {
    const throttled = profile({ cpuThrottle: { rate: 4, method: 'cgroup-v1', reason: 'renderer process 42 limited to 1 ms of CPU per 4 ms (page and workers)', workerSlowdown: 3.94 } });
    const html = renderReportHtml(report([throttled]), new Map());
    expect(html).toContain('4× (cgroup-v1; worker measured 3.9×)');
    expect(html).toContain('CPU throttling: renderer process 42 limited to 1 ms of CPU per 4 ms (page and workers)');
    expect(html).toContain('3.0 / 5.0 MiB');
    expect(progressLine(1, 1, throttled)).toContain('4× CPU by cgroup-v1, worker 3.9× slower');
  });

  it('says plainly when only the page was throttled, and shows no method for a full-speed CPU', () => {
    const pageOnly = profile({ cpuThrottle: { rate: 4, method: 'cdp-page', reason: "no cgroup could be written (EACCES): CDP throttles the page's main thread only, not the runtime's worker", workerSlowdown: 1.1 } });
    const fast = profile({ id: 'desktop', cpuThrottlingRate: 1, cpuThrottle: { rate: 1, method: 'none', reason: 'full-speed CPU', workerSlowdown: 1 } });
    const html = renderReportHtml(report([pageOnly, fast]), new Map());
    expect(html).toContain('4× (cdp-page; worker measured 1.1×)');
    expect(html).toContain('main thread only, not the runtime&#39;s worker');
    expect(html).toContain('<td>1×</td>');
    expect(progressLine(2, 2, fast)).toContain('(no WebGPU, 1× CPU)');
  });

  it('shows a dash where no worker heap could be read', () => {
    const html = renderReportHtml(report([profile({ models: [{ ...figures, workerHeapUsedBytes: null }] })]), new Map());
    expect(html).toContain('3.0 / – MiB');
  });
});
