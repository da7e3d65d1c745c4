import { describe, expect, it } from 'vitest';
import type { AlertStream, DriftWindowRecord, WindowStatus } from '../store/store.ts';
import { stepAlerts } from './alert-machine.ts';
import { windowReportText } from './window-report.ts';

let id = 0;
const win = (status: WindowStatus, deviceClass = 'phone', earlierReport = false): DriftWindowRecord => ({
  id: ++id,
  model: 'm',
  version: '1.0.0',
  deviceClass,
  windowStart: '2026-12-01T00:00:00.000Z',
  windowEnd: '2026-12-01T00:01:00.000Z',
  receivedAt: '2026-12-01T00:02:00.000Z',
  sampleSize: 500,
  status,
  drifted: status === 'drift' ? 3 : 0,
  evaluated: 4,
  epsilon: null,
  report: earlierReport
    ? JSON.stringify({ signals: [{ name: 'a', status }, { name: 'b', status: 'ok' }], counts: {} })
    : windowReportText({}, [{ name: 'a', status }, { name: 'b', status: 'ok' }]),
});

/** Runs the statuses through the machine in chunks of `chunk` (as passes over stored windows would), returning the alert states. */
function run(statuses: WindowStatus[], chunk = statuses.length, h = { alertWindows: 3, recoveryWindows: 2 }): { states: string[]; stream: AlertStream | undefined } {
  const streams = new Map<string, AlertStream>();
  const states: string[] = [];
  for (let i = 0; i < statuses.length; i += chunk) {
    const step = stepAlerts(statuses.slice(i, i + chunk).map((s) => win(s)), streams, h, '2026-12-01T00:03:00.000Z');
    for (const s of step.streams) streams.set(`${s.model}\u0000${s.version}\u0000${s.deviceClass}`, s);
    states.push(...step.alerts.map((a) => a.state));
  }
  return { states, stream: [...streams.values()][0] };
}

describe('alert hysteresis', () => {
  it('alerts after k consecutive drifted windows, once, and recovers after the recovery run', () => {
    expect(run(['drift', 'drift']).states).toEqual([]);
    expect(run(['drift', 'drift', 'drift']).states).toEqual(['drift']);
    expect(run(['drift', 'drift', 'drift', 'drift', 'drift']).states).toEqual(['drift']);
    expect(run(['drift', 'drift', 'drift', 'ok', 'ok']).states).toEqual(['drift', 'ok']);
    expect(run(['drift', 'drift', 'drift', 'ok', 'drift', 'ok']).states).toEqual(['drift']);
  });

  it('a window without drift breaks a run; insufficient data neither breaks nor extends it', () => {
    expect(run(['drift', 'drift', 'ok', 'drift', 'drift']).states).toEqual([]);
    expect(run(['drift', 'insufficient-data', 'drift', 'insufficient-data', 'drift']).states).toEqual(['drift']);
    expect(run(['insufficient-data', 'insufficient-data', 'insufficient-data']).states).toEqual([]);
  });

  it('decides the same whether the windows come in one pass or one by one', () => {
    const statuses: WindowStatus[] = ['drift', 'ok', 'drift', 'drift', 'insufficient-data', 'drift', 'ok', 'ok', 'drift'];
    const whole = run(statuses);
    const single = run(statuses, 1);
    expect(single.states).toEqual(whole.states);
    expect(single.stream).toMatchObject({ state: whole.stream!.state, run: whole.stream!.run, windowsDrift: 5, windowsOk: 3, windowsInsufficient: 1 });
  });

  it('keeps streams of device classes apart and names the drifted signals', () => {
    const step = stepAlerts([win('drift', 'a'), win('drift', 'b'), win('drift', 'a')], new Map(), { alertWindows: 2, recoveryWindows: 2 }, 'now');
    expect(step.alerts.map((a) => a.deviceClass)).toEqual(['a']);
    expect(JSON.parse(step.alerts[0]!.detail)).toMatchObject({ windows: 2, driftedSignals: ['a'] });
    expect(step.streams.map((s) => [s.deviceClass, s.state, s.run])).toEqual([['a', 'drift', 0], ['b', 'ok', 1]]);
  });

  it('names the drifted signals of windows stored in the earlier report form too', () => {
    const step = stepAlerts([win('drift', 'a', true), win('drift', 'a', true)], new Map(), { alertWindows: 2, recoveryWindows: 2 }, 'now');
    expect(JSON.parse(step.alerts[0]!.detail)).toMatchObject({ driftedSignals: ['a'] });
  });
});
