/**
 * Configuration of the sync endpoint: options → environment → a JSON file named by
 * `SYNC_CONFIG` → defaults, resolved once into a frozen {@link SyncConfig} (see
 * docs/SYNC-API.md, "Configuration"). Nothing reads `process.env` after this.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeBase64Url } from '../format/index.ts';
import { SyncError } from './errors.ts';
import { resolveDriftConfig, type DriftConfig } from './drift/drift-config.ts';
import { resolveRetrainConfig, type RetrainConfig } from './jobs/job-config.ts';
import { resolveRetentionConfig, type RetentionConfig } from './retention/retention-config.ts';

/** Where the endpoint keeps its rows: the embedded SQLite file, or a PostgreSQL database. */
export type StoreOption = 'sqlite' | { databaseUrl: string };

/** Where artifact blobs live (see {@link SyncOptions.blobStore}). */
export type BlobStoreOption = 'files' | 'database';

/** An Ed25519 key pair (base64url, as `generateSigningKeyPair()` makes) that signs `index.json`. */
export interface IndexKey {
  publicKey: string;
  privateKey: string;
}

/** Everything {@link resolveSyncConfig} accepts; each field overrides its environment variable. */
export interface SyncOptions {
  /** @defaultValue `HOST` or `'127.0.0.1'` */
  host?: string;
  /** `0` picks a free port. @defaultValue `PORT` or `8787` */
  port?: number;
  /** SQLite file and, with `blobStore: 'files'`, the content-addressed artifacts. @defaultValue `DATA_DIR` or `'./data'` */
  dataDir?: string;
  /** @defaultValue `{ databaseUrl: DATABASE_URL }` when that is set, else `'sqlite'` */
  store?: StoreOption;
  /**
   * Where artifact blobs live: `files` (`DATA_DIR/blobs`) or `database` (PostgreSQL's
   * `blobs` table: replicas keep nothing on disk; PostgreSQL only).
   * @defaultValue `SYNC_BLOB_STORE`, else `database` on PostgreSQL and `files` on SQLite
   */
  blobStore?: BlobStoreOption;
  /** @defaultValue `SYNC_ADMIN_TOKENS` (required) */
  adminTokens?: readonly string[];
  /** @defaultValue `SYNC_APP_TOKENS` (required) */
  appTokens?: readonly string[];
  /** @defaultValue `SYNC_PUBLISHER_KEYS` (required) */
  publisherKeys?: readonly string[];
  /** @defaultValue `SYNC_CORS_ORIGINS` or none */
  corsOrigins?: readonly string[];
  /** @defaultValue `SYNC_INDEX_TTL_SECONDS` or `86400` */
  indexTtlSeconds?: number;
  /** @defaultValue the `{ publicKey, privateKey }` JSON file named by `SYNC_INDEX_KEY`, or unsigned */
  indexKey?: IndexKey;
  /** Requests per minute per bearer token on `/v1` routes. @defaultValue `SYNC_RATE_LIMIT_PER_MINUTE` or `120000` */
  rateLimitPerMinute?: number;
  /** Requests per minute per client IP on `/v1` routes. @defaultValue `SYNC_RATE_LIMIT_PER_IP_PER_MINUTE` or `120000` */
  rateLimitPerIpPerMinute?: number;
  /**
   * SQLite `synchronous` pragma. `full` syncs the WAL at every commit (survives power
   * loss); `normal` survives a killed process but not a power cut. Commits are grouped,
   * so `full` costs one fsync per group, not per batch.
   * @defaultValue `SYNC_SQLITE_SYNCHRONOUS` or `'full'`
   */
  sqliteSynchronous?: 'full' | 'normal';
  /** PostgreSQL pool size. @defaultValue `SYNC_PG_POOL_SIZE` or `10` */
  pgPoolSize?: number;
  /** Trust `X-Forwarded-For` (behind a reverse proxy). @defaultValue `SYNC_TRUST_PROXY === 'true'` */
  trustProxy?: boolean;
  /** Log requests (pino, JSON lines on stdout). @defaultValue `SYNC_LOG === 'true'` */
  logger?: boolean;
  /** The per-batch telemetry limits (docs/SYNC-API.md, "Telemetry"). @defaultValue {@link DEFAULT_TELEMETRY_LIMITS}, each overridable by its variable */
  telemetryLimits?: Partial<TelemetryLimits>;
  /**
   * Examples one model's feedback dataset may hold (docs/SYNC-API.md, "Feedback"); a batch
   * that would store more is refused with `FEEDBACK_FULL`.
   * @defaultValue `SYNC_FEEDBACK_MAX_EXAMPLES_PER_MODEL` or {@link DEFAULT_FEEDBACK_MAX_EXAMPLES_PER_MODEL}
   */
  feedbackMaxExamplesPerModel?: number;
  /** The server's socket timeouts (docs/SYNC-API.md, "Limits"). @defaultValue {@link DEFAULT_TIMEOUTS}, each overridable by its variable */
  timeouts?: Partial<ServerTimeouts>;
  /** Drift statistics, alerts and webhooks (docs/SYNC-API.md, "Drift and alerts"). @defaultValue {@link DEFAULT_DRIFT_CONFIG}, each overridable by its variable */
  drift?: Partial<DriftConfig>;
  /** Retraining jobs (docs/SYNC-API.md, "Retraining jobs"). @defaultValue {@link DEFAULT_RETRAIN_CONFIG}, each overridable by its variable */
  retrain?: Partial<RetrainConfig>;
  /** How long finished jobs and model events are kept (docs/SYNC-API.md, "Retention"). @defaultValue {@link DEFAULT_RETENTION_CONFIG}, each overridable by its variable */
  retention?: Partial<RetentionConfig>;
}

