/**
 * The `auto` backend choice: time each candidate (the backends `chooseArtifacts` kept)
 * until its warm timings are stable (stable-timing.ts) and keep the fastest. Measured,
 * never assumed: a software WebGPU adapter (SwiftShader) is usually slower than wasm,
 * and `auto` sees that. The loader remembers the outcome (choice-memory.ts), so a
 * returning load times nothing.
 */
import { EdgeloopError } from '../../format/index.ts';
import { backendRow } from './backend-table.ts';
import { STABILITY_RULE, timeUntilStable, timingScore, type StabilityRule } from './stable-timing.ts';
import type { BackendId, EngineSession } from './types.ts';

/** One backend `auto` considered. */
export interface BackendCandidate {
  backend: BackendId;
  /**
   * Its score (ms per run): the lowest median of 3 consecutive warm rounds, timed until
   * stable (runtime/engine/stable-timing.ts); the compiling first run's time when that
   * alone made it hopeless. From the memory when `remembered`.
   */
  warmupMs?: number;
  /** The compiling first run (ms). */
  firstRunMs?: number;
  /** Timed warm runs. */
  runs?: number;
  /** Why it was not measured, could not run, or stopped being timed. */
  skipped?: string;
  /** Hopeless against the best: not timed again by a re-check of the remembered choice. */
  hopeless?: boolean;
  /** Its figures come from the remembered measurement: it was not timed in this load. */
  remembered?: boolean;
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
  /** Timed warm rounds per candidate at least; `auto` times more until stable. @defaultValue 3 */
  warmupRuns?: number;
  /** The stability rule. @defaultValue {@link STABILITY_RULE} */
  rule?: StabilityRule;
  /** Candidates not to time (hopeless in an earlier measurement of the same key), with why. */
  notAgain?: readonly BackendCandidate[];
  /** The device has a software (fallback) WebGPU adapter only: WebGPU candidates are timed only when nothing else ran. @defaultValue false */
  softwareGpu?: boolean;
  /**
   * `tfjs-cpu` (the tfjs kernels in plain JavaScript) is timed only while the best score
   * so far is under this many ms: on a bigger model one run of it costs seconds and
   * cannot win. @defaultValue 5
   */
  cheapTryMs?: number;
  /** The clock timings are read from (tests give a fake one). @defaultValue performance.now */
  now?: () => number;
  /** Awaited (untimed) before each timed run: the idle time between a page's calls. @defaultValue a 1 ms timer */
  gap?: () => Promise<void>;
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
  /** Nothing timed could run, and this backend was one skipped or stopped as hopeless: not a choice worth remembering. */
  rescued?: boolean;
}

