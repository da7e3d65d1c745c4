/**
 * The browser half of `npm run import -- --check` (driven by check-imported-package.ts):
 * `window.importCheck.run()` loads a written package through edgeloop on each backend
 * asked for (`backend` forced, no failover), predicts on a seeded input, runs the same
 * input through the raw engine on that backend, and compares: edgeloop against raw, and
 * every backend against the first that ran.
 *
 * The logic lives in this bundled page rather than in Playwright `evaluate` callbacks:
 * tsx compiles those with esbuild's `__name` helper, which does not exist in the page.
 */
import { backendRow, createRuntime, type BackendId, type Manifest, type Model, type NamedInputs } from '../../runtime/index.ts';
import { activate, checkInputs, compareOutputs, numbersOf, type CheckInputOptions, type CheckInputs, type OutputComparison } from './check-inputs.ts';
import { runRaw, type RawOutputs } from './raw-engines.ts';

/** What to check. */
export interface PageCheckConfig {
  /** URL of the package version's manifest.json. */
  url: string;
  backends: BackendId[];
  seed: number;
  /** Shapes, fixed values and the size of dynamic dimensions of the check input. */
  inputs: CheckInputOptions;
  /** A backend still loading or predicting after this long is reported as refused. */
  timeoutMs: number;
}

/** One backend's result. */
export interface PageBackendResult {
  backend: BackendId;
  ran: boolean;
  reason?: string;
  /** edgeloop against the raw engine on this backend (or why the raw engine could not run). */
  vsRaw?: OutputComparison | { error: string };
  /** Against the first backend that ran. */
  vsFirst?: OutputComparison & { backend: BackendId };
  /** The check input's shapes, by input name. */
  inputShapes?: Record<string, number[]>;
  ms?: number;
}

const TFJS_FLAGS = { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 };
const log = (message: string) => console.log(`[import-check] ${message}`);

async function run(config: PageCheckConfig): Promise<PageBackendResult[]> {
  const manifestUrl = new URL(config.url, location.href).href;
  const versionUrl = manifestUrl.slice(0, manifestUrl.lastIndexOf('/') + 1);
  const manifest = (await (await fetch(manifestUrl)).json()) as Manifest;
  const inputs = checkInputs(manifest, config.seed, config.inputs);
  const classifier = manifest.task !== 'tensor';
  const width = classifier ? manifest.output.shape[manifest.output.shape.length - 1]! : 1;
  const runtime = await createRuntime({ tfjsFlags: TFJS_FLAGS });
  const results: PageBackendResult[] = [];
  let first: { backend: BackendId; outputs: RawOutputs } | undefined;
  try {
    for (const backend of config.backends) {
      const started = performance.now();
      log(`${backend}: loading and predicting…`);
      const inputShapes = Object.fromEntries(Object.entries(inputs.raw).map(([name, t]) => [name, t.shape]));
      let outputs: RawOutputs;
      try {
        outputs = await withTimeout(edgeloopOutputs(runtime, manifestUrl, backend, manifest, inputs), config.timeoutMs, `${backend} took over ${config.timeoutMs / 1000} s`);
      } catch (error) {
        results.push({ backend, ran: false, reason: text(error), inputShapes });
        continue;
      }
      const result: PageBackendResult = { backend, ran: true, inputShapes, ms: performance.now() - started };
      try {
        let raw = await withTimeout(runRaw(manifest, versionUrl, backendRow(backend), inputs.raw, TFJS_FLAGS), config.timeoutMs, `raw ${backend} took over ${config.timeoutMs / 1000} s`);
        if (classifier) raw = { [manifest.output.name]: activate(manifest.output.activation, raw[manifest.output.name]!, width) };
        result.vsRaw = compareOutputs(outputs, raw, width);
      } catch (error) {
        result.vsRaw = { error: text(error) };
      }
      if (first) result.vsFirst = { backend: first.backend, ...compareOutputs(outputs, first.outputs, width) };
      else first = { backend, outputs };
      results.push(result);
    }
  } finally {
    await runtime.dispose();
  }
  return results;
}

/** The package's outputs through edgeloop on `backend` (classifiers: after the manifest's activation). */
async function edgeloopOutputs(runtime: Awaited<ReturnType<typeof createRuntime>>, url: string, backend: BackendId, manifest: Manifest, inputs: CheckInputs): Promise<RawOutputs> {
  const model: Model = await runtime.load(url, { backend, failover: false });
  try {
    if (manifest.task !== 'tensor') {
      const single = inputs.edgeloop as { data: Float32Array; shape: number[] };
      const prediction = await model.predict({ data: single.data, shape: single.shape });
      return { [manifest.output.name]: Float64Array.from(prediction.output) };
    }
    const prediction = await model.predict(inputs.edgeloop as NamedInputs);
    return Object.fromEntries(Object.entries(prediction.outputs).map(([name, o]) => [name, numbersOf(o.dtype, o.data)]));
  } finally {
    await model.dispose();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function text(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

const importCheck = { run };
declare global {
  interface Window {
    importCheck: typeof importCheck;
  }
}
window.importCheck = importCheck;
document.body.dataset.ready = 'true';
