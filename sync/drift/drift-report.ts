/**
 * The drift report of one version over a time range (`GET …/drift`): the windows'
 * field counts merged bin by bin (exact: counts add) and judged once against the
 * baseline, each signal with its statistic, threshold, sample size, status and both
 * distributions for charts; plus the windows' own verdicts as a series.
 */
import type { BaselineSignal } from '../../format/index.ts';
import type { AlertStream, DriftWindowRecord, WindowStatus } from '../store/store.ts';
import { evaluateDrift, type DriftThresholds, type SignalDrift } from './statistics.ts';
import { readWindowReport } from './window-report.ts';

export interface SignalReport extends SignalDrift {
  edges: number[];
  field: number[];
  baseline: number[];
}

export interface DriftReport {
  model: string;
  version: string;
  deviceClass: string | null;
  from: string;
  to: string;
  status: WindowStatus;
  sampleSize: number;
  drifted: number;
  evaluated: number;
  /** Largest ε among the merged windows' noise (`null`: every count exact). */
  epsilon: number | null;
  rule: { jsDistance: number; minSamples: number; signalShare: number };
  windows: { total: number; drift: number; ok: number; insufficientData: number };
  signals: SignalReport[];
  /** The windows' own verdicts, oldest first. */
  series: { windowStart: string; windowEnd: string; deviceClass: string | null; status: WindowStatus; sampleSize: number; drifted: number; evaluated: number }[];
  /** The alert state of each device class in range (empty before any window). */
  alerts: { deviceClass: string | null; state: 'ok' | 'drift'; since: string | null }[];
}

export interface ReportInput {
  model: string;
  version: string;
  deviceClass: string | undefined;
  from: string;
  to: string;
  baseline: readonly BaselineSignal[];
  windows: readonly DriftWindowRecord[];
  streams: readonly AlertStream[];
  thresholds: Pick<DriftThresholds, 'jsDistance' | 'minSamples' | 'signalShare'>;
}

export function driftReport(input: ReportInput): DriftReport {
  const merged = new Map<string, number[]>();
  const series: DriftReport['series'] = [];
  const windows = { total: 0, drift: 0, ok: 0, insufficientData: 0 };
  let epsilon: number | null = null;
  for (const w of [...input.windows].reverse()) {
    const { counts } = readWindowReport(w.report);
    for (const [name, bins] of Object.entries(counts)) {
      const sums = merged.get(name) ?? new Array<number>(bins.length).fill(0);
      bins.forEach((n, i) => (sums[i] = (sums[i] ?? 0) + n));
      merged.set(name, sums);
    }
    if (w.epsilon !== null) epsilon = Math.max(epsilon ?? 0, w.epsilon);
    windows.total++;
    windows[w.status === 'insufficient-data' ? 'insufficientData' : w.status]++;
    series.push({ windowStart: w.windowStart, windowEnd: w.windowEnd, deviceClass: w.deviceClass || null, status: w.status, sampleSize: w.sampleSize, drifted: w.drifted, evaluated: w.evaluated });
  }
  const verdict = evaluateDrift(input.baseline, Object.fromEntries(merged), input.thresholds);
  const byName = new Map(input.baseline.map((s) => [s.name, s]));
  return {
    model: input.model,
    version: input.version,
    deviceClass: input.deviceClass ?? null,
    from: input.from,
    to: input.to,
    status: verdict.status,
    sampleSize: verdict.sampleSize,
    drifted: verdict.drifted,
    evaluated: verdict.evaluated,
    epsilon,
    rule: { jsDistance: input.thresholds.jsDistance, minSamples: input.thresholds.minSamples, signalShare: input.thresholds.signalShare },
    windows,
    signals: verdict.signals.map((s) => {
      const b = byName.get(s.name)!;
      return { ...s, edges: b.edges, field: merged.get(s.name)!, baseline: b.counts };
    }),
    series,
    alerts: input.streams
      .filter((s) => input.deviceClass === undefined || s.deviceClass === input.deviceClass)
      .map((s) => ({ deviceClass: s.deviceClass || null, state: s.state, since: s.since })),
  };
}