/**
 * What one telemetry batch may make the store write: the aggregate cells a batch
 * creates grow with hours × signals × bins, not with its bytes, so they are bounded
 * on their own.
 */
export interface TelemetryLimits {
  /** Distinct UTC hours (of `windowStart`) in one batch. `SYNC_TELEMETRY_MAX_HOURS_PER_BATCH` */
  readonly maxHoursPerBatch: number;
  /** Signal bins of one event, summed over its signals. `SYNC_TELEMETRY_MAX_BINS_PER_EVENT` */
  readonly maxBinsPerEvent: number;
  /** Aggregate cells (rows to insert or add to) one batch sums into. `SYNC_TELEMETRY_MAX_CELLS_PER_BATCH` */
  readonly maxCellsPerBatch: number;
}

/** The defaults of {@link TelemetryLimits}. */
export const DEFAULT_TELEMETRY_LIMITS: TelemetryLimits = Object.freeze({ maxHoursPerBatch: 24, maxBinsPerEvent: 4096, maxCellsPerBatch: 20_000 });

/** The default of {@link SyncOptions.feedbackMaxExamplesPerModel}: 100,000 examples (MNIST-sized inputs: about 300 MB as float32). */
export const DEFAULT_FEEDBACK_MAX_EXAMPLES_PER_MODEL = 100_000;

/** How long the server waits for a client (milliseconds). */
export interface ServerTimeouts {
  /** From connection (or the previous response) to the end of the request headers. `SYNC_HEADERS_TIMEOUT_MS` */
  readonly headersMs: number;
  /** From connection to the end of the request body; at most this long to send a whole request. `SYNC_REQUEST_TIMEOUT_MS` */
  readonly requestMs: number;
  /** A socket with no traffic either way for this long is closed. `SYNC_IDLE_TIMEOUT_MS` */
  readonly idleMs: number;
  /** An idle keep-alive connection is closed after this long. `SYNC_KEEP_ALIVE_TIMEOUT_MS` */
  readonly keepAliveMs: number;
}

/**
 * The defaults of {@link ServerTimeouts}: 60 s for a request lets a 64 MiB publish
 * through at ≥ 1.2 MB/s, while a trickled or never-sent body is cut off within a minute.
 */
export const DEFAULT_TIMEOUTS: ServerTimeouts = Object.freeze({ headersMs: 10_000, requestMs: 60_000, idleMs: 30_000, keepAliveMs: 5_000 });

