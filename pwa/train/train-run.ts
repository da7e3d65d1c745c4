/**
 * One training run as the page keeps it: its JSON config in localStorage (so a reloaded
 * page offers to resume it from its IndexedDB checkpoint with the same run id), the
 * trainer job made from it, and the progress line with the time left, estimated from
 * the batch rate of this session.
 */
import type { TrainJob, TrainProgress } from '../../trainer/browser.ts';
import type { DataChoice, PreparedData } from './data-source.ts';
import { modelConfig, trainerBackend, type ModelChoice } from './model-options.ts';

/** What a run needs to start again after a reload. */
export interface SavedRun {
  runId: string;
  /** The package version the run builds (fixed at the start, so a resumed run builds the same one). */
  version: string;
  data: DataChoice;
  model: ModelChoice;
  startedAt: string;
}

const KEY = 'edgeloop.train.run';

/** The unfinished run this browser remembers, if any. */
export function loadSavedRun(): SavedRun | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return undefined;
    const run = JSON.parse(raw) as Partial<SavedRun>;
    return typeof run.runId === 'string' && typeof run.version === 'string' && run.data && run.model ? (run as SavedRun) : undefined;
  } catch (error) {
    console.warn('edgeloop: the saved training run could not be read; it is ignored', error);
    return undefined;
  }
}

export function saveRun(run: SavedRun): void {
  localStorage.setItem(KEY, JSON.stringify(run));
}

export function forgetRun(): void {
  localStorage.removeItem(KEY);
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** A new run of `model` on `data`: a fresh run id and a version that sorts by time (`1.0.0-local.20250101120000`). */
export function newRun(data: DataChoice, model: ModelChoice, now = new Date()): SavedRun {
  return { runId: `${model.name}-${stamp(now)}`, version: `1.0.0-local.${stamp(now)}`, data, model, startedAt: now.toISOString() };
}

/** The trainer job of `run` on `data`. */
export function trainJob(run: SavedRun, data: PreparedData): TrainJob {
  const backend = trainerBackend(run.model);
  return {
    runId: run.runId,
    name: run.model.name,
    version: run.version,
    model: modelConfig(run.model, data.inputShape, data.labels.length),
    inputShape: data.inputShape,
    labels: data.labels,
    train: data.train,
    validation: data.validation,
    test: data.test,
    options: { epochs: run.model.epochs, batchSize: run.model.batchSize, learningRate: run.model.learningRate, seed: 1 },
    ...(backend ? { backend } : {}),
    resume: 'if-present',
    input: data.input,
    buildPackage: data.packagable,
  };
}

/** "about 40 s left", "about 3 min left". */
export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1.5) return 'about 1 s left';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** Turns progress events into the progress bar's value and its line of text. */
export class ProgressClock {
  #started = 0;
  #batches = 0;
  #last: Extract<TrainProgress, { kind: 'batch' }> | undefined;

  /** Call on every event; returns the bar's fraction (0..1) and its words. */
  update(progress: TrainProgress, now = performance.now()): { fraction: number; text: string } | undefined {
    if (progress.kind === 'phase') {
      const words = { setup: `Starting the trainer${progress.backend ? ` (${progress.backend})` : ''}…`, evaluate: 'Evaluating on the test split…', package: 'Building the package…' }[progress.phase];
      return { fraction: progress.phase === 'setup' ? 0 : 1, text: words };
    }
    if (progress.kind === 'epoch') return undefined;
    if (this.#batches === 0) this.#started = now;
    this.#batches += 1;
    this.#last = progress;
    const { epoch, epochs, batch, totalBatches } = progress;
    const done = (epoch - 1) * totalBatches + batch;
    const total = epochs * totalBatches;
    // The rate of this session's batches after the first (which pays for warm-up).
    const rate = this.#batches > 1 ? (this.#batches - 1) / ((now - this.#started) / 1000) : NaN;
    const left = formatTimeLeft((total - done) / rate);
    return { fraction: done / total, text: `epoch ${epoch} / ${epochs} · batch ${batch} / ${totalBatches}${left ? ` · ${left}` : ''}` };
  }

  /** The epoch of the last batch seen. */
  get epoch(): number {
    return this.#last?.epoch ?? 0;
  }
}
