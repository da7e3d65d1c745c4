/**
 * The `auto` backend choice: time a short warm-up on each candidate (the backends
 * `chooseArtifacts` kept) and keep the fastest. Measured, never assumed: a software
 * WebGPU adapter (SwiftShader) is usually slower than wasm, and `auto` sees that.
 */
import { EdgeloopError } from '../../format/index.ts';
import { backendRow } from './backend-table.ts';
import type { BackendId, EngineSession } from './types.ts';

/** One backend `auto` considered. */
export interface BackendCandidate {
  backend: BackendId;
  /** Median time of the timed warm-up runs (after one untimed compile run). */
  warmupMs?: number;
  /** Why it was not measured or could not run. */
  skipped?: string;
  /** The artifact it would run (absent when it can run none). */
  artifact?: string;
}

/** Which backend and artifact a model runs on, and why. */
export interface BackendReport {
  backend: BackendId;
  reason: string;
  /** The artifact id it runs, e.g. `onnx-int8-phone-wasm`. */
  artifact: string;
  /** Why that artifact, e.g. `compressed for phone-wasm: no WebGPU adapter here`. */
  artifactReason: string;
  candidates: BackendCandidate[];
  /**
   * On a wasm backend, the threads it computes with and why, e.g. `1 thread: the page is
   * not cross-origin isolated (no SharedArrayBuffer) …`. Absent on WebGPU and cpu.
   */
  wasmThreads?: { count: number; reason: string };
}

/** How to choose. */
export interface ChooseOptions {
  /** A backend to force, or `auto`. @defaultValue 'auto' */
  backend?: BackendId | 'auto';
  /** Timed warm-up runs per candidate. @defaultValue 3 */
  warmupRuns?: number;
}

/**
 * Where a model on `failed` goes next when it was forced there and nothing was timed:
 * the same engine off the GPU first (it reuses the downloaded artifact), then the other
 * engine off the GPU, then the other WebGPU backend (its own device); wasm before cpu.
 */
export function failoverOrder(failed: BackendId, candidates: readonly BackendId[]): BackendId[] {
  const engine = backendRow(failed).engine;
  const rank = (b: BackendId) => {
    const row = backendRow(b);
    return (row.needsWebGpu ? 4 : 0) + (row.engine === engine ? 0 : 2) + (row.device === 'cpu' ? 1 : 0);
  };
  return candidates.filter((b) => b !== failed).sort((a, b) => rank(a) - rank(b));
}

/** The result of {@link chooseBackend}. */
export interface Choice {
  session: EngineSession;
  /** The report, less the artifact (the loader adds it). */
  report: Omit<BackendReport, 'artifact' | 'artifactReason'>;
  /** The other usable backends, best first: where a failing session goes next. */
  fallbacks: BackendId[];
}

/** A candidate whose warm run is this many times the best so far stops being timed. */
const HOPELESS_FACTOR = 3;

/**
 * Creates a session on each allowed backend in turn, times up to `warmupRuns` runs of
 * `probe` (one call of the model on a made-up input; a backend on which it throws is
 * skipped with the error as its reason) after one untimed run (fewer once a run is {@link HOPELESS_FACTOR}× slower
 * than the best so far), scores each by its fastest run, keeps the fastest session and
 * disposes the rest. With a forced backend, creates only that one.
 */
export async function chooseBackend(
  allowed: readonly BackendId[],
  excluded: readonly BackendCandidate[],
  createSession: (backend: BackendId) => Promise<EngineSession>,
  probe: (session: EngineSession) => Promise<unknown>,
  options: ChooseOptions = {},
): Promise<Choice> {
  const forced = options.backend !== undefined && options.backend !== 'auto';
  if (allowed.length === 0) {
    const why = excluded.map((c) => `${c.backend}: ${c.skipped}`).join('; ');
    throw new EdgeloopError(forced ? 'BACKEND_UNAVAILABLE' : 'NO_COMPATIBLE_ARTIFACT', `no backend can run this package here (${why})`, {
      details: { candidates: excluded },
    });
  }
  if (forced) {
    const backend = allowed[0]!;
    const session = await createSession(backend).catch((cause: unknown) => {
      throw new EdgeloopError('BACKEND_UNAVAILABLE', `the forced backend ${backend} failed to load the model: ${message(cause)}`, {
        details: { backend },
        cause,
      });
    });
    return { session, report: { backend, reason: `forced by the backend option`, candidates: [{ backend }, ...excluded] }, fallbacks: [] };
  }

  const runs = Math.max(1, options.warmupRuns ?? 3);
  const measured: Array<{ backend: BackendId; warmupMs: number; session: EngineSession }> = [];
  const failed: BackendCandidate[] = [];
  let bestMs = Infinity;
  for (const backend of allowed) {
    let session: EngineSession | undefined;
    try {
      session = await createSession(backend);
      await probe(session); // compiles; not timed
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await probe(session);
        times.push(performance.now() - start);
        // A warm run this much slower than the best so far cannot win: stop timing it.
        if (times[i]! > HOPELESS_FACTOR * bestMs) break;
      }
      // The fastest run: noise here (GC, another tab, a busy core) only ever adds time.
      const warmupMs = Math.min(...times);
      bestMs = Math.min(bestMs, warmupMs);
      measured.push({ backend, warmupMs, session });
    } catch (cause) {
      session?.dispose();
      failed.push({ backend, skipped: `failed: ${message(cause)}` });
    }
  }
  if (measured.length === 0) {
    throw new EdgeloopError('ALL_BACKENDS_FAILED', `every backend failed to run this model: ${failed.map((c) => `${c.backend} (${c.skipped})`).join('; ')}`, {
      details: { candidates: [...failed, ...excluded] },
    });
  }
  measured.sort((a, b) => a.warmupMs - b.warmupMs);
  const [best, ...rest] = measured;
  for (const other of rest) other.session.dispose();
  const runnerUp = rest[0];
  const reason = runnerUp
    ? `auto: fastest warm-up (${fmt(best!.warmupMs)} ms vs ${runnerUp.backend} ${fmt(runnerUp.warmupMs)} ms)`
    : `auto: the only backend that could run this model here`;
  return {
    session: best!.session,
    report: {
      backend: best!.backend,
      reason,
      candidates: [...measured.map(({ backend, warmupMs }) => ({ backend, warmupMs })), ...failed, ...excluded],
    },
    fallbacks: rest.map((m) => m.backend),
  };
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
