/**
 * CPU throttling for a device-lab page, the runtime's worker included.
 *
 * CDP's `Emulation.setCPUThrottlingRate` slows only the page's main thread: Chromium
 * refuses it on worker targets ("Operation is only supported for pages, not workers"),
 * and the runtime does its work in a worker (measured: 4× asked, the worker ran
 * 1.0–1.3× slower). So the lab throttles the page's whole renderer process instead: it
 * moves the process into a cgroup with a CPU bandwidth limit of one core ÷ rate
 * (quota 1 ms per `rate` ms, the kernel's finest quota) and a CPU weight of the default
 * ÷ rate, which slows every thread of the renderer — page and workers — the way a slower
 * CPU would: the quota when the machine is idle, the weight when other work competes
 * for it (a cap alone does not bind on a loaded machine, where every process already
 * gets less than the cap). Where no cgroup can be
 * written (not root, no delegated cgroup v2 subtree, not Linux), it falls back to CDP
 * (main thread only) and says so.
 *
 * Either way the slowdown is measured, not assumed: the same fixed JavaScript loop runs
 * in a worker of the page before and after, and the ratio is reported.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';

/** How a page's CPU was throttled, and what it came to. */
export interface CpuThrottleReport {
  /** The rate asked for (1 = none). */
  rate: number;
  /** `cgroup-v1` / `cgroup-v2`: the renderer process (page and workers); `cdp-page`: the page's main thread only; `none`: rate 1. */
  method: 'cgroup-v1' | 'cgroup-v2' | 'cdp-page' | 'none';
  /** Why this method (e.g. why no cgroup could be used). */
  reason: string;
  /** The measured slowdown of a fixed loop in a worker of the page (throttled ÷ unthrottled). */
  workerSlowdown: number;
}

/** A throttle in place: its report, and how to lift it. */
export interface CpuThrottle {
  readonly report: CpuThrottleReport;
  release(): Promise<void>;
}

const CALIBRATION_SOURCE = String.raw`(async (iterations) => {
  const source = 'onmessage = (e) => { const n = e.data; const t = performance.now(); let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i); postMessage([performance.now() - t, x]); };';
  let worker;
  try {
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  } catch {
    worker = null;
  }
  const once = () => worker
    ? new Promise((resolve, reject) => { worker.onmessage = (e) => resolve(e.data[0]); worker.onerror = (e) => reject(new Error(e.message || 'calibration worker failed')); worker.postMessage(iterations); })
    : Promise.resolve((() => { const t = performance.now(); let x = 0; for (let i = 0; i < iterations; i++) x += Math.sqrt(i); return performance.now() - t + (x < 0 ? 1 : 0); })());
  const times = [];
  try {
    for (let i = 0; i < 3; i++) times.push(await once());
  } finally {
    if (worker) worker.terminate();
  }
  return Math.min(...times);
})`;

/** Times the calibration loop in a worker of `page` (the page's main thread when its CSP forbids blob workers); ms, best of 3. */
export async function timeCalibrationLoop(page: Page, iterations = 10_000_000): Promise<number> {
  return (await page.evaluate(`${CALIBRATION_SOURCE}(${iterations})`)) as number;
}

/**
 * The renderer process of `page`: the one whose CPU time grows while the page runs a
 * loop (Chromium answers processes by type, not by page, through `SystemInfo`).
 */
export async function rendererPidOf(browser: Browser, page: Page): Promise<number> {
  const session = await browser.newBrowserCDPSession();
  try {
    const renderers = async () => {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number; cpuTime: number }> };
      return new Map(processInfo.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime]));
    };
    const before = await renderers();
    await page.evaluate('(() => { const end = performance.now() + 150; let x = 0; while (performance.now() < end) x += Math.random(); return x; })()');
    const after = await renderers();
    let best: { pid: number; grew: number } | undefined;
    for (const [pid, cpu] of after) {
      const grew = cpu - (before.get(pid) ?? 0);
      if (best === undefined || grew > best.grew) best = { pid, grew };
    }
    if (best === undefined) throw new Error('Chromium reported no renderer process');
    return best.pid;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

const V1_ROOT = '/sys/fs/cgroup/cpu';

