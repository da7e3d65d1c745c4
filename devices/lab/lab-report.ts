/**
 * The device lab's report types: what `npm run device-lab` writes to
 * `device-lab/report.json` and what the `edge.measure(n)` fixture answers.
 */
import type { ProfileNetwork } from '../device-lab-profile.ts';
import type { CpuThrottleReport } from './cpu-throttle.ts';

/** Percentiles of a series of times, in ms. */
export interface Timings {
  p50: number;
  p95: number;
  runs: number;
}

/** The figures of one model on one profile. */
export interface ModelFigures {
  /** The manifest URL measured. */
  url: string;
  name: string;
  version: string;
  /** The backend chosen at load (`auto`), e.g. `tfjs-wasm`. */
  backend: string;
  /** Why that backend: the runtime's reason. */
  backendReason: string;
  /** The artifact chosen (`tfjs-fp32`, `onnx-int8-phone-wasm`) and why. */
  artifact: string;
  artifactReason: string;
  /** Backends considered: timed (`warmupMs`) or skipped with the reason. */
  candidates: unknown[];
  /** `runtime.load(url)`: manifest, files over the (emulated) network, verify, open the backend. */
  coldLoadMs: number;
  /** `store.install(name)`: the package downloaded into the model store. */
  installMs: number;
  /** `runtime.load(name)` from the model store, online. */
  warmLoadMs: number;
  /** `runtime.load(name)` from the model store with the browser context offline. */
  offlineLoadMs: number;
  /** The first prediction after the offline load (page round trip). */
  firstPredictionMs: number;
  /** Page round trip of each of N predictions (what the user waits for). */
  predictMs: Timings;
  /** Worker-side time of the same predictions (preprocess + inference + postprocess). */
  workerPredictMs: Timings;
  /** The backend the timed predictions ran on (differs from `backend` after a failover). */
  predictBackend: string;
  /** Against the same model on tfjs-cpu, over test digits. */
  parity: { reference: 'tfjs-cpu'; digits: number; top1Agreement: number; maxAbsDeltaP: number };
  /** The page's JS heap after the predictions (CDP `Runtime.getHeapUsage` on the page). */
  heapUsedBytes: number;
  /** The JS heap of the page's workers (the runtime's worker and any engine workers), or null where CDP cannot reach them. */
  workerHeapUsedBytes: number | null;
  /** Main-thread long tasks (> 50 ms) from the cold load to the end of this model's run, or null when the page does not record them. */
  longTasks: { count: number; totalMs: number; maxMs: number } | null;
  /** Requests to the model's registry per phase: the offline phase must make none. */
  registryRequests: { cold: number; install: number; warm: number; offline: number };
}

/** An error, by its code. */
export interface LabError {
  code: string;
  message: string;
}

/** One profile's outcome. */
export interface ProfileReport {
  id: string;
  description: string;
  target: string;
  webgpu: boolean;
  playwrightDevice: string;
  cpuThrottlingRate: number;
  /** How the CPU was throttled and the slowdown a worker measured (see devices/lab/cpu-throttle.ts). */
  cpuThrottle?: CpuThrottleReport;
  network: ProfileNetwork;
  /** The worker's WebGPU verdict: adapter or not, and why. */
  webgpuReason?: string;
  models?: ModelFigures[];
  /** Path of the Predict page screenshot, relative to the report. */
  screenshot?: string;
  error?: LabError;
}

/** `device-lab/report.json`. */
export interface LabReport {
  date: string;
  /** What ran it: Chromium version, machine. */
  browser: string;
  runs: number;
  models: string[];
  profiles: ProfileReport[];
}
