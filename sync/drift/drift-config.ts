/**
 * The drift and alert settings of the endpoint (docs/SYNC-API.md, "Drift and alerts"):
 * the statistics' thresholds, the alert hysteresis, and the webhooks alerts are posted to.
 */

/** How the endpoint judges drift and when it alerts. */
export interface DriftConfig {
  /** JS distance at or above which a signal with a large sample drifts. `SYNC_DRIFT_JS_THRESHOLD` */
  readonly jsDistance: number;
  /** Predictions a window needs before a signal is judged (fewer: `insufficient-data`). `SYNC_DRIFT_MIN_SAMPLES` */
  readonly minSamples: number;
  /** Share of the judged signals that must drift for the version to drift. `SYNC_DRIFT_SIGNAL_SHARE` */
  readonly signalShare: number;
  /** Consecutive drifted windows (of one version × device class) that raise an alert. `SYNC_ALERT_WINDOWS` */
  readonly alertWindows: number;
  /** Consecutive windows without drift that end it. `SYNC_ALERT_RECOVERY_WINDOWS` (default: `alertWindows`) */
  readonly recoveryWindows: number;
  /** URLs every alert state change is POSTed to. `SYNC_ALERT_WEBHOOKS` (comma-separated) */
  readonly webhooks: readonly string[];
  /** The HMAC-SHA256 key of the `X-Edgeloop-Signature` header. `SYNC_ALERT_WEBHOOK_SECRET` (required with webhooks) */
  readonly webhookSecret: string | undefined;
  /** Deliveries tried per alert and URL before one is given up. `SYNC_ALERT_WEBHOOK_ATTEMPTS` */
  readonly webhookAttempts: number;
  /** The first retry's delay; each next one doubles, with jitter, up to 10 minutes. `SYNC_ALERT_WEBHOOK_RETRY_MS` */
  readonly webhookRetryMs: number;
  /** How long a webhook may take to answer. `SYNC_ALERT_WEBHOOK_TIMEOUT_MS` */
  readonly webhookTimeoutMs: number;
  /** How far in the future (by the endpoint's clock) a window may end. `SYNC_TELEMETRY_MAX_CLOCK_SKEW_MS` */
  readonly maxClockSkewMs: number;
  /** How often windows stored by other replicas are looked for. `SYNC_ALERT_POLL_MS` */
  readonly pollMs: number;
}

export const DEFAULT_DRIFT_CONFIG: DriftConfig = Object.freeze({
  jsDistance: 0.1,
  minSamples: 100,
  signalShare: 0.5,
  alertWindows: 3,
  recoveryWindows: 3,
  webhooks: Object.freeze([]),
  webhookSecret: undefined,
  webhookAttempts: 12,
  webhookRetryMs: 1000,
  webhookTimeoutMs: 10_000,
  maxClockSkewMs: 300_000,
  pollMs: 5000,
});

/** The parsers `resolveSyncConfig` lends, so every setting reads and fails the same way. */
export interface ConfigReaders {
  get(name: string): unknown;
  integer(value: unknown, name: string, min: number, max: number): number | undefined;
  list(value: unknown, name: string): string[] | undefined;
  invalid(message: string, details?: Record<string, unknown>): never;
}

function decimal(r: ConfigReaders, name: string, min: number, max: number): number | undefined {
  const value = r.get(name);
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) r.invalid(`${name} must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`, { name });
  return n;
}

function checkWebhook(url: string, r: ConfigReaders): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    r.invalid(`SYNC_ALERT_WEBHOOKS holds "${url}", which is not a URL such as https://hooks.example.com/edgeloop`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') r.invalid(`SYNC_ALERT_WEBHOOKS holds "${url}"; webhooks are http(s) URLs`);
  if (parsed.username !== '' || parsed.password !== '') r.invalid('SYNC_ALERT_WEBHOOKS must not carry credentials in the URL; alerts are signed with SYNC_ALERT_WEBHOOK_SECRET');
  return parsed.href;
}

/** Resolves {@link DriftConfig}: options, then the environment / config file, then the defaults. */
export function resolveDriftConfig(options: Partial<DriftConfig>, r: ConfigReaders): DriftConfig {
  const int = (key: keyof DriftConfig, name: string, min: number, max: number): number =>
    (options[key] as number | undefined) ?? r.integer(r.get(name), name, min, max) ?? (DEFAULT_DRIFT_CONFIG[key] as number);
  const alertWindows = int('alertWindows', 'SYNC_ALERT_WINDOWS', 1, 1000);
  const webhooks = (options.webhooks ? [...options.webhooks] : (r.list(r.get('SYNC_ALERT_WEBHOOKS'), 'SYNC_ALERT_WEBHOOKS') ?? [])).map((url) => checkWebhook(url, r));
  const secret = options.webhookSecret ?? r.get('SYNC_ALERT_WEBHOOK_SECRET');
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) r.invalid('SYNC_ALERT_WEBHOOK_SECRET must be a string of at least 16 characters (e.g. from `openssl rand -hex 32`)');
  if (webhooks.length > 0 && secret === undefined) r.invalid('SYNC_ALERT_WEBHOOKS is set but SYNC_ALERT_WEBHOOK_SECRET is not: alerts are signed, so receivers can tell them from forgeries');
  const config: DriftConfig = Object.freeze({
    jsDistance: options.jsDistance ?? decimal(r, 'SYNC_DRIFT_JS_THRESHOLD', 0.001, 0.83) ?? DEFAULT_DRIFT_CONFIG.jsDistance,
    minSamples: int('minSamples', 'SYNC_DRIFT_MIN_SAMPLES', 1, 1e9),
    signalShare: options.signalShare ?? decimal(r, 'SYNC_DRIFT_SIGNAL_SHARE', 0.01, 1) ?? DEFAULT_DRIFT_CONFIG.signalShare,
    alertWindows,
    recoveryWindows: (options.recoveryWindows as number | undefined) ?? r.integer(r.get('SYNC_ALERT_RECOVERY_WINDOWS'), 'SYNC_ALERT_RECOVERY_WINDOWS', 1, 1000) ?? alertWindows,
    webhooks: Object.freeze(webhooks),
    webhookSecret: secret as string | undefined,
    webhookAttempts: int('webhookAttempts', 'SYNC_ALERT_WEBHOOK_ATTEMPTS', 1, 100),
    webhookRetryMs: int('webhookRetryMs', 'SYNC_ALERT_WEBHOOK_RETRY_MS', 1, 3_600_000),
    webhookTimeoutMs: int('webhookTimeoutMs', 'SYNC_ALERT_WEBHOOK_TIMEOUT_MS', 1, 600_000),
    maxClockSkewMs: int('maxClockSkewMs', 'SYNC_TELEMETRY_MAX_CLOCK_SKEW_MS', 0, 31 * 86_400_000),
    pollMs: int('pollMs', 'SYNC_ALERT_POLL_MS', 10, 3_600_000),
  });
  if (config.jsDistance < 0.001 || config.jsDistance > 0.83) r.invalid(`jsDistance must be from 0.001 to 0.83 (got ${config.jsDistance})`);
  if (config.signalShare <= 0 || config.signalShare > 1) r.invalid(`signalShare must be in (0, 1] (got ${config.signalShare})`);
  return config;
}