/** The resolved, frozen configuration every part of the endpoint is built from. */
export interface SyncConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly store: Readonly<StoreOption>;
  readonly blobStore: BlobStoreOption;
  readonly adminTokens: readonly string[];
  readonly appTokens: readonly string[];
  readonly publisherKeys: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly indexTtlSeconds: number;
  readonly indexKey: Readonly<IndexKey> | undefined;
  readonly rateLimitPerMinute: number;
  readonly rateLimitPerIpPerMinute: number;
  readonly sqliteSynchronous: 'full' | 'normal';
  readonly pgPoolSize: number;
  readonly trustProxy: boolean;
  readonly logger: boolean;
  readonly telemetryLimits: TelemetryLimits;
  readonly feedbackMaxExamplesPerModel: number;
  readonly timeouts: ServerTimeouts;
  readonly drift: DriftConfig;
  readonly retrain: RetrainConfig;
  readonly retention: RetentionConfig;
}

type Source = Record<string, unknown>;

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new SyncError('CONFIG_INVALID', message, { details });
}

/** A value from the environment or the config file, as given (string, number, array…). */
function pick(env: Source, file: Source, name: string): unknown {
  const value = env[name];
  return value === undefined || value === '' ? file[name] : value;
}

function list(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : invalid(`${name} must be a comma-separated string or an array of strings`);
  return items.map((item, i) => {
    if (typeof item !== 'string') invalid(`${name}[${i}] must be a string`, { name });
    return item.trim();
  }).filter((item) => item.length > 0);
}

function integer(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) invalid(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`, { name });
  return n;
}

function flag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === true || value === 'true' || value === '1';
}

function readJsonFile(path: string, what: string): Source {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SyncError('CONFIG_INVALID', `${what} ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not a JSON object');
    return value as Source;
  } catch (cause) {
    throw new SyncError('CONFIG_INVALID', `${what} ${path} is not a JSON object: ${(cause as Error).message}`, { cause });
  }
}

function checkTokens(tokens: string[] | undefined, name: string): string[] {
  if (tokens === undefined || tokens.length === 0) {
    invalid(`${name} is required: set it to a comma-separated list of bearer tokens (e.g. from \`openssl rand -hex 32\`)`, { name });
  }
  tokens.forEach((token) => {
    if (!/^[\x21-\x7e]{1,512}$/.test(token)) invalid(`${name} holds a token with spaces, control or non-ASCII characters; tokens are printable ASCII, at most 512 characters`, { name });
  });
  return tokens;
}

function checkPublicKey(key: string, name: string): void {
  let raw: Uint8Array;
  try {
    raw = decodeBase64Url(key);
  } catch (cause) {
    throw new SyncError('CONFIG_INVALID', `${name} holds "${key.slice(0, 12)}…", which is not base64url; use the publicKey of generateSigningKeyPair()`, { cause });
  }
  if (raw.byteLength !== 32) invalid(`${name} holds a key of ${raw.byteLength} bytes; an Ed25519 public key is 32 bytes (base64url)`, { name });
}

function checkOrigin(origin: string): void {
  if (origin === '*') invalid('SYNC_CORS_ORIGINS must list origins; "*" is not allowed');
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    invalid(`SYNC_CORS_ORIGINS holds "${origin}", which is not an origin such as https://app.example.com`);
  }
  if (parsed.origin !== origin) invalid(`SYNC_CORS_ORIGINS holds "${origin}"; write the bare origin "${parsed.origin}"`);
}

function indexKeyFrom(value: unknown, where: string): IndexKey {
  const o = value as Partial<IndexKey> | null;
  if (typeof o !== 'object' || o === null || typeof o.publicKey !== 'string' || typeof o.privateKey !== 'string') {
    invalid(`${where} must hold { "publicKey": "…", "privateKey": "…" } (base64url, from generateSigningKeyPair())`);
  }
  checkPublicKey(o.publicKey, `${where}.publicKey`);
  return { publicKey: o.publicKey, privateKey: o.privateKey };
}

/**
 * Resolves the endpoint's configuration. Options win over the environment, the
 * environment over the `SYNC_CONFIG` JSON file (whose keys are the environment
 * variable names), and that over the defaults.
 *
 * @throws SyncError `CONFIG_INVALID` naming the missing or malformed setting.
 */
