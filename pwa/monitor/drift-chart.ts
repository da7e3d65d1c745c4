/**
 * Drift over time (uPlot): one signal's statistic per bucket against its threshold,
 * with a table of the buckets as the chart's text alternative. The container carries
 * `data-points` (buckets with a statistic) and `data-signal`, so what is drawn can be
 * checked without reading pixels. Follows the container's width.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BucketReport, SignalSeries } from './monitor-data.ts';
import { shortNumber } from './monitor-data.ts';

const COLOURS = { statistic: '#3b82f6', threshold: '#dc2626' } as const;

function css(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

const HEIGHT = 220;

/** The over-time chart of one page, redrawn for each signal or range. */
export class DriftChart {
  readonly #target: HTMLElement;
  readonly #table: HTMLTableSectionElement;
  readonly #summary: HTMLElement;
  readonly #resize: ResizeObserver;
  #plot: uPlot | undefined;

  constructor(target: HTMLElement, table: HTMLTableSectionElement, summary: HTMLElement) {
    this.#target = target;
    this.#table = table;
    this.#summary = summary;
    this.#resize = new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: HEIGHT }));
    this.#resize.observe(target);
  }

  #width(): number {
    return Math.max(240, this.#target.clientWidth);
  }

  /** Draws `series` (one signal over the buckets) and fills the text alternative. */
  show(name: string, series: SignalSeries, buckets: readonly BucketReport[]): void {
    this.#plot?.destroy();
    const chiSquare = series.method === 'chi-square';
    const muted = css('--muted', '#59616b');
    const grid = css('--border', '#d6dae0');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const value = (_u: uPlot, v: number | null) => (v == null ? '–' : shortNumber(v));
    const values = series.statistic.filter((v): v is number => v !== null).concat(series.threshold.filter((v): v is number => v !== null));
    const top = chiSquare ? 1 : Math.max(0.2, ...values) * 1.15;
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: [0, top] } },
        axes: [{ ...axis }, { ...axis, size: 52, label: chiSquare ? 'p-value' : 'JS distance' }],
        series: [
          {},
          { label: chiSquare ? `${name} (p-value)` : `${name} (JS distance)`, stroke: COLOURS.statistic, width: 2, points: { show: true, size: 7, fill: COLOURS.statistic }, value },
          { label: chiSquare ? 'drift below' : 'drift from', stroke: COLOURS.threshold, width: 1.5, dash: [6, 4], points: { show: false }, value },
        ],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      [series.x, series.statistic, series.threshold] as uPlot.AlignedData,
      this.#target,
    );
    this.#target.dataset.signal = name;
    this.#target.dataset.points = String(series.points);
    this.#target.dataset.buckets = String(series.x.length);
    const drifting = series.status.filter((s) => s === 'drift').length;
    this.#summary.textContent = series.points === 0
      ? `${name}: no bucket in this range has enough data to judge.`
      : `${name}: judged in ${series.points} of ${series.x.length} buckets, drifting in ${drifting}. ${chiSquare ? 'Drift when the p-value is below the dashed line.' : 'Drift when the line reaches the dashed threshold.'}`;
    this.#target.setAttribute('aria-label', this.#summary.textContent);
    this.#fillTable(series, buckets);
  }

  #fillTable(series: SignalSeries, buckets: readonly BucketReport[]): void {
    const time = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    const rows = buckets.map(({ bucket, report }, i) => {
      const tr = document.createElement('tr');
      const status = series.status[i];
      const cells = [
        time.format(bucket.from),
        report ? String(report.windows.total) : '0',
        series.statistic[i] == null ? '–' : shortNumber(series.statistic[i]!),
        series.threshold[i] == null ? '–' : shortNumber(series.threshold[i]!),
        status === null ? 'no data' : status,
      ];
      for (const text of cells) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
      if (status === 'drift') tr.className = 'drift';
      return tr;
    });
    this.#table.replaceChildren(...rows);
  }

  /** Empties the chart (no data, an error). */
  clear(message: string): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#target.dataset.points = '0';
    delete this.#target.dataset.signal;
    this.#summary.textContent = message;
    this.#table.replaceChildren();
  }
}
