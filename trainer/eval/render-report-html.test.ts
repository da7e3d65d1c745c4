import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { classificationReport } from './classification-report.ts';
import { createEvaluationReport, type EvaluationReport } from './evaluation-report.ts';
import { regressionReport } from './regression-report.ts';
import { renderReportHtml } from './render-report-html.ts';
import { sliceMetrics } from './slice-metrics.ts';

const EVIL = '<script>alert("x")</script>';

function rows(preds: number[], classes: number): number[] {
  return preds.flatMap((pred) => Array.from({ length: classes }, (_, c) => (c === pred ? 0.8 : 0.2 / (classes - 1))));
}

function makeReport(): EvaluationReport {
  const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
  const preds = [0, 0, 1, 2, 1, 1, 0, 2, 2, 2, 2, 1];
  const probs = rows(preds, 3);
  const region = ['n', 'n', 's', 's', 'n', 'n', 's', 'n', 'n', EVIL, EVIL, 's'];
  return createEvaluationReport('digits', 'image-classification', {
    classification: classificationReport(yTrue, probs, { labels: ['cat', 'dog', EVIL] }),
    slices: [sliceMetrics(yTrue, probs, region, { column: 'region' })],
    history: [
      { epoch: 1, loss: 1.2, accuracy: 0.5, valLoss: 1.3, valAccuracy: 0.45 },
      { epoch: 2, loss: 0.7, accuracy: 0.7, valLoss: 0.8, valAccuracy: 0.66 },
      { epoch: 3, loss: 0.4, accuracy: 0.85, valLoss: 0.6, valAccuracy: 0.75 },
    ],
    config: { epochs: 3, note: EVIL },
    crossValidation: { accuracy: { mean: 0.71, sd: 0.04, values: [0.67, 0.71, 0.75] } },
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });
}

describe('renderReportHtml', () => {
  const report = makeReport();
  const html = renderReportHtml(report);

  it('shows the confusion matrix counts in a table, shaded by row share', () => {
    const section = html.slice(html.indexOf('Confusion matrix'), html.indexOf('Per class'));
    const cells = [...section.matchAll(/<span style="[^"]*">(\d+)<\/span>/g)].map((m) => Number(m[1]));
    expect(cells).toEqual(report.classification!.confusionMatrix.flat());
    expect(cells).toEqual([2, 1, 1, 1, 2, 0, 0, 1, 4]);
    // 4 of 5 → the darkest cell of the last row.
    expect(section).toContain('rgba(37,99,235,0.800)');
  });

  it('escapes every piece of text: a class or slice named <script> stays text', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('draws learning curves as inline SVG line charts', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<polyline /g)).toHaveLength(4);
    expect(html).toContain('validation accuracy');
  });

  it('lists per-class metrics and highlights the worst and best slices with the gap', () => {
    const perClass = html.slice(html.indexOf('Per class'), html.indexOf('Calibration'));
    expect(perClass).toContain(`<td>${report.classification!.perClass[0].precision.toFixed(3)}</td>`);
    const slices = report.slices[0];
    expect(html).toMatch(new RegExp(`<tr class="worst"><td class="name">${slices.worst!.value} \\(worst\\)`));
    expect(html).toContain(`Largest gap: ${slices.gap!.toFixed(3)}`);
    expect(html).toContain('0.710 ± 0.040');
  });

  it('renders a report read back from report.json the same way', () => {
    expect(renderReportHtml(JSON.parse(JSON.stringify(report)) as EvaluationReport)).toBe(html);
  });

  it('is self-contained: no scripts, links, or external resources', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:/);
  });

  it('renders a regression report without classification sections', () => {
    const r = createEvaluationReport('prices', 'tabular-regression', { regression: regressionReport([1, 2, 3, 4], [1, 3, 2, 6]) });
    const page = renderReportHtml(r);
    expect(page).toContain('<td>-0.200</td>');
    expect(page).not.toContain('Confusion matrix');
    expect(page).toContain('No training history was recorded');
  });
});

describe('createEvaluationReport', () => {
  it('stamps the format and time and round-trips through JSON', () => {
    const report = makeReport();
    expect(report.format).toBe('edgeloop-report/1');
    expect(report.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('refuses a task without its metrics and an out-of-order history', () => {
    const attempts = [
      () => createEvaluationReport('x', 'tabular-regression', {}),
      () =>
        createEvaluationReport('x', 'tabular-regression', {
          regression: regressionReport([1, 2], [1, 2]),
          history: [{ epoch: 2, loss: 1 }, { epoch: 1, loss: 1 }],
        }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        expect.unreachable();
      } catch (error) {
        expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