export function resolveSyncConfig(options: SyncOptions = {}, env: Record<string, string | undefined> = process.env): SyncConfig {
  const file = env.SYNC_CONFIG ? readJsonFile(env.SYNC_CONFIG, 'SYNC_CONFIG file') : {};
  const get = (name: string) => pick(env, file, name);

  const adminTokens = checkTokens(options.adminTokens ? [...options.adminTokens] : list(get('SYNC_ADMIN_TOKENS'), 'SYNC_ADMIN_TOKENS'), 'SYNC_ADMIN_TOKENS');
  const appTokens = checkTokens(options.appTokens ? [...options.appTokens] : list(get('SYNC_APP_TOKENS'), 'SYNC_APP_TOKENS'), 'SYNC_APP_TOKENS');
  const shared = adminTokens.filter((token) => appTokens.includes(token));
  if (shared.length > 0) invalid('a token is both in SYNC_ADMIN_TOKENS and SYNC_APP_TOKENS; give devices their own tokens');

  const publisherKeys = options.publisherKeys ? [...options.publisherKeys] : list(get('SYNC_PUBLISHER_KEYS'), 'SYNC_PUBLISHER_KEYS');
  if (publisherKeys === undefined || publisherKeys.length === 0) {
    invalid('SYNC_PUBLISHER_KEYS is required: the base64url Ed25519 public keys whose package signatures are accepted');
  }
  publisherKeys.forEach((key) => checkPublicKey(key, 'SYNC_PUBLISHER_KEYS'));

  const corsOrigins = options.corsOrigins ? [...options.corsOrigins] : (list(get('SYNC_CORS_ORIGINS'), 'SYNC_CORS_ORIGINS') ?? []);
  corsOrigins.forEach(checkOrigin);

  let indexKey: IndexKey | undefined;
  if (options.indexKey !== undefined) indexKey = indexKeyFrom(options.indexKey, 'indexKey');
  else {
    const keyFile = get('SYNC_INDEX_KEY');
    if (typeof keyFile === 'string') indexKey = indexKeyFrom(readJsonFile(keyFile, 'SYNC_INDEX_KEY file'), `SYNC_INDEX_KEY file ${keyFile}`);
    else if (keyFile !== undefined) indexKey = indexKeyFrom(keyFile, 'SYNC_INDEX_KEY');
  }

  const databaseUrl = get('DATABASE_URL');
  let store: StoreOption = options.store ?? (typeof databaseUrl === 'string' && databaseUrl !== '' ? { databaseUrl } : 'sqlite');
  if (store !== 'sqlite') {
    if (typeof store !== 'object' || typeof store.databaseUrl !== 'string' || !/^postgres(ql)?:\/\//.test(store.databaseUrl)) {
      invalid('store must be "sqlite" or { databaseUrl: "postgres://…" } (DATABASE_URL)');
    }
    store = Object.freeze({ databaseUrl: store.databaseUrl });
  }

  const blobStore = options.blobStore ?? get('SYNC_BLOB_STORE') ?? (store === 'sqlite' ? 'files' : 'database');
  if (blobStore !== 'files' && blobStore !== 'database') invalid(`SYNC_BLOB_STORE must be "files" or "database" (got ${JSON.stringify(blobStore)})`);
  if (blobStore === 'database' && store === 'sqlite') invalid('SYNC_BLOB_STORE "database" needs PostgreSQL (DATABASE_URL); on SQLite, blobs are files under DATA_DIR');

  const synchronous = options.sqliteSynchronous ?? get('SYNC_SQLITE_SYNCHRONOUS') ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') invalid(`SYNC_SQLITE_SYNCHRONOUS must be "full" or "normal" (got ${JSON.stringify(synchronous)})`);

  const host = options.host ?? get('HOST') ?? '127.0.0.1';
  if (typeof host !== 'string') invalid('HOST must be a string');
  const dataDir = options.dataDir ?? get('DATA_DIR') ?? './data';
  if (typeof dataDir !== 'string') invalid('DATA_DIR must be a string');

  const limits = options.telemetryLimits ?? {};
  const telemetryLimits: TelemetryLimits = Object.freeze({
    maxHoursPerBatch: limits.maxHoursPerBatch ?? integer(get('SYNC_TELEMETRY_MAX_HOURS_PER_BATCH'), 'SYNC_TELEMETRY_MAX_HOURS_PER_BATCH', 1, 10_000) ?? DEFAULT_TELEMETRY_LIMITS.maxHoursPerBatch,
    maxBinsPerEvent: limits.maxBinsPerEvent ?? integer(get('SYNC_TELEMETRY_MAX_BINS_PER_EVENT'), 'SYNC_TELEMETRY_MAX_BINS_PER_EVENT', 1, 65_536) ?? DEFAULT_TELEMETRY_LIMITS.maxBinsPerEvent,
    maxCellsPerBatch: limits.maxCellsPerBatch ?? integer(get('SYNC_TELEMETRY_MAX_CELLS_PER_BATCH'), 'SYNC_TELEMETRY_MAX_CELLS_PER_BATCH', 1, 10_000_000) ?? DEFAULT_TELEMETRY_LIMITS.maxCellsPerBatch,
  });
  const t = options.timeouts ?? {};
  const ms = (value: number | undefined, name: string, fallback: number): number => value ?? integer(get(name), name, 1, 3_600_000) ?? fallback;
  const timeouts: ServerTimeouts = Object.freeze({
    headersMs: ms(t.headersMs, 'SYNC_HEADERS_TIMEOUT_MS', DEFAULT_TIMEOUTS.headersMs),
    requestMs: ms(t.requestMs, 'SYNC_REQUEST_TIMEOUT_MS', DEFAULT_TIMEOUTS.requestMs),
    idleMs: ms(t.idleMs, 'SYNC_IDLE_TIMEOUT_MS', DEFAULT_TIMEOUTS.idleMs),
    keepAliveMs: ms(t.keepAliveMs, 'SYNC_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_TIMEOUTS.keepAliveMs),
  });
  const feedbackMaxExamplesPerModel =
    options.feedbackMaxExamplesPerModel ?? integer(get('SYNC_FEEDBACK_MAX_EXAMPLES_PER_MODEL'), 'SYNC_FEEDBACK_MAX_EXAMPLES_PER_MODEL', 1, 1e9) ?? DEFAULT_FEEDBACK_MAX_EXAMPLES_PER_MODEL;
  for (const [key, value] of [...Object.entries(telemetryLimits), ...Object.entries(timeouts), ['feedbackMaxExamplesPerModel', feedbackMaxExamplesPerModel] as const]) {
    if (!Number.isInteger(value) || value < 1) invalid(`${key} must be a positive integer (got ${JSON.stringify(value)})`);
  }
  if (timeouts.headersMs > timeouts.requestMs) invalid(`SYNC_HEADERS_TIMEOUT_MS (${timeouts.headersMs}) must not exceed SYNC_REQUEST_TIMEOUT_MS (${timeouts.requestMs})`);

  return Object.freeze({
    host,
    port: options.port ?? integer(get('PORT'), 'PORT', 0, 65535) ?? 8787,
    dataDir: resolve(dataDir),
    store,
    blobStore,
    adminTokens: Object.freeze(adminTokens),
    appTokens: Object.freeze(appTokens),
    publisherKeys: Object.freeze(publisherKeys),
    corsOrigins: Object.freeze(corsOrigins),
    indexTtlSeconds: options.indexTtlSeconds ?? integer(get('SYNC_INDEX_TTL_SECONDS'), 'SYNC_INDEX_TTL_SECONDS', 60, 366 * 86400) ?? 86400,
    indexKey: indexKey && Object.freeze(indexKey),
    rateLimitPerMinute: options.rateLimitPerMinute ?? integer(get('SYNC_RATE_LIMIT_PER_MINUTE'), 'SYNC_RATE_LIMIT_PER_MINUTE', 1, 1e9) ?? 120_000,
    rateLimitPerIpPerMinute:
      options.rateLimitPerIpPerMinute ?? integer(get('SYNC_RATE_LIMIT_PER_IP_PER_MINUTE'), 'SYNC_RATE_LIMIT_PER_IP_PER_MINUTE', 1, 1e9) ?? 120_000,
    sqliteSynchronous: synchronous,
    pgPoolSize: options.pgPoolSize ?? integer(get('SYNC_PG_POOL_SIZE'), 'SYNC_PG_POOL_SIZE', 1, 1000) ?? 10,
    trustProxy: options.trustProxy ?? flag(get('SYNC_TRUST_PROXY')) ?? false,
    logger: options.logger ?? flag(get('SYNC_LOG')) ?? false,
    telemetryLimits,
    feedbackMaxExamplesPerModel,
    timeouts,
    drift: resolveDriftConfig(options.drift ?? {}, { get, integer, list, invalid }),
    retrain: resolveRetrainConfig(options.retrain ?? {}, { get, integer, list, invalid }),
    retention: resolveRetentionConfig(options.retention ?? {}, { get, integer, list, invalid }),
  });
}
