/**
 * A terminal progress display for the training loop's events: on a TTY one line
 * per epoch that updates in place (`\r`), elsewhere (CI logs, pipes) one plain
 * line per finished epoch.
 */
import type { BatchProgress, EpochSummary } from '../../trainer/index.ts';

/** The part of a Node `WriteStream` the display uses. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link createTerminalProgress}. */
export interface TerminalProgressOptions {
  /** Redraw at most this often on a TTY, in ms. @defaultValue 100 */
  intervalMs?: number;
  /** Clock for ETA and throttling (tests pass a fake). @defaultValue performance.now */
  now?: () => number;
}

/** `onBatch` / `onEpoch` handlers to pass to `train`. */
export interface TerminalProgress {
  onBatch(progress: BatchProgress): void;
  onEpoch(summary: EpochSummary): void;
}

const BAR_WIDTH = 20;

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'='.repeat(filled)}${filled < BAR_WIDTH ? '>' : ''}${' '.repeat(Math.max(0, BAR_WIDTH - filled - 1))}]`;
}

/** Text of the in-place line for a batch event (exported for tests). */
export function formatBatchLine(p: BatchProgress, etaSeconds: number): string {
  const width = String(p.epochs).length;
  const batchWidth = String(p.totalBatches).length;
  return (
    `epoch ${String(p.epoch).padStart(width)}/${p.epochs} ${bar(p.batch / p.totalBatches)} ` +
    `batch ${String(p.batch).padStart(batchWidth)}/${p.totalBatches}  loss ${p.loss.toFixed(4)}  acc ${p.accuracy.toFixed(3)}  ` +
    `${Math.round(p.samplesPerSecond)} samples/s  ETA ${formatSeconds(etaSeconds)}`
  );
}

/** Text of the final line of an epoch (exported for tests). */
export function formatEpochLine(s: EpochSummary): string {
  const width = String(s.epochs).length;
  const val = s.valLoss === undefined ? '' : `  val_loss ${s.valLoss.toFixed(4)}  val_acc ${s.valAccuracy!.toFixed(3)}`;
  return (
    `epoch ${String(s.epoch).padStart(width)}/${s.epochs}  loss ${s.loss.toFixed(4)}  acc ${s.accuracy.toFixed(3)}${val}  ` +
    `lr ${s.learningRate.toPrecision(3)}  ${Math.round(s.samplesPerSecond)} samples/s  ${formatSeconds(s.millis / 1000)}`
  );
}

/**
 * Returns handlers that draw training progress on `stream`. The ETA is for the
 * current epoch, from the batches done so far.
 */
export function createTerminalProgress(stream: ProgressStream, options: TerminalProgressOptions = {}): TerminalProgress {
  const { intervalMs = 100, now = () => performance.now() } = options;
  const tty = stream.isTTY === true;
  let epochStarted = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastEpoch = 0;
  const fit = (line: string) => (stream.columns !== undefined && line.length >= stream.columns ? line.slice(0, stream.columns - 1) : line);
  return {
    onBatch(p) {
      if (!tty) return;
      const t = now();
      if (p.epoch !== lastEpoch) {
        lastEpoch = p.epoch;
        epochStarted = t;
      }
      if (t - lastDraw < intervalMs && p.batch !== p.totalBatches) return;
      lastDraw = t;
      const perBatch = p.batch > 1 ? (t - epochStarted) / (p.batch - 1) : Number.NaN;
      stream.write(`\r\x1b[2K${fit(formatBatchLine(p, ((p.totalBatches - p.batch) * perBatch) / 1000))}`);
    },
    onEpoch(s) {
      stream.write(`${tty ? '\r\x1b[2K' : ''}${formatEpochLine(s)}\n`);
      lastDraw = Number.NEGATIVE_INFINITY;
    },
  };
}

/**
 * An `onProgress(done, total)` for counted work (decoding image files): on a TTY one line
 * redrawn in place (`decoding images 120/500`), cleared when done; elsewhere silent, so
 * logs stay one line per fact.
 */
export function createCountProgress(stream: ProgressStream, what: string, options: Pick<TerminalProgressOptions, 'intervalMs' | 'now'> = {}): (done: number, total: number) => void {
  const { intervalMs = 100, now = () => performance.now() } = options;
  let lastDraw = Number.NEGATIVE_INFINITY;
  return (done, total) => {
    if (stream.isTTY !== true) return;
    const t = now();
    if (done < total && t - lastDraw < intervalMs) return;
    lastDraw = t;
    stream.write(done < total ? `\r\x1b[2K${what} ${bar(done / total)} ${done}/${total}` : '\r\x1b[2K');
  };
}
