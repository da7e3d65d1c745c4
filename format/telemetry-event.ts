/**
 * The wire types of drift telemetry (`POST /v1/telemetry`, docs/SYNC-API.md
 * "Telemetry", docs/TELEMETRY.md): what a device sends and what the endpoint admits.
 * The endpoint's JSON Schema (`sync/schemas.ts`) validates them; the runtime's
 * telemetry builds them.
 */

/** One drift event: the counts of one closed window of one model version. */
export interface DriftEvent {
  type: 'drift';
  model: string;
  version: string;
  deviceClass?: string;
  windowStart: string;
  windowEnd: string;
  /** Per baseline signal, counts over the baseline's bins. */
  signals?: Record<string, number[]>;
  /** Predicted-class counts, by label. */
  predictions?: Record<string, number>;
  latencyMs?: { edges: number[]; counts: number[] };
  /** Error counts, by code. */
  errors?: Record<string, number>;
  /**
   * The ε of the Laplace noise on every count of this event (scale 1/ε), present only
   * when the device added noise; the endpoint reports it with the drift statistics.
   */
  epsilon?: number;
}

/** The body of `POST /v1/telemetry`. */
export interface TelemetryBatch {
  schema: 1;
  /** Client-made, unique per device; a retry reuses it so the endpoint counts it once. */
  batchId: string;
  deviceId: string;
  sentAt: string;
  /**
   * Events this device dropped from its full queue (oldest first) since its last
   * accepted batch; counted once per batch id, like the events.
   */
  dropped?: number;
  events: DriftEvent[];
}
