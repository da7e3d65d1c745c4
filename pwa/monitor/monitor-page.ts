/**
 * The Monitor page: for a model version (and optionally a device class) over a time
 * range, its drift over time per signal, the latest per-signal verdicts and
 * field-vs-baseline histogram, the latency histogram, error counts and alerts, read
 * from the sync endpoint in Settings with its admin token. Without an endpoint or a
 * token it says so and opens Settings; every failure is said in words with its code.
 */
import { mountShell } from '../shell/shell.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { loadSettings, onSettingsChange } from '../shell/settings.ts';
import { bucketsOf, TIME_RANGES, withData, type TimeRangeId } from './monitor-data.ts';
import { MonitorView, type Dashboard } from './monitor-view.ts';
import { mapLimit, MonitorError, SyncClient } from './sync-client.ts';
import './monitor.css';
import { createDriftSimulator } from './simulate-drift.ts';
import { hideRollout, renderRollout } from './rollout-panel.ts';

/** Drift queries in flight at once: enough to be quick, few enough to be kind to the endpoint. */
const CONCURRENCY = 4;

mountShell('monitor');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const empty = $('monitor-empty');
const controls = $('monitor-controls');
const form = $<HTMLFormElement>('monitor-form');
const modelSelect = $<HTMLSelectElement>('monitor-model');
const versionSelect = $<HTMLSelectElement>('monitor-version');
const classSelect = $<HTMLSelectElement>('monitor-device-class');
const rangeSelect = $<HTMLSelectElement>('monitor-range');
const refresh = $<HTMLButtonElement>('monitor-refresh');
const status = $('monitor-status');
const errorBox = $('monitor-error');
const view = new MonitorView();

for (const r of TIME_RANGES) rangeSelect.add(new Option(r.label, r.id));
rangeSelect.value = 'day';

let client: SyncClient | undefined;
let controller: AbortController | undefined;
let lastError: MonitorError | undefined;

/** Shows an error in words with its code and the endpoint's detail in small print. */
function showError(error: unknown): void {
  lastError = error instanceof MonitorError ? error : undefined;
  showErrorIn(errorBox, error);
}

function clearError(): void {
  lastError = undefined;
  errorBox.hidden = true;
  errorBox.replaceChildren();
  delete errorBox.dataset.code;
}

/** A new question cancels the one before: only the newest answer is drawn. */
function nextSignal(): AbortSignal {
  controller?.abort();
  controller = new AbortController();
  return controller.signal;
}

const aborted = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

