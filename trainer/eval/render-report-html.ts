/**
 * Renders `report.json` as one self-contained HTML page: no scripts, no external
 * styles, fonts or images, so it opens from disk, in a mail attachment or a CI
 * artefact viewer alike. Every piece of text from the report is escaped.
 */
import type { ClassificationReport } from './classification-report.ts';
import { escapeHtml as esc, formatNumber as num } from './escape-html.ts';
import type { EvaluationReport } from './evaluation-report.ts';
import type { Slice, SliceReport } from './slice-metrics.ts';
import { svgLineChart, type ChartSeries } from './svg-line-chart.ts';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f4f6}td.name,th.name{text-align:left}
.cm td{min-width:2.5rem;text-align:center}.worst td{background:#fee2e2}.best td{background:#dcfce7}
.gap{font-weight:600}.charts{display:flex;flex-wrap:wrap;gap:1rem}pre{background:#f6f8fa;padding:.75rem;overflow:auto}
.muted{color:#666}`;

/** Renders a complete `<!doctype html>` page for `report`. */
export function renderReportHtml(report: EvaluationReport): string {
  const sections = [
    `<h1>${esc(report.name)} — evaluation report</h1>`,
    `<p class="muted">${esc(report.task)} · ${esc(report.createdAt)}</p>`,
    headline(report),
    learningCurves(report),
    report.classification ? confusionMatrixSection(report.classification) + perClassSection(report.classification) + calibrationSection(report.classification) : '',
    report.slices.map(sliceSection).join(''),
    crossValidationSection(report),
    `<h2>Configuration</h2><pre>${esc(JSON.stringify(report.config, null, 2))}</pre>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(report.name)} — evaluation report</title><style>${STYLE}</style></head>
<body>${sections.join('\n')}</body></html>
`;
}

function table(head: string[], rows: string[][], className = ''): string {
  const th = head.map((h, i) => `<th${i === 0 ? ' class="name"' : ''}>${h}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c, i) => `<td${i === 0 ? ' class="name"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function headline(report: EvaluationReport): string {
  const rows: string[][] = [];
  const c = report.classification;
  if (c) {
    rows.push(['accuracy', num(c.accuracy)], ['macro F1', num(c.macro.f1)], ['weighted F1', num(c.weighted.f1)]);
    rows.push(['macro ROC-AUC', num(c.macro.rocAuc)], ['log-loss', num(c.logLoss)], ['expected calibration error', num(c.ece)], ['test examples', String(c.count)]);
  }
  const r = report.regression;
  if (r) rows.push(['RMSE', num(r.rmse, 4)], ['MAE', num(r.mae, 4)], ['R²', num(r.r2)], ['test examples', String(r.count)]);
  return `<h2>Test metrics</h2>${table(['metric', 'value'], rows)}`;
}

function learningCurves(report: EvaluationReport): string {
  const h = report.history;
  if (h.length === 0) return '<h2>Learning curves</h2><p class="muted">No training history was recorded.</p>';
  const series = (name: string, pick: (e: (typeof h)[number]) => number | undefined, dashed: boolean): ChartSeries => ({
    name,
    dashed,
    points: h.flatMap((e) => (pick(e) === undefined ? [] : [[e.epoch, pick(e)!] as const])),
  });
  const charts = [svgLineChart([series('train loss', (e) => e.loss, false), series('validation loss', (e) => e.valLoss, true)], { title: 'Loss', xLabel: 'epoch' })];
  if (h.some((e) => e.accuracy !== undefined || e.valAccuracy !== undefined)) {
    charts.push(svgLineChart([series('train accuracy', (e) => e.accuracy, false), series('validation accuracy', (e) => e.valAccuracy, true)], { title: 'Accuracy', xLabel: 'epoch' }));
  }
  return `<h2>Learning curves</h2><div class="charts">${charts.join('')}</div>`;
}

function confusionMatrixSection(c: ClassificationReport): string {
  const head = ['true ↓ / predicted →', ...c.labels.map(esc)];
  const rows = c.confusionMatrix.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n) => {
      // Shade by the share of the true class's examples, so rare classes read as clearly as common ones.
      const share = total === 0 ? 0 : n / total;
      const color = share > 0.55 ? '#fff' : '#111';
      return `<span style="display:block;background:rgba(37,99,235,${share.toFixed(3)});color:${color}">${n}</span>`;
    });
    return [esc(c.labels[t]), ...cells];
  });
  return `<h2>Confusion matrix</h2><p class="muted">Rows are true classes, columns predicted classes; shading is the share of the row.</p>${table(head, rows, 'cm')}`;
}

function perClassSection(c: ClassificationReport): string {
  const rows = c.perClass.map((m) => [esc(m.label), num(m.precision), num(m.recall), num(m.f1), String(m.support), num(m.rocAuc)]);
  rows.push(['<em>macro</em>', num(c.macro.precision), num(c.macro.recall), num(c.macro.f1), '', num(c.macro.rocAuc)]);
  rows.push(['<em>weighted</em>', num(c.weighted.precision), num(c.weighted.recall), num(c.weighted.f1), String(c.count), '']);
  return `<h2>Per class</h2>${table(['class', 'precision', 'recall', 'F1', 'support', 'ROC-AUC'], rows)}`;
}

function calibrationSection(c: ClassificationReport): string {
  const rows = c.calibrationBins.filter((b) => b.count > 0).map((b) => [`${num(b.lower, 2)}–${num(b.upper, 2)}`, String(b.count), num(b.confidence), num(b.accuracy)]);
  return `<h2>Calibration</h2><p>Expected calibration error: <strong>${num(c.ece)}</strong></p>${table(['confidence bin', 'examples', 'mean confidence', 'accuracy'], rows)}`;
}

function sliceSection(s: SliceReport): string {
  // Compare by value, not identity: a report read back from report.json holds copies.
  const isWorst = (slice: Slice): boolean => s.worst !== null && slice.value === s.worst.value;
  const isBest = (slice: Slice): boolean => s.best !== null && slice.value === s.best.value && !isWorst(slice);
  const rows = s.slices.map((slice) => {
    const mark = isWorst(slice) ? ' (worst)' : isBest(slice) ? ' (best)' : '';
    return { slice, cells: [esc(slice.value) + mark, String(slice.count), num(slice.metric)] };
  });
  const head = `<th class="name">${esc(s.column)}</th><th>examples</th><th>${esc(s.metric)}${s.lowerIsBetter ? ' (lower is better)' : ''}</th>`;
  const body = rows
    .map(({ slice, cells }) => {
      const cls = isWorst(slice) ? ' class="worst"' : isBest(slice) ? ' class="best"' : '';
      return `<tr${cls}>${cells.map((c, i) => `<td${i === 0 ? ' class="name"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('');
  const gap = s.gap === null
    ? '<p class="muted">No slice has a defined metric.</p>'
    : `<p class="gap">Largest gap: ${num(s.gap)} between ${esc(s.best!.value)} (best) and ${esc(s.worst!.value)} (worst).</p>`;
  return `<h2>Slices by ${esc(s.column)}: ${esc(s.metric)}</h2>${gap}<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function crossValidationSection(report: EvaluationReport): string {
  const cv = report.crossValidation;
  if (!cv) return '';
  const rows = Object.entries(cv).map(([name, m]) => [esc(name), `${num(m.mean)} ± ${num(m.sd)}`, m.values.map((v) => num(v)).join(', ')]);
  return `<h2>Cross-validation</h2>${table(['metric', 'mean ± SD', 'per fold'], rows)}`;
}
