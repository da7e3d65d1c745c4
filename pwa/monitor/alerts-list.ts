/**
 * The alerts of a version: the open ones (a device class whose newest alert is a
 * drift) first, then the history, each with its state, when, the windows that
 * raised it and which signals drifted.
 */
import type { Alert } from './sync-types.ts';

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function item(alert: Alert, open: boolean): HTMLLIElement {
  const li = document.createElement('li');
  li.className = `alert ${alert.state}${open ? ' open' : ''}`;
  li.dataset.state = alert.state;
  li.dataset.open = String(open);
  const title = document.createElement('p');
  title.className = 'alert-title';
  const state = document.createElement('strong');
  state.textContent = alert.state === 'drift' ? (open ? '⚠ Drift (open)' : 'Drift') : 'Back to ok';
  title.append(state, ` · ${alert.deviceClass ?? 'all devices'} · ${time.format(new Date(alert.at))}`);
  const detail = document.createElement('p');
  detail.className = 'hint';
  detail.textContent = `${alert.windows} window${alert.windows === 1 ? '' : 's'} in a row, the last from ${time.format(new Date(alert.window.start))} to ${time.format(new Date(alert.window.end))}.`;
  li.append(title, detail);
  if (alert.state === 'drift' && alert.driftedSignals.length > 0) {
    const signals = document.createElement('p');
    signals.className = 'alert-signals';
    const shown = alert.driftedSignals.slice(0, 8);
    signals.textContent = `Drifted signals (${alert.driftedSignals.length}): ${shown.join(', ')}${alert.driftedSignals.length > shown.length ? ', …' : ''}`;
    li.append(signals);
  }
  return li;
}

/** Fills `open` and `history` (lists) from the endpoint's alerts, newest first; returns how many are open. */
export function renderAlerts(open: HTMLOListElement, history: HTMLOListElement, alerts: readonly Alert[]): number {
  const newestPerClass = new Map<string, Alert>();
  for (const a of alerts) if (!newestPerClass.has(a.deviceClass ?? '')) newestPerClass.set(a.deviceClass ?? '', a);
  const openAlerts = [...newestPerClass.values()].filter((a) => a.state === 'drift');
  const openIds = new Set(openAlerts.map((a) => a.id));
  open.replaceChildren(...openAlerts.map((a) => item(a, true)));
  history.replaceChildren(...alerts.filter((a) => !openIds.has(a.id)).map((a) => item(a, false)));
  return openAlerts.length;
}