/**
 * Creates a session on each allowed backend in turn (likely fastest first: the caller's
 * order) and times it until stable ({@link timeUntilStable}): a backend on which the
 * warm-up call throws is recorded as failed; one that is hopeless against the best so
 * far stops being timed (and is disposed at once). When the two best are within
 * {@link CLOSE_CALL} of each other, a few interleaved rounds of both decide (machine
 * drift falls on both). Keeps the fastest session and disposes the rest. With a forced
 * backend, creates only that one.
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

  const rule = { ...(options.rule ?? STABILITY_RULE), minRounds: Math.max(options.rule?.minRounds ?? 0, options.warmupRuns ?? 3) };
  const cheapTryMs = options.cheapTryMs ?? 5;
  const now = options.now ?? (() => performance.now());
  const measured: Array<{ backend: BackendId; warmupMs: number; firstRunMs: number; runs: number; session: EngineSession }> = [];
  const others: BackendCandidate[] = [];
  let bestMs = Infinity;
  let wasmTimed = false;
  // A software adapter's WebGPU goes last: it is timed only when nothing else runs.
  const order = options.softwareGpu ? [...allowed].sort((a, b) => Number(backendRow(a).needsWebGpu) - Number(backendRow(b).needsWebGpu)) : allowed;
  for (const backend of order) {
    const notAgain = options.notAgain?.find((c) => c.backend === backend);
    if (notAgain) {
      others.push({ ...notAgain, hopeless: true, remembered: true });
      continue;
    }
    const row = backendRow(backend);
    if (row.device === 'cpu' && wasmTimed && bestMs > cheapTryMs) {
      others.push({ backend, hopeless: true, skipped: `not timed: the tfjs kernels in plain JavaScript; the best backend takes ${fmt(bestMs)} ms a run (over ${cheapTryMs} ms), where one run of it costs far more` });
      continue;
    }
    if (row.needsWebGpu && options.softwareGpu === true && Number.isFinite(bestMs)) {
      others.push({ backend, hopeless: true, skipped: `not timed: a software WebGPU adapter (SwiftShader or similar) compiles and runs shaders on this CPU — its first run alone takes seconds, even for the MNIST CNN — and a backend off the GPU already runs the model; force it with the backend option to use it` });
      continue;
    }
    let session: EngineSession | undefined;
    try {
      session = await createSession(backend);
      const timing = await timeUntilStable(() => probe(session!), bestMs, { rule, now, gap: options.gap ?? idle });
      if (row.device === 'wasm') wasmTimed = true;
      // Hopeless: stopped for it, or measured to the end at over hopelessFactor × the best.
      if (timing.stop === 'hopeless' || timing.scoreMs > rule.hopelessFactor * bestMs) {
        session.dispose();
        const what = timing.runs === 0 ? `its first run took ${fmt(timing.firstRunMs)} ms` : `${fmt(timing.scoreMs)} ms a run`;
        others.push({ backend, warmupMs: timing.scoreMs, firstRunMs: timing.firstRunMs, runs: timing.runs, hopeless: true, skipped: `hopeless: ${what} against ${fmt(bestMs)} ms; stopped timing it` });
        continue;
      }
      bestMs = Math.min(bestMs, timing.scoreMs);
      measured.push({ backend, warmupMs: timing.scoreMs, firstRunMs: timing.firstRunMs, runs: timing.runs, session });
    } catch (cause) {
      session?.dispose();
      others.push({ backend, skipped: `failed: ${message(cause)}` });
    }
  }
  const rescued = measured.length === 0 && (await rescue(others, createSession, probe, now, measured));
  if (measured.length === 0) {
    const failed = others.filter((c) => !c.hopeless);
    throw new EdgeloopError('ALL_BACKENDS_FAILED', `every backend failed to run this model: ${failed.map((c) => `${c.backend} (${c.skipped})`).join('; ')}`, {
      details: { candidates: [...others, ...excluded] },
    });
  }
  measured.sort((a, b) => a.warmupMs - b.warmupMs);
  const interleaved = measured.length > 1 && measured[1]!.warmupMs <= CLOSE_CALL * measured[0]!.warmupMs && (await decideCloseCall(measured, probe, rule, now, options.gap ?? idle));
  const [best, ...rest] = measured;
  for (const other of rest) other.session.dispose();
  // The runner-up: the next measured one, else the best hopeless one that was timed.
  const timedHopeless = others.filter((c) => c.hopeless && c.warmupMs !== undefined && !c.remembered).sort((a, b) => a.warmupMs! - b.warmupMs!);
  const runnerUp = rest[0] ?? timedHopeless[0];
  const how = interleaved ? 'fastest warm runs, interleaved with the runner-up' : 'fastest warm runs, timed until stable';
  const reason = rescued
    ? `auto: the only backend that ran here (${others.filter((c) => !c.hopeless && c.skipped).map((c) => c.backend).join(', ')} failed)`
    : runnerUp ? `auto: ${how} (${fmt(best!.warmupMs)} ms vs ${runnerUp.backend} ${fmt(runnerUp.warmupMs!)} ms)` : `auto: the only backend timed here (${fmt(best!.warmupMs)} ms)`;
  const hopeless = others.filter((c) => c.hopeless).map((c) => c.backend);
  return {
    session: best!.session,
    report: {
      backend: best!.backend,
      reason,
      // One timed before the best was known can still be hopeless against it: a re-check skips it too.
      candidates: [...measured.map(({ backend, warmupMs, firstRunMs, runs }) => ({ backend, warmupMs, firstRunMs, runs, ...(warmupMs > rule.hopelessFactor * best!.warmupMs ? { hopeless: true } : {}) })), ...others, ...excluded],
    },
    // Hopeless backends still run the model: a failover may need them, last.
    fallbacks: [...rest.map((m) => m.backend), ...hopeless],
    ...(rescued ? { rescued } : {}),
  };
}

/**
 * The runner-up within this factor of the best (anything not hopeless): interleaved
 * rounds decide. This also gives a cold engine more time: the runner-up is often the one
 * still in V8's baseline tier when its stable-looking plateau ended its timing.
 */
