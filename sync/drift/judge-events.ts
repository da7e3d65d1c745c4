/**
 * A telemetry batch against its versions' baselines: every event must name a published
 * version, carry counts over exactly its baseline's bins, and end no later than the
 * endpoint's clock allows; then each event with signal counts is judged into one drift
 * window. All of it runs before the store sees the batch, so a refused batch writes nothing.
 */
import type { DriftEvent } from '../../format/index.ts';
import { SyncError } from '../errors.ts';
import { dateTimeMs } from '../date-time.ts';
import type { NewDriftWindow } from '../store/store.ts';
import type { DriftConfig } from './drift-config.ts';
import { evaluateDrift, resolveThresholds, type DriftThresholds } from './statistics.ts';
import type { VersionBaselines, VersionDriftInfo } from './version-baselines.ts';
import { windowReportText } from './window-report.ts';

/** The statistics' thresholds a config sets; the rest keep their defaults. */
export const thresholdsOf = (config: DriftConfig): Pick<DriftThresholds, 'jsDistance' | 'minSamples' | 'signalShare'> => ({ jsDistance: config.jsDistance, minSamples: config.minSamples, signalShare: config.signalShare });

async function infosOf(events: readonly DriftEvent[], baselines: VersionBaselines): Promise<Map<string, VersionDriftInfo>> {
  const infos = new Map<string, VersionDriftInfo>();
  for (const [i, e] of events.entries()) {
    const id = `${e.model}@${e.version}`;
    if (infos.has(id)) continue;
    const info = await baselines.get(e.model, e.version);
    if (info === undefined) {
      throw new SyncError('NOT_FOUND', `events[${i}] is about ${id}, which is not published; telemetry is accepted only for published model versions`, {
        details: { field: `events[${i}].version` },
      });
    }
    infos.set(id, info);
  }
  return infos;
}

function checkEvent(e: DriftEvent, at: string, info: VersionDriftInfo, latestEndMs: number): void {
  if (dateTimeMs(e.windowEnd, `${at}.windowEnd`) > latestEndMs) {
    throw new SyncError('WINDOW_IN_FUTURE', `${at}.windowEnd (${e.windowEnd}) is later than the endpoint's clock allows (${new Date(latestEndMs).toISOString()}); check the device's clock`, {
      details: { field: `${at}.windowEnd` },
    });
  }
  for (const [name, counts] of Object.entries(e.signals ?? {})) {
    const baseline = info.signals.get(name);
    if (baseline === undefined) {
      const known = [...info.signals.keys()];
      throw new SyncError(
        'TELEMETRY_INCONSISTENT',
        known.length === 0
          ? `${at}.signals.${name}: ${e.model}@${e.version} has no drift baseline, so its events carry no signal counts; send latency and errors only`
          : `${at}.signals.${name} is not a signal of ${e.model}@${e.version}'s baseline (${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})`,
        { details: { field: `${at}.signals.${name}` } },
      );
    }
    if (counts.length !== baseline.counts.length) {
      throw new SyncError('TELEMETRY_INCONSISTENT', `${at}.signals.${name} has ${counts.length} bins; ${e.model}@${e.version}'s baseline has ${baseline.counts.length} (counts go over the baseline's bin edges)`, {
        details: { field: `${at}.signals.${name}` },
      });
    }
  }
}

/**
 * Checks the batch's events against their versions and judges each event that carries
 * signal counts into a window.
 * @throws SyncError `NOT_FOUND` (unpublished version), `TELEMETRY_INCONSISTENT` (a signal or bin count the baseline does not have), `WINDOW_IN_FUTURE`.
 */
export async function judgeEvents(events: readonly DriftEvent[], baselines: VersionBaselines, config: DriftConfig, receivedAt: Date): Promise<NewDriftWindow[]> {
  const infos = await infosOf(events, baselines);
  const latestEndMs = receivedAt.getTime() + config.maxClockSkewMs;
  events.forEach((e, i) => checkEvent(e, `events[${i}]`, infos.get(`${e.model}@${e.version}`)!, latestEndMs));
  const thresholds = resolveThresholds(thresholdsOf(config));
  const windows: NewDriftWindow[] = [];
  const baselineSignals = new Map([...infos].map(([id, info]) => [id, [...info.signals.values()]]));
  const received = receivedAt.toISOString();
  // The events of a batch share a few window bounds: each is normalised once.
  const isoOf = new Map<string, string>();
  const iso = (text: string, field: string): string => {
    let value = isoOf.get(text);
    if (value === undefined) isoOf.set(text, (value = new Date(dateTimeMs(text, field)).toISOString()));
    return value;
  };
  for (const e of events) {
    const signals = e.signals ?? {};
    if (Object.keys(signals).length === 0) continue;
    const verdict = evaluateDrift(baselineSignals.get(`${e.model}@${e.version}`)!, signals, thresholds);
    windows.push({
      model: e.model,
      version: e.version,
      deviceClass: e.deviceClass ?? '',
      windowStart: iso(e.windowStart, 'windowStart'),
      windowEnd: iso(e.windowEnd, 'windowEnd'),
      receivedAt: received,
      sampleSize: verdict.sampleSize,
      status: verdict.status,
      drifted: verdict.drifted,
      evaluated: verdict.evaluated,
      epsilon: e.epsilon ?? null,
      report: windowReportText(signals, verdict.signals),
    });
  }
  return windows;
}
