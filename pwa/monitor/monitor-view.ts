/**
 * Draws one loaded dashboard: the over-time chart and its signal picker, the latest
 * per-signal table, the chosen signal's histogram, latency and errors, and alerts.
 */
import { renderAlerts } from './alerts-list.ts';
import { DriftChart } from './drift-chart.ts';
import { renderHistogram } from './histograms.ts';
import { latestWithData, rankSignals, signalSeries, usageTotals, type BucketReport } from './monitor-data.ts';
import { SignalTable } from './signal-table.ts';
import type { Alert, TelemetrySummary } from './sync-types.ts';

/** Everything one refresh read. */
export interface Dashboard {
  model: string;
  version: string;
  deviceClass: string;
  rangeLabel: string;
  buckets: BucketReport[];
  alerts: Alert[];
  summary: TelemetrySummary;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const PANELS = ['monitor-over-time', 'monitor-latest', 'monitor-histogram', 'monitor-usage', 'monitor-alerts'];

const STATUS_WORDS = { drift: 'drift', ok: 'ok', 'insufficient-data': 'not enough data' } as const;

/** The dashboard panels of the page. */
export class MonitorView {
  readonly #chart = new DriftChart($('drift-chart'), $<HTMLTableElement>('drift-buckets').tBodies[0]!, $('drift-chart-summary'));
  readonly #signalSelect = $<HTMLSelectElement>('monitor-signal');
  readonly #table = new SignalTable($<HTMLTableElement>('signal-table').tBodies[0]!, $<HTMLButtonElement>('signal-table-more'));
  #dashboard: Dashboard | undefined;
  #signal = '';

  constructor() {
    this.#signalSelect.addEventListener('change', () => this.#pick(this.#signalSelect.value));
  }

  /** Hides every data panel (empty state, an error before anything loaded). */
  hide(): void {
    for (const id of PANELS) $(id).hidden = true;
  }

  /** Shows a freshly read dashboard; keeps the chosen signal when it is still there. */
  show(dashboard: Dashboard): void {
    this.#dashboard = dashboard;
    for (const id of PANELS) $(id).hidden = false;
    const latest = latestWithData(dashboard.buckets);
    const known = new Set(dashboard.buckets.flatMap((b) => b.report?.signals.map((s) => s.name) ?? []));
    const ranked = latest ? rankSignals(latest.report.signals) : [];
    if (!known.has(this.#signal)) this.#signal = ranked[0]?.name ?? [...known][0] ?? '';
    this.#signalSelect.replaceChildren(...ranked.map((s) => new Option(`${s.name} — ${STATUS_WORDS[s.status]}`, s.name)));
    this.#signalSelect.value = this.#signal;
    this.#signalSelect.disabled = ranked.length === 0;
    this.#drawSignal();
    this.#drawUsage(dashboard);
    this.#drawAlerts(dashboard.alerts);
  }

  #pick(name: string): void {
    this.#signal = name;
    this.#signalSelect.value = name;
    this.#drawSignal();
  }

  #drawSignal(): void {
    const d = this.#dashboard;
    if (!d) return;
    const latest = latestWithData(d.buckets);
    const histogram = $<HTMLTableElement>('signal-histogram');
    const verdict = $('latest-verdict');
    if (!latest) {
      const words = `No telemetry for ${d.model} ${d.version}${d.deviceClass ? ` on ${d.deviceClass}` : ''} in the ${d.rangeLabel.toLowerCase()}.`;
      this.#chart.clear(words);
      verdict.textContent = words;
      verdict.className = 'empty';
      this.#table.clear();
      histogram.replaceChildren();
      histogram.dataset.bins = '0';
      $('histogram-heading').textContent = 'Field vs baseline';
      return;
    }
    this.#chart.show(this.#signal, signalSeries(d.buckets, this.#signal), d.buckets);
    const when = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    const r = latest.report;
    verdict.className = `verdict ${r.status}`;
    verdict.textContent = `${when.format(latest.bucket.from)} – ${when.format(latest.bucket.to)}: ${r.windows.total} window${r.windows.total === 1 ? '' : 's'}, ${r.sampleSize} predictions. Version: ${r.status === 'drift' ? '⚠ drift' : STATUS_WORDS[r.status]} (${r.drifted} of ${r.evaluated} judged signals drift).`;
    this.#table.show(r.signals, this.#signal, (name) => this.#pick(name));
    const signal = r.signals.find((s) => s.name === this.#signal);
    $('histogram-heading').textContent = `Field vs baseline: ${this.#signal}`;
    if (signal) {
      renderHistogram(histogram, `${signal.name}, latest bucket: ${STATUS_WORDS[signal.status]}`, signal.edges, [
        { name: 'Baseline', counts: signal.baseline, tone: 'baseline' },
        { name: 'Field', counts: signal.field, tone: 'field' },
      ]);
    } else {
      histogram.replaceChildren(Object.assign(document.createElement('caption'), { textContent: `${this.#signal} has no counts in the latest bucket.` }));
      histogram.dataset.bins = '0';
    }
  }

  #drawUsage(d: Dashboard): void {
    const totals = usageTotals(d.summary);
    $('usage-scope').textContent = `${d.rangeLabel}, ${totals.events} event${totals.events === 1 ? '' : 's'}, every device class together (the endpoint sums them).`;
    const latency = $<HTMLTableElement>('latency-histogram');
    const first = totals.latency[0];
    $('latency-empty').hidden = first !== undefined;
    latency.hidden = first === undefined;
    if (first) renderHistogram(latency, 'Prediction latency', first.edges, [{ name: 'Predictions', counts: first.counts, tone: 'latency' }], { unit: ' ms', showCounts: true });
    else latency.dataset.bins = '0';
    const errors = $<HTMLTableElement>('error-counts');
    errors.tBodies[0]!.replaceChildren(
      ...totals.errors.map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.code = e.code;
        tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: e.code }), Object.assign(document.createElement('td'), { textContent: String(e.count) }));
        return tr;
      }),
    );
    errors.hidden = totals.errors.length === 0;
    $('errors-empty').hidden = totals.errors.length > 0;
  }

  #drawAlerts(alerts: readonly Alert[]): void {
    const open = renderAlerts($('alerts-open') as HTMLOListElement, $('alerts-history') as HTMLOListElement, alerts);
    $('alerts-none').hidden = open > 0;
    $('alerts-heading').textContent = open > 0 ? `Alerts: ${open} open` : 'Alerts';
    $('alerts-history-box').hidden = alerts.length === open;
  }
}
