/**
 * The sync endpoint's answers the Monitor page reads (docs/SYNC-API.md, "Registry",
 * "Telemetry" and "Drift and alerts"). The page never imports `sync/` (a browser room
 * may not), so the wire shapes are restated here, as narrow as the page needs them.
 */

/** A window's, a signal's or a range's verdict. */
export type DriftStatus = 'ok' | 'drift' | 'insufficient-data';

/** `GET /v1/models` */
export interface ModelList {
  models: Array<{ name: string; versions: number; latest: string | null }>;
}

/** `GET /v1/models/:name` (versions in semver order, oldest first). */
export interface ModelDetail {
  name: string;
  versions: Array<{ version: string; publishedAt: string }>;
  aliases?: Array<{ alias: string; version: string; canary?: { version: string; percent: number } | null }>;
}

/** A retraining job as `GET /v1/jobs` lists it. */
export interface Job {
  id: number;
  model: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  payload: { reason: 'manual' | 'alert'; parentVersion: string | null };
  attempts: number;
  maxAttempts: number;
  progress: number;
  message: string | null;
  result: { outcome?: string; version?: string; reason?: string; gate?: { passed: boolean; reasons: string[]; parentTest: number; candidateTest: number; parentFeedback: number; candidateFeedback: number } } | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

/** `GET /v1/jobs?model=` (newest first). */
export interface JobList {
  jobs: Job[];
}

/** One signal of a drift report: its statistic against its threshold, and both distributions. */
export interface SignalReport {
  name: string;
  kind: string;
  /** `jensen-shannon`: drift when statistic ≥ threshold; `chi-square` (a p-value): drift when statistic < threshold. */
  method: 'jensen-shannon' | 'chi-square';
  statistic: number;
  threshold: number;
  jsDistance: number;
  psi: number;
  pValue: number | null;
  sampleSize: number;
  baselineSize: number;
  status: DriftStatus;
  edges: number[];
  field: number[];
  baseline: number[];
}

/** `GET /v1/models/:name/versions/:version/drift?from&to&deviceClass` */
export interface DriftReport {
  model: string;
  version: string;
  deviceClass: string | null;
  from: string;
  to: string;
  status: DriftStatus;
  sampleSize: number;
  drifted: number;
  evaluated: number;
  windows: { total: number; drift: number; ok: number; insufficientData: number };
  signals: SignalReport[];
  series: Array<{ windowStart: string; windowEnd: string; deviceClass: string | null; status: DriftStatus; sampleSize: number; drifted: number; evaluated: number }>;
  alerts: Array<{ deviceClass: string | null; state: 'ok' | 'drift'; since: string | null }>;
}

/** One alert of `GET /v1/alerts` (a state change after the hysteresis). */
export interface Alert {
  id: number;
  model: string;
  version: string;
  deviceClass: string | null;
  state: 'ok' | 'drift';
  previous: 'ok' | 'drift' | null;
  at: string;
  window: { start: string; end: string };
  windows: number;
  driftedSignals: string[];
}

/** `GET /v1/alerts?model&version&deviceClass` (newest first). */
export interface AlertList {
  alerts: Alert[];
}

/** A latency histogram as the summary sums it (one per distinct set of edges). */
export interface LatencyHistogram {
  edges: number[];
  counts: number[];
}

/** `GET /v1/telemetry/summary?model&version&from&to`: counts per model version and hour. */
export interface TelemetrySummary {
  buckets: Array<{
    model: string;
    version: string;
    hour: string;
    events: number;
    deviceClasses: Record<string, number>;
    predictions: Record<string, number>;
    latencyMs: LatencyHistogram[];
    errors: Record<string, number>;
  }>;
}