/** Where a cgroup for `pid` can be made, and how to fill it in; throws with the reason when none can. */
async function cgroupPlan(pid: number): Promise<{ method: 'cgroup-v1' | 'cgroup-v2'; dir: string; home: string; limit: (quotaUs: number, periodUs: number, rate: number) => Promise<void> }> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
  const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('cpu'));
  if (v1 !== undefined) {
    const home = join(V1_ROOT, v1[2] ?? '/');
    const dir = join(home, `edgeloop-lab-${pid}`);
    return {
      method: 'cgroup-v1',
      dir,
      home,
      limit: async (quotaUs, periodUs, rate) => {
        await writeFile(join(dir, 'cpu.cfs_period_us'), String(periodUs));
        await writeFile(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
        await writeFile(join(dir, 'cpu.shares'), String(Math.max(2, Math.round(1024 / rate))));
      },
    };
  }
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2 === undefined) throw new Error('the process is in no cpu cgroup');
  // cgroup v2 allows no processes in an inner cgroup: the renderer's own cgroup keeps its siblings, the new one sits beside it.
  const home = join('/sys/fs/cgroup', v2.slice(3));
  const dir = join(dirname(home), `edgeloop-lab-${pid}`);
  return {
    method: 'cgroup-v2',
    dir,
    home,
    limit: async (quotaUs, periodUs, rate) => {
      await writeFile(join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
      await writeFile(join(dir, 'cpu.weight'), String(Math.max(1, Math.round(100 / rate))));
    },
  };
}

/** Moves `pid` into a new cgroup limited to one core ÷ `rate`; answers how to move it back. */
async function throttleProcess(pid: number, rate: number): Promise<{ method: 'cgroup-v1' | 'cgroup-v2'; release: () => Promise<void> }> {
  if (process.platform !== 'linux') throw new Error(`cgroups are Linux only (this is ${process.platform})`);
  const plan = await cgroupPlan(pid);
  await mkdir(plan.dir, { recursive: true });
  try {
    await plan.limit(1000, Math.round(1000 * rate), rate);
    await writeFile(join(plan.dir, 'cgroup.procs'), String(pid));
  } catch (error) {
    await rmdir(plan.dir).catch(() => undefined);
    throw error;
  }
  return {
    method: plan.method,
    release: async () => {
      await writeFile(join(plan.home, 'cgroup.procs'), String(pid)).catch(() => undefined); // gone already: nothing to move
      await rmdir(plan.dir).catch(() => undefined);
    },
  };
}

const reasonOf = (error: unknown) => String((error as { message?: unknown })?.message ?? error).split('\n')[0]!;

/**
 * Throttles `page`'s CPU by `rate` (its renderer process where a cgroup can be written,
 * else its main thread through CDP), measures the slowdown a worker sees, and answers
 * the report and how to lift it. Apply after the page has navigated to its site: a
 * cross-site navigation moves the page to another process.
 */
export async function throttlePageCpu(browser: Browser, page: Page, cdp: CDPSession, rate: number): Promise<CpuThrottle> {
  if (!(rate >= 1)) throw new RangeError(`CPU throttling rate must be ≥ 1 (got ${rate})`);
  if (rate === 1) return { report: { rate, method: 'none', reason: 'full-speed CPU', workerSlowdown: 1 }, release: async () => undefined };
  const baseline = await timeCalibrationLoop(page);
  let release: () => Promise<void>;
  let method: CpuThrottleReport['method'];
  let reason: string;
  try {
    const pid = await rendererPidOf(browser, page);
    const limited = await throttleProcess(pid, rate);
    ({ method, release } = limited);
    reason = `renderer process ${pid} limited to 1 ms of CPU per ${Math.round(rate)} ms (page and workers)`;
  } catch (error) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    method = 'cdp-page';
    reason = `no cgroup could be written (${reasonOf(error)}): CDP throttles the page's main thread only, not the runtime's worker`;
    release = async () => void (await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 }).catch(() => undefined));
  }
  const throttled = await timeCalibrationLoop(page);
  return { report: { rate, method, reason, workerSlowdown: throttled / baseline }, release };
}
