/**
 * A small, dependency-free inline SVG line chart for the report's learning curves.
 */
import { escapeHtml, formatNumber } from './escape-html.ts';

/** One line of the chart. Points with a non-finite coordinate are skipped. */
export interface ChartSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour. @defaultValue a colour from a fixed palette, by series position */
  color?: string;
  /** Draw dashed (e.g. validation curves). @defaultValue false */
  dashed?: boolean;
}

/** Options for {@link svgLineChart}. */
export interface SvgLineChartOptions {
  title?: string;
  xLabel?: string;
  /** @defaultValue 480 */
  width?: number;
  /** @defaultValue 260 */
  height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706'];
const SAFE_COLOR = /^(#[0-9a-fA-F]{3,8}|[a-z]+)$/;

/**
 * Renders series as an `<svg>` string with axes, min/max tick labels, a legend and a
 * `<title>`. Every piece of text is escaped. With no finite point it renders the
 * frame and the words "no data".
 */
export function svgLineChart(series: readonly ChartSeries[], options: SvgLineChartOptions = {}): string {
  const { title = '', xLabel = '', width = 480, height = 260 } = options;
  const margin = { left: 56, right: 16, top: 28, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const clean = series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const all = clean.flat();
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeHtml(title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH / 2}" text-anchor="middle" fill="#666">no data</text></svg>`);
    return parts.join('');
  }
  let [xMin, xMax] = extent(all.map((p) => p[0]));
  let [yMin, yMax] = extent(all.map((p) => p[1]));
  // A single x or a flat line would divide by zero; widen the range around it.
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) [yMin, yMax] = [yMin - Math.max(1e-9, Math.abs(yMin) * 0.1), yMax + Math.max(1e-9, Math.abs(yMax) * 0.1)];
  const sx = (x: number): number => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const ticks: Array<[string, number, number, string]> = [
    [formatNumber(yMax, 3), margin.left - 6, margin.top + 4, 'end'],
    [formatNumber(yMin, 3), margin.left - 6, margin.top + plotH, 'end'],
    [formatNumber(xMin, 0), margin.left, margin.top + plotH + 16, 'start'],
    [formatNumber(xMax, 0), margin.left + plotW, margin.top + plotH + 16, 'end'],
  ];
  for (const [text, x, y, anchor] of ticks) parts.push(`<text x="${x}" y="${y}" text-anchor="${anchor}" font-size="11" fill="#444">${escapeHtml(text)}</text>`);
  if (xLabel) parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#444">${escapeHtml(xLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color !== undefined && SAFE_COLOR.test(s.color) ? s.color : PALETTE[i % PALETTE.length];
    const points = clean[i].map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    if (points) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${points}"/>`);
    }
    const ly = margin.top + 14 + i * 14;
    const lx = margin.left + plotW - 120;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${lx + 22}" y="${ly}" font-size="11">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function extent(values: number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}
