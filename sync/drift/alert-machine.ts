/**
 * The alert hysteresis, a pure function of the windows (in the order they were stored)
 * and their streams' states: a stream of one model version × device class turns
 * `drift` after `alertWindows` consecutive drifted windows and `ok` again after
 * `recoveryWindows` consecutive windows without drift. `insufficient-data` windows
 * neither extend nor break a run. Each turn is one alert.
 */
import { streamKey, type AlertStep, type AlertStream, type DriftWindowRecord, type NewAlert, type WindowStatus } from '../store/store.ts';
import { readWindowReport } from './window-report.ts';

export interface Hysteresis {
  alertWindows: number;
  recoveryWindows: number;
}

function freshStream(w: DriftWindowRecord): AlertStream {
  return {
    model: w.model,
    version: w.version,
    deviceClass: w.deviceClass,
    state: 'ok',
    run: 0,
    since: null,
    lastStatus: w.status,
    lastWindowId: w.id,
    lastWindowEnd: w.windowEnd,
    lastDrifted: 0,
    lastEvaluated: 0,
    windowsDrift: 0,
    windowsOk: 0,
    windowsInsufficient: 0,
  };
}

const tally: Record<WindowStatus, 'windowsDrift' | 'windowsOk' | 'windowsInsufficient'> = {
  drift: 'windowsDrift',
  ok: 'windowsOk',
  'insufficient-data': 'windowsInsufficient',
};

/** Runs `windows` through their streams; returns the changed streams and the alerts. */
export function stepAlerts(windows: readonly DriftWindowRecord[], streams: ReadonlyMap<string, AlertStream>, h: Hysteresis, at: string): AlertStep {
  const changed = new Map<string, AlertStream>();
  const alerts: NewAlert[] = [];
  for (const w of windows) {
    const key = streamKey(w);
    const s = changed.get(key) ?? { ...(streams.get(key) ?? freshStream(w)) };
    changed.set(key, s);
    s[tally[w.status]]++;
    s.lastStatus = w.status;
    s.lastWindowId = w.id;
    s.lastWindowEnd = w.windowEnd;
    s.lastDrifted = w.drifted;
    s.lastEvaluated = w.evaluated;
    if (w.status === 'insufficient-data') continue;
    const against = s.state === 'ok' ? w.status === 'drift' : w.status === 'ok';
    s.run = against ? s.run + 1 : 0;
    const needed = s.state === 'ok' ? h.alertWindows : h.recoveryWindows;
    if (s.run < needed) continue;
    const previous = s.state;
    s.state = previous === 'ok' ? 'drift' : 'ok';
    s.run = 0;
    s.since = at;
    alerts.push({
      model: w.model,
      version: w.version,
      deviceClass: w.deviceClass,
      state: s.state,
      previous,
      at,
      windowId: w.id,
      detail: JSON.stringify({ windows: needed, window: { start: w.windowStart, end: w.windowEnd }, driftedSignals: readWindowReport(w.report).drifted }),
    });
  }
  return { streams: [...changed.values()], alerts };
}
