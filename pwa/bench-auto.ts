/**
 * The browser half of the runtime benchmark's `auto` figures (scripts/bench/runtime-bench.ts),
 * as `window.benchAuto`: for one model, several fresh `auto` choices (the remembered-choice
 * database deleted before each, so each is a first load), then loads in fresh runtime
 * workers with that memory (warm) and forced to the backend auto chose, alternated
 * (warm, forced, forced, warm) so machine drift falls on both.
 */
import { createRuntime, type BackendReport } from '../runtime/index.ts';

/** The remembered choices' database (runtime/engine/choice-memory.ts). */
const CHOICE_DB = 'edgeloop-backend-choice';

/** One load: what it chose and how long it took (`loadMs`, measured by the runtime). */
export interface AutoLoad {
  report: BackendReport;
  loadMs: number;
  /** Where the time went: ms from the load's start at which each phase (each backend built, in `backend`) began. */
  steps: Array<{ phase: string; backend?: string; atMs: number }>;
}

/** What {@link autoLoads} measured for one model. */
export interface AutoLoads {
  model: string;
  /** Fresh choices (empty memory), in order. */
  first: AutoLoad[];
  /** Loads with the memory of the last fresh choice. */
  warm: AutoLoad[];
  /** Loads forced to the backend the last fresh choice picked. */
  forced: AutoLoad[];
}

const log = (message: string) => console.log(`[bench] ${message}`);

async function load(url: string, tfjsFlags: Record<string, number | boolean>, backend: BackendReport['backend'] | 'auto'): Promise<AutoLoad> {
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, tfjsFlags });
  try {
    const steps: AutoLoad['steps'] = [];
    const started = performance.now();
    const model = await runtime.load(new URL(url, location.href).href, {
      backend,
      onProgress: ({ phase, backend }) => {
        const last = steps[steps.length - 1];
        if (last?.phase !== phase || last.backend !== backend) steps.push({ phase, ...(backend ? { backend } : {}), atMs: Math.round(performance.now() - started) });
      },
    });
    return { report: model.backend, loadMs: model.loadMs, steps };
  } finally {
    await runtime.dispose();
  }
}

function forget(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(CHOICE_DB);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`${CHOICE_DB} is still open elsewhere`));
  });
}

async function autoLoads(model: string, url: string, tfjsFlags: Record<string, number | boolean>, repeats: number): Promise<AutoLoads> {
  const first: AutoLoad[] = [];
  for (let i = 0; i < repeats; i++) {
    await forget();
    const loaded = await load(url, tfjsFlags, 'auto');
    log(`${model} auto #${i + 1} (empty memory): ${loaded.report.backend} in ${(loaded.loadMs / 1000).toFixed(2)} s (${loaded.report.reason})`);
    first.push(loaded);
  }
  const chosen = first[first.length - 1]!.report.backend;
  const warm: AutoLoad[] = [];
  const forced: AutoLoad[] = [];
  for (const side of ['warm', 'forced', 'forced', 'warm', 'warm', 'forced'] as const) {
    const loaded = await load(url, tfjsFlags, side === 'warm' ? 'auto' : chosen);
    log(`${model} ${side} load: ${loaded.report.backend} in ${(loaded.loadMs / 1000).toFixed(2)} s (${loaded.report.reason})`);
    (side === 'warm' ? warm : forced).push(loaded);
  }
  await forget();
  return { model, first, warm, forced };
}

/** One load in a fresh runtime, its phases and time (for probes of single loads). */
async function loadOnce(url: string, backend: BackendReport['backend'] | 'auto', wasmThreads?: number): Promise<{ loadMs: number; phases: unknown; backend: string }> {
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, ...(wasmThreads === undefined ? {} : { wasmThreads }) });
  try {
    const model = await runtime.load(new URL(url, location.href).href, { backend, rememberBackend: false });
    return { loadMs: model.loadMs, phases: model.loadPhases, backend: model.backend.backend };
  } finally {
    await runtime.dispose();
  }
}

const benchAuto = { autoLoads, loadOnce };
declare global {
  interface Window {
    benchAuto: typeof benchAuto;
  }
}
window.benchAuto = benchAuto;