function busy(on: boolean): void {
  for (const control of [modelSelect, versionSelect, classSelect, rangeSelect, refresh]) control.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

/** Reads the settings and starts over: the empty state, or the model list. */
async function start(): Promise<void> {
  const settings = loadSettings();
  controller?.abort();
  clearError();
  view.hide();
  hideRollout();
  if (!settings.syncUrl || !settings.monitorToken) {
    client = undefined;
    controls.hidden = true;
    empty.hidden = false;
    $('monitor-empty-text').textContent = !settings.syncUrl
      ? 'No sync endpoint is set: Monitor reads drift from one. Set the sync endpoint and its admin token (Monitor token) in Settings.'
      : 'No Monitor token is set: reading drift needs the sync endpoint’s admin token. Set it in Settings.';
    return;
  }
  empty.hidden = true;
  controls.hidden = false;
  $('monitor-endpoint').textContent = `Reading from ${settings.syncUrl}`;
  client = new SyncClient(settings.syncUrl, settings.monitorToken);
  await loadModels();
}

async function loadModels(): Promise<void> {
  if (!client) return;
  const signal = nextSignal();
  busy(true);
  status.textContent = 'Reading the endpoint’s models…';
  try {
    const { models } = await client.models(signal);
    const previous = modelSelect.value;
    modelSelect.replaceChildren(...models.map((m) => new Option(m.name, m.name)));
    if (models.length === 0) {
      status.textContent = 'The endpoint has no published model yet: publish one, send telemetry, then refresh.';
      busy(false);
      refresh.disabled = false;
      return;
    }
    modelSelect.value = models.some((m) => m.name === previous) ? previous : models[0]!.name;
    await loadVersions(signal);
  } catch (error) {
    if (aborted(error)) return;
    status.textContent = '';
    showError(error);
    busy(false);
  }
}

async function loadVersions(signal: AbortSignal): Promise<void> {
  if (!client) return;
  const { versions } = await client.model(modelSelect.value, signal);
  const previous = versionSelect.value;
  // Newest first: the one most likely to be on devices now.
  versionSelect.replaceChildren(...[...versions].reverse().map((v) => new Option(v.version, v.version)));
  versionSelect.value = versions.some((v) => v.version === previous) ? previous : (versions.at(-1)?.version ?? '');
  classSelect.value = '';
  await loadDashboard(signal);
}

/** Reads the drift of each bucket (a few at a time), the alerts and the summary, then draws them. */
async function loadDashboard(signal: AbortSignal): Promise<void> {
  if (!client) return;
  const model = modelSelect.value;
  const version = versionSelect.value;
  const deviceClass = classSelect.value;
  const range = rangeSelect.value as TimeRangeId;
  const rangeLabel = TIME_RANGES.find((r) => r.id === range)!.label;
  const buckets = bucketsOf(range, Date.now());
  busy(true);
  clearError();
  status.textContent = `Reading drift of ${model} ${version}: 0 of ${buckets.length} buckets…`;
  try {
    const whole = { from: buckets[0]!.from, to: buckets.at(-1)!.to };
    const [reports, alerts, summary, detail, jobs] = await Promise.all([
      mapLimit(buckets, CONCURRENCY, (b) => client!.drift(model, version, { ...b, deviceClass }, signal), (done) => {
        if (!signal.aborted) status.textContent = `Reading drift of ${model} ${version}: ${done} of ${buckets.length} buckets…`;
      }),
      client.alerts(model, version, { deviceClass, signal }),
      client.summary(model, version, whole, signal),
      client.model(model, signal),
      client.jobs(model, signal),
    ]);
    if (signal.aborted) return;
    const dashboard: Dashboard = { model, version, deviceClass, rangeLabel, buckets: buckets.map((b, i) => withData(b, reports[i]!)), alerts: alerts.alerts, summary };
    fillDeviceClasses(dashboard);
    view.show(dashboard);
    renderRollout(detail, jobs);
    const withWindows = dashboard.buckets.filter((b) => b.report).length;
    status.textContent = `Updated ${new Date().toLocaleTimeString()}: ${withWindows} of ${buckets.length} buckets hold telemetry.`;
  } catch (error) {
    if (aborted(error) || signal.aborted) return;
    status.textContent = '';
    view.hide();
    hideRollout();
    showError(error);
  } finally {
    if (!signal.aborted) busy(false);
  }
}

/** The device classes seen in range (plus the chosen one), so one can be picked. */
function fillDeviceClasses(d: Dashboard): void {
  const seen = new Set(d.buckets.flatMap((b) => b.report?.series.map((s) => s.deviceClass ?? '') ?? []).filter(Boolean));
  for (const a of d.alerts) if (a.deviceClass) seen.add(a.deviceClass);
  if (d.deviceClass) seen.add(d.deviceClass);
  classSelect.replaceChildren(new Option('All device classes', ''), ...[...seen].sort().map((c) => new Option(c, c)));
  classSelect.value = d.deviceClass;
}

$('monitor-open-settings').addEventListener('click', () => $('settings-open').click());
modelSelect.addEventListener('change', () => {
  const signal = nextSignal();
  busy(true);
  loadVersions(signal).catch((error: unknown) => {
    if (aborted(error)) return;
    status.textContent = '';
    view.hide();
    hideRollout();
    showError(error);
    busy(false);
  });
});
for (const select of [versionSelect, classSelect, rangeSelect]) select.addEventListener('change', () => void loadDashboard(nextSignal()));
form.addEventListener('submit', (event) => {
  event.preventDefault();
  // Refresh: start over from the models when they never loaded (an error at start).
  if (modelSelect.options.length === 0) void loadModels();
  else void loadDashboard(nextSignal());
});
// Back online after "cannot be reached": try again without being asked.
window.addEventListener('online', () => {
  if (lastError?.code === 'UNREACHABLE') form.requestSubmit();
});
const simulator = createDriftSimulator(
  () => modelSelect.value,
  () => form.requestSubmit(),
);
onSettingsChange(() => {
  simulator.sync();
  void start();
});
void start();