export const CLOSE_CALL = 3;

/**
 * Times the best two alternately (ABBA, {@link CLOSE_ROUNDS} runs each) and re-sorts
 * them by the lower of their score and the score of those rounds: measured one after
 * the other, a change in machine load between the two would decide instead of the
 * backends.
 */
async function decideCloseCall(measured: Array<{ warmupMs: number; session: EngineSession }>, probe: (session: EngineSession) => Promise<unknown>, rule: StabilityRule, now: () => number, gap: () => Promise<void>): Promise<boolean> {
  const pair = [measured[0]!, measured[1]!];
  const rounds: number[][] = [[], []];
  for (let r = 0; r < CLOSE_ROUNDS; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      await gap();
      const start = now();
      await probe(pair[i]!.session);
      rounds[i]!.push(now() - start);
    }
  }
  pair.forEach((m, i) => (m.warmupMs = Math.min(m.warmupMs, timingScore(rounds[i]!, rule.window))));
  if (pair[1]!.warmupMs < pair[0]!.warmupMs) [measured[0], measured[1]] = [pair[1]!, pair[0]!];
  return true;
}

/**
 * The idle gap before each timed run: a 1 ms timer (4 ms once timers nest). Between a
 * page's predictions the worker sits idle, and onnxruntime-web's intra-op threads go to
 * sleep and must be woken for the next call; a back-to-back loop never shows that. On
 * the MNIST CNN here: ort-wasm 0.10–0.19 ms back to back, 0.27–0.40 ms with gaps
 * (tfjs-wasm 0.14–0.63 and 0.33–0.44 ms).
 */
function idle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/** Rounds each of the two best get in a close call. */
const CLOSE_ROUNDS = 12;

/**
 * Nothing timed could run (offline, the remembered backend's engine not cached; a GPU
 * lost): a candidate skipped or stopped as hopeless still beats no model. Tries them in
 * order and keeps the first that runs, timing one warm run; it leaves `others`.
 */
async function rescue(
  others: BackendCandidate[],
  createSession: (backend: BackendId) => Promise<EngineSession>,
  probe: (session: EngineSession) => Promise<unknown>,
  now: () => number,
  measured: Array<{ backend: BackendId; warmupMs: number; firstRunMs: number; runs: number; session: EngineSession }>,
): Promise<boolean> {
  for (const candidate of others.filter((c) => c.hopeless)) {
    let session: EngineSession | undefined;
    try {
      session = await createSession(candidate.backend);
      const first = now();
      await probe(session);
      const firstRunMs = now() - first;
      const start = now();
      await probe(session);
      measured.push({ backend: candidate.backend, warmupMs: now() - start, firstRunMs, runs: 1, session });
      others.splice(others.indexOf(candidate), 1);
      return true;
    } catch (cause) {
      session?.dispose();
      Object.assign(candidate, { hopeless: false, skipped: `failed: ${message(cause)}` });
    }
  }
  return false;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
