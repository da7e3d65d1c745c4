/**
 * Measures one model on a page under a profile — the figures of `device-lab/report.json`,
 * shared by `npm run device-lab` and the `edge.measure(n)` fixture: cold load over the
 * network, install into the store, warm load from the store, offline load, first
 * prediction, p50/p95 of N predictions, parity with tfjs-cpu, JS heap, long tasks.
 */
import type { BrowserContext, CDPSession, Page, Request } from '@playwright/test';
import type { DeviceLabProfile } from '../device-lab-profile.ts';
import type { ModelFigures, Timings } from './lab-report.ts';
import { PAGE_PROBE_SOURCE } from './page-probe.ts';
import { workerHeapBytes } from './worker-heap.ts';

/** Where a model comes from: its manifest URL and the registry it installs from. */
export interface ModelSource {
  /** Absolute or page-relative URL of `<registry>/<name>/<version>/manifest.json`. */
  manifestUrl: string;
}

/** Options of {@link measureModel}. */
export interface MeasureOptions {
  /** Timed predictions. @defaultValue 50 */
  runs?: number;
  /** Test digits for the parity check. @defaultValue 20 */
  parityDigits?: number;
  /** Inputs to time (cycled); the page's test digits when left out. */
  inputs?: readonly unknown[];
  /** `runtime.load`'s backend: `auto` measures the candidates and keeps the fastest. @defaultValue 'auto' */
  backend?: string;
}

/** A model's place in its registry, from the manifest URL `<registry>/<name>/<version>/manifest.json`. */
export function registryOf(manifestUrl: string, base: string): { registry: string; name: string; version: string; url: string } {
  const url = new URL(manifestUrl, base);
  const parts = url.pathname.split('/');
  if (parts.length < 4 || parts.at(-1) !== 'manifest.json') throw new TypeError(`a model URL must end in <name>/<version>/manifest.json (got ${manifestUrl})`);
  const [name, version] = parts.slice(-3, -1) as [string, string];
  return { registry: new URL(parts.slice(0, -3).join('/') || '/', url).href, name, version, url: url.href };
}

/** `p`-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const timings = (values: readonly number[]): Timings => ({ p50: percentile(values, 50), p95: percentile(values, 95), runs: values.length });

/** An error thrown in the page, with the code it had there (`EdgeloopError.code`, or the error's name). */
export class LabProbeError extends Error {
  override readonly name = 'LabProbeError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `window.__edgeLab[method](...args)` in the page, installing the probe first; page errors keep their code. */
export async function probe<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  await page.evaluate(PAGE_PROBE_SOURCE);
  const answer = (await page.evaluate(`window.__edgeLabCall(${JSON.stringify(method)}, ${JSON.stringify(args)})`)) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  if (!answer.ok) throw new LabProbeError(answer.error.code, `${method}: ${answer.error.message}`);
  return answer.value;
}

/** Opens the probe's runtime on the page (WebGPU per the profile); answers the worker's capabilities. */
export async function openRuntime(page: Page, profile: DeviceLabProfile, runtimeOptions: Record<string, unknown> = {}): Promise<{ webgpu: { adapter: boolean; reason?: string } }> {
  return probe(page, 'open', { ...runtimeOptions, webgpu: profile.webgpu });
}

interface LoadAnswer {
  ms: number;
  report: { backend: string; reason: string; artifact: string; artifactReason: string; candidates: unknown[] };
  name: string;
  version: string;
}

/**
 * Measures the model at `source.manifestUrl` on `page` (whose runtime {@link openRuntime}
 * opened). Leaves the context online.
 */
export async function measureModel(page: Page, cdp: CDPSession, profile: DeviceLabProfile, source: ModelSource, options: MeasureOptions = {}): Promise<ModelFigures> {
  const runs = options.runs ?? 50;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer (got ${runs})`);
  const context: BrowserContext = page.context();
  const where = registryOf(source.manifestUrl, page.url());
  const counts = { cold: 0, install: 0, warm: 0, offline: 0 };
  let phase: keyof typeof counts = 'cold';
  const count = (request: Request) => {
    if (request.url().startsWith(`${where.registry.replace(/\/$/, '')}/${where.name}/`)) counts[phase]++;
  };
  context.on('request', count);
  try {
    // Test digits first: the page fetches them, and the offline phase must need nothing from the network.
    const digits = await probe<{ inputs: unknown[] }>(page, 'digits', Math.max(options.parityDigits ?? 20, 1)).then(
      (answer) => answer.inputs,
      (error: unknown) => {
        // A user's page without test digits: parity over the inputs given.
        if (options.inputs !== undefined) return [...options.inputs];
        throw error;
      },
    );
    const loadOptions = options.backend === undefined ? {} : { backend: options.backend };
    const since = await probe<number>(page, 'now');
    const cold = await probe<LoadAnswer>(page, 'load', where.url, loadOptions);
    phase = 'install';
    const install = await probe<{ ms: number }>(page, 'install', cold.name, where.registry, cold.version);
    phase = 'warm';
    const warm = await probe<LoadAnswer>(page, 'load', cold.name, loadOptions);
    // Parity online: the tfjs-cpu engine's code may not be in the page yet (the reference loads from the store).
    const parity = await probe<{ top1Agreement: number; maxAbsDeltaP: number; digits: number }>(page, 'parity', cold.name, digits, loadOptions);
    phase = 'offline';
    await context.setOffline(true);
    const offline = await probe<LoadAnswer>(page, 'load', cold.name, loadOptions);
    try {
      const inputs = options.inputs ?? digits;
      const timed = await probe<{ firstMs: number; wall: number[]; worker: number[]; backend: string }>(page, 'timePredictions', inputs, runs);
      const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      const workerHeap = await workerHeapBytes(page, cdp).catch(() => null);
      // Long-task entries arrive asynchronously: give the observer a moment.
      await page.waitForTimeout(100);
      const longTasks = await probe<ModelFigures['longTasks']>(page, 'longTasks', since);
      return {
        url: where.url,
        name: cold.name,
        version: cold.version,
        backend: cold.report.backend,
        backendReason: cold.report.reason,
        artifact: cold.report.artifact,
        artifactReason: cold.report.artifactReason,
        candidates: cold.report.candidates,
        coldLoadMs: cold.ms,
        installMs: install.ms,
        warmLoadMs: warm.ms,
        offlineLoadMs: offline.ms,
        firstPredictionMs: timed.firstMs,
        predictMs: timings(timed.wall),
        workerPredictMs: timings(timed.worker),
        predictBackend: timed.backend,
        parity: { reference: 'tfjs-cpu', ...parity },
        heapUsedBytes: usedSize,
        workerHeapUsedBytes: workerHeap,
        longTasks,
        registryRequests: { ...counts },
      };
    } finally {
      // Online again, the offline profile too: its next model installs over the network first.
      await context.setOffline(false);
    }
  } finally {
    context.off('request', count);
  }
}
