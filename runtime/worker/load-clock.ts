/**
 * Times the phases of one load from the progress it reports (the loader announces each
 * phase as it starts), so a caller can see where a load's time went — the bytes (a
 * download, or a read from the model store, and their SHA-256 check) or the engine
 * (building the model, and with `auto` timing each candidate) — without the loader
 * keeping clocks of its own.
 *
 * With the checks overlapped (runtime/loader/checked-read.ts) the phases are the
 * critical path, not the work: from the store, `manifestMs` ends when the manifest is
 * read and parsed (its signature check has started, not finished), `bytesMs` when the
 * files' bytes are read (their SHA-256 checks started as each arrived), and `engineMs`
 * covers the model build plus whatever of those checks outlasted it. A download still
 * checks each file before `bytesMs` ends. The engine's code, loading from the load's
 * start for a forced or remembered backend, lands in whichever phase it holds the
 * worker's thread.
 */
import type { LoadPhases, LoadProgress } from './api.ts';

/** Wraps a load's progress callback and turns the phase starts it sees into {@link LoadPhases}. */
export class LoadClock {
  readonly #started = performance.now();
  readonly #starts = new Map<LoadProgress['phase'], number>();
  readonly #report: (progress: LoadProgress) => void;

  constructor(report: (progress: LoadProgress) => void) {
    this.#report = report;
  }

  /** The progress callback to hand on: records when each phase first reports, then forwards. */
  readonly report = (progress: LoadProgress): void => {
    if (!this.#starts.has(progress.phase)) this.#starts.set(progress.phase, performance.now());
    this.#report(progress);
  };

  /** The phases up to now (call once the load is ready). A phase that never reported counts 0 ms. */
  phases(): LoadPhases {
    const now = performance.now();
    const bytesStart = this.#starts.get('download') ?? this.#starts.get('backend') ?? now;
    const engineStart = this.#starts.get('backend') ?? now;
    const ready = this.#starts.get('ready') ?? now;
    return {
      manifestMs: bytesStart - this.#started,
      bytesMs: engineStart - bytesStart,
      engineMs: ready - engineStart,
    };
  }
}
