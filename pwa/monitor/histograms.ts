/**
 * Histograms as tables with bars: one row per bin, each series' share as a bar and as
 * text (the text is the bars' alternative, so a screen reader reads the same figures).
 * Used for a signal's baseline vs field distribution and for the latency histogram.
 */
import { binLabels, shortNumber } from './monitor-data.ts';

export interface HistogramSeries {
  /** Column heading, e.g. "Baseline". */
  name: string;
  counts: readonly number[];
  /** A class for the bar's colour. */
  tone: 'baseline' | 'field' | 'latency';
}

function percent(part: number, total: number): string {
  if (total === 0) return '0 %';
  const p = (100 * part) / total;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

/**
 * Fills `table` (a `<table>` with a caption) with one row per bin. Each cell shows the
 * bin's share of its series as a bar and in words; `showCounts` adds the raw count.
 * Sets `data-bins` on the table.
 */
export function renderHistogram(table: HTMLTableElement, caption: string, edges: readonly number[], series: readonly HistogramSeries[], options: { unit?: string; showCounts?: boolean } = {}): void {
  const labels = binLabels(edges, options.unit ?? '');
  const totals = series.map((s) => s.counts.reduce((a, b) => a + b, 0));
  // Bars are scaled to the largest share across every series, so they compare.
  const maxShare = Math.max(1e-12, ...series.flatMap((s, j) => s.counts.map((n) => (totals[j] ? n / totals[j]! : 0))));
  const head = document.createElement('thead');
  const headRow = document.createElement('tr');
  for (const text of ['Bin', ...series.map((s) => s.name)]) headRow.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: text }));
  head.append(headRow);
  const body = document.createElement('tbody');
  labels.forEach((label, i) => {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: label, className: 'bin' }));
    series.forEach((s, j) => {
      const n = s.counts[i] ?? 0;
      const share = totals[j] ? n / totals[j]! : 0;
      const td = document.createElement('td');
      td.className = 'bar-cell';
      const bar = document.createElement('span');
      bar.className = `bar ${s.tone}`;
      bar.style.width = `${(100 * share) / maxShare}%`;
      const text = document.createElement('span');
      text.className = 'bar-text';
      text.textContent = options.showCounts ? `${shortNumber(n)} (${percent(n, totals[j]!)})` : percent(n, totals[j]!);
      td.append(bar, text);
      tr.append(td);
    });
    body.append(tr);
  });
  const captionNode = document.createElement('caption');
  captionNode.textContent = caption;
  table.replaceChildren(captionNode, head, body);
  table.dataset.bins = String(labels.length);
}
