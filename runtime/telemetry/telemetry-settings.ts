/**
 * Telemetry options → the frozen, fully-defaulted settings the worker gets. Telemetry
 * is off unless `createRuntime({ telemetry })` is given.
 */

/** Options of `createRuntime({ telemetry })`. Only counts ever leave the device (docs/TELEMETRY.md). */
export interface TelemetryOptions {
  /** Base URL of the sync endpoint; events go to `<endpoint>/v1/telemetry`. */
  endpoint: string;
  /** The endpoint's app token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * A coarse device class (the endpoint's key rule, `^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`), e.g. an edge target id like `phone-wasm`.
   * @defaultValue `<mobile|desktop>-<webgpu|wasm|cpu>`: the form factor and where the model's backend computes
   */
  deviceClass?: string;
  /** A window closes after this many predictions. @defaultValue 500 */
  windowPredictions?: number;
  /** …or when it has been open this long (checked on each prediction and each flush tick). @defaultValue 1800000 (30 minutes) */
  windowMs?: number;
  /** Laplace noise of scale 1/ε on every count; `null` for none. @defaultValue null */
  epsilon?: number | null;
  /** How often queued events are sent (and old windows closed). @defaultValue 60000 (1 minute) */
  flushIntervalMs?: number;
  /** Most events kept while offline; the oldest are dropped beyond it. @defaultValue 1000 */
  maxQueuedEvents?: number;
  /** IndexedDB database of the queue and the install id. @defaultValue 'edgeloop-telemetry' */
  databaseName?: string;
}

/** Resolved telemetry settings (see {@link TelemetryOptions} for each default). */
export interface TelemetrySettings {
  /** The full ingest URL, `<endpoint>/v1/telemetry`. */
  readonly url: string;
  readonly token: string;
  readonly deviceClass: string | null;
  readonly windowPredictions: number;
  readonly windowMs: number;
  readonly epsilon: number | null;
  readonly flushIntervalMs: number;
  readonly maxQueuedEvents: number;
  readonly databaseName: string;
}

const DEVICE_CLASS = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`telemetry.${name} must be an integer in 1..${max} (got ${value})`);
  return value;
}

/**
 * Checks and defaults telemetry options; `undefined` → `null` (telemetry off).
 *
 * @throws {TypeError} when `endpoint` is not an http(s) URL, `token` is empty, or `deviceClass` breaks the endpoint's rule.
 * @throws {RangeError} when a number is out of range.
 */
export function resolveTelemetrySettings(options: TelemetryOptions | undefined, base?: string): TelemetrySettings | null {
  if (options === undefined) return null;
  let endpoint: URL;
  try {
    endpoint = new URL(options.endpoint, base);
  } catch (cause) {
    throw new TypeError(`telemetry.endpoint must be the sync endpoint's URL (got ${JSON.stringify(options.endpoint)})`, { cause });
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw new TypeError(`telemetry.endpoint must be an http(s) URL (got ${endpoint.protocol})`);
  if (typeof options.token !== 'string' || options.token.length === 0) throw new TypeError('telemetry.token must be the endpoint app token');
  const { deviceClass } = options;
  if (deviceClass !== undefined && (typeof deviceClass !== 'string' || !DEVICE_CLASS.test(deviceClass))) {
    throw new TypeError(`telemetry.deviceClass must match ${DEVICE_CLASS} (got ${JSON.stringify(deviceClass)})`);
  }
  const epsilon = options.epsilon ?? null;
  if (epsilon !== null && !(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0)) throw new RangeError(`telemetry.epsilon must be a positive number or null (got ${epsilon})`);
  const path = endpoint.pathname.replace(/\/+$/, '');
  return Object.freeze({
    url: `${endpoint.origin}${path}/v1/telemetry`,
    token: options.token,
    deviceClass: deviceClass ?? null,
    windowPredictions: positiveInteger('windowPredictions', options.windowPredictions ?? 500, 1_000_000),
    windowMs: positiveInteger('windowMs', options.windowMs ?? 1_800_000, 7 * 24 * 3_600_000),
    epsilon,
    flushIntervalMs: positiveInteger('flushIntervalMs', options.flushIntervalMs ?? 60_000, 24 * 3_600_000),
    maxQueuedEvents: positiveInteger('maxQueuedEvents', options.maxQueuedEvents ?? 1000, 100_000),
    databaseName: options.databaseName ?? 'edgeloop-telemetry',
  });
}
