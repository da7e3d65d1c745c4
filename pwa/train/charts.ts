/**
 * The live training charts (uPlot): loss and accuracy against epochs, per batch (the
 * thin line) and per epoch (train and validation, with points). Redraws at most once a
 * frame however fast the batches come, and follows the container's width.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainProgress } from '../../trainer/browser.ts';

type EpochEvent = Extract<TrainProgress, { kind: 'epoch' }>;
type BatchEvent = Extract<TrainProgress, { kind: 'batch' }>;

interface Row {
  x: number;
  batchLoss: number | null;
  batchAccuracy: number | null;
  loss: number | null;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
}

const COLOURS = { batch: '#94a3b8', train: '#3b82f6', validation: '#f59e0b' } as const;

function chart(target: HTMLElement, title: string, range: [number, number] | undefined): uPlot {
  const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#59616b';
  const grid = getComputedStyle(document.documentElement).getPropertyValue('--border').trim() || '#d6dae0';
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const epochSeries = (label: string, stroke: string): uPlot.Series => ({ label, stroke, width: 2, spanGaps: true, points: { show: true, size: 6, fill: stroke }, value: (_u, v) => (v == null ? '–' : v.toFixed(3)) });
  return new uPlot(
    {
      title,
      width: Math.max(240, target.clientWidth),
      height: 200,
      scales: { x: { time: false }, y: range ? { range } : {} },
      axes: [{ ...axis, label: 'epoch' }, { ...axis, size: 48 }],
      series: [
        { label: 'epoch', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        { label: 'batch', stroke: COLOURS.batch, width: 1, spanGaps: true, points: { show: false }, value: (_u, v) => (v == null ? '–' : v.toFixed(3)) },
        epochSeries('train', COLOURS.train),
        epochSeries('validation', COLOURS.validation),
      ],
      // Labels only: values under the cursor would read "–" most of the time on a phone.
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    },
    [[], [], [], []],
    target,
  );
}

/** The two charts of one page. */
export class TrainingCharts {
  readonly #rows: Row[] = [];
  readonly #loss: uPlot;
  readonly #accuracy: uPlot;
  readonly #targets: HTMLElement[];
  readonly #resize: ResizeObserver;
  #frame = 0;

  constructor(lossTarget: HTMLElement, accuracyTarget: HTMLElement) {
    this.#targets = [lossTarget, accuracyTarget];
    this.#loss = chart(lossTarget, 'Loss', undefined);
    this.#accuracy = chart(accuracyTarget, 'Accuracy', [0, 1]);
    this.#resize = new ResizeObserver(() => {
      for (const [plot, target] of [[this.#loss, lossTarget], [this.#accuracy, accuracyTarget]] as const) plot.setSize({ width: Math.max(240, target.clientWidth), height: 200 });
    });
    this.#resize.observe(lossTarget);
    this.#resize.observe(accuracyTarget);
    this.#redraw();
  }

  /** Forgets every point (a new run). */
  clear(): void {
    this.#rows.length = 0;
    this.#schedule();
  }

  /** Adds one gradient step. */
  addBatch(b: BatchEvent): void {
    this.#rows.push({ x: b.epoch - 1 + b.batch / b.totalBatches, batchLoss: b.loss, batchAccuracy: b.accuracy, loss: null, accuracy: null, valLoss: null, valAccuracy: null });
    this.#schedule();
  }

  /** Adds one epoch's summary (on the row of its last batch, or a row of its own after a resume). */
  addEpoch(e: Pick<EpochEvent, 'epoch' | 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>): void {
    let row = this.#rows.findLast((r) => Math.abs(r.x - e.epoch) < 1e-9);
    if (!row) {
      row = { x: e.epoch, batchLoss: null, batchAccuracy: null, loss: null, accuracy: null, valLoss: null, valAccuracy: null };
      this.#rows.push(row);
      this.#rows.sort((a, b) => a.x - b.x);
    }
    Object.assign(row, { loss: e.loss, accuracy: e.accuracy, valLoss: e.valLoss ?? null, valAccuracy: e.valAccuracy ?? null });
    this.#schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#resize.disconnect();
    this.#loss.destroy();
    this.#accuracy.destroy();
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#redraw();
    });
  }

  #redraw(): void {
    const rows = this.#rows;
    const x = rows.map((r) => r.x);
    this.#loss.setData([x, rows.map((r) => r.batchLoss), rows.map((r) => r.loss), rows.map((r) => r.valLoss)] as uPlot.AlignedData);
    this.#accuracy.setData([x, rows.map((r) => r.batchAccuracy), rows.map((r) => r.accuracy), rows.map((r) => r.valAccuracy)] as uPlot.AlignedData);
    // What the charts hold, for tests and the curious (the pixels are not a contract).
    const epochs = rows.filter((r) => r.loss !== null).length;
    for (const target of this.#targets) {
      target.dataset.points = String(rows.length);
      target.dataset.epochs = String(epochs);
    }
  }
}
