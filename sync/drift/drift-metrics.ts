/**
 * Drift gauges per model version × device class, in Prometheus text format, rendered
 * from the alert streams in the store at scrape time, so every replica reports the same.
 */
import { escapeLabel } from '../metrics.ts';
import type { AlertStream } from '../store/store.ts';

const STATUS_VALUE = { drift: 1, ok: 0, 'insufficient-data': -1 } as const;

export function renderDriftMetrics(streams: readonly AlertStream[]): string {
  const labels = (s: AlertStream) => `model="${escapeLabel(s.model)}",version="${escapeLabel(s.version)}",device_class="${escapeLabel(s.deviceClass)}"`;
  const lines = [
    '# HELP sync_drift_status The last judged window of each model version and device class: 1 drift, 0 ok, -1 insufficient data.',
    '# TYPE sync_drift_status gauge',
    ...streams.map((s) => `sync_drift_status{${labels(s)}} ${STATUS_VALUE[s.lastStatus]}`),
    '# HELP sync_drift_drifted_signals Signals that drifted in the last judged window.',
    '# TYPE sync_drift_drifted_signals gauge',
    ...streams.map((s) => `sync_drift_drifted_signals{${labels(s)}} ${s.lastDrifted}`),
    '# HELP sync_drift_alert_active 1 while the stream is in the drift state (after the alert hysteresis), else 0.',
    '# TYPE sync_drift_alert_active gauge',
    ...streams.map((s) => `sync_drift_alert_active{${labels(s)}} ${s.state === 'drift' ? 1 : 0}`),
    '# HELP sync_drift_windows_total Judged windows, by status.',
    '# TYPE sync_drift_windows_total counter',
    ...streams.flatMap((s) => [
      `sync_drift_windows_total{${labels(s)},status="drift"} ${s.windowsDrift}`,
      `sync_drift_windows_total{${labels(s)},status="ok"} ${s.windowsOk}`,
      `sync_drift_windows_total{${labels(s)},status="insufficient-data"} ${s.windowsInsufficient}`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
