/**
 * `createSyncServer()`: builds the endpoint (fastify) over the configured store and
 * blob store. Cross-cutting rules live here: JSON-only bodies decoded as strict
 * UTF-8, rate limits and authentication before a body is read, one error shape for
 * every rejection, request metrics, CORS for configured origins only.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hostname } from 'node:os';
import { Authenticator, bearerToken } from './auth.ts';
import type { BlobStore } from './blob-store.ts';
import { FileBlobStore } from './file-blob-store.ts';
import { resolveSyncConfig, type SyncConfig, type SyncOptions } from './config.ts';
import type { SyncContext } from './context.ts';
import { isDateTime } from './date-time.ts';
import { SyncError } from './errors.ts';
import { toSyncError } from './http-errors.ts';
import { SyncMetrics } from './metrics.ts';
import { RouteCatalog } from './openapi.ts';
import { AlertService } from './drift/alert-service.ts';
import type { JobQueue } from './jobs/job-records.ts';
import { startJobWorker, type JobWorker, type JobWorkerOptions } from './jobs/job-worker.ts';
import { registerEventRoutes } from './routes/event-routes.ts';
import { registerJobRoutes } from './routes/job-routes.ts';
import { VersionBaselines } from './drift/version-baselines.ts';
import { registerDriftRoutes } from './routes/drift-routes.ts';
import { registerFeedbackRoutes } from './routes/feedback-routes.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerRegistryApiRoutes } from './routes/registry-api-routes.ts';
import { registerRegistryStaticRoutes } from './routes/registry-static-routes.ts';
import { registerTelemetryRoutes } from './routes/telemetry-routes.ts';
import { RetentionService } from './retention/retention-service.ts';
import { PostgresStore } from './store/postgres-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/store.ts';

/** Options of {@link createSyncServer}: the config options, plus where unset ones come from. */
export interface SyncServerOptions extends SyncOptions {
  /** The environment unset options are read from. @defaultValue `process.env` */
  env?: Record<string, string | undefined>;
  /**
   * Runs a job worker in the endpoint's process (the way on SQLite; on PostgreSQL, workers
   * may also run elsewhere: `openJobQueue` + `startJobWorker`). Started by `listen()`,
   * stopped by `close()`. @defaultValue no worker
   */
  jobs?: SyncJobsOptions;
}

/** The in-process job worker of {@link SyncServerOptions.jobs}: {@link JobWorkerOptions} with a default worker id. */
export interface SyncJobsOptions extends Omit<JobWorkerOptions, 'workerId'> {
  /** @defaultValue `<hostname>:<pid>` */
  workerId?: string;
}

/** A built endpoint. */
export interface SyncServer {
  /** The fastify instance (`app.inject()` works without listening). */
  readonly app: FastifyInstance;
  readonly config: SyncConfig;
  /** The store, for tests and tools: `store.countRows()` says what was written. */
  readonly store: Store;
  /** The artifact blobs (files, or the PostgreSQL store's `blobs` table): `await blobs.count()`. */
  readonly blobs: BlobStore;
  readonly metrics: SyncMetrics;
  /** The alert machine: `alerts.kick()` judges stored windows and delivers what is due now (tests await it). */
  readonly alerts: AlertService;
  /** The job queue (on the store's database). */
  readonly jobs: JobQueue;
  /** Retention of finished jobs and old model events, started by `listen()`: `retention.run()` prunes now (tests await it). */
  readonly retention: RetentionService;
  /** The in-process job worker once `listen()` started it (`null` without `options.jobs`). */
  readonly worker: JobWorker | null;
  /** Starts listening on `config.host`/`config.port`; resolves to the base URL (`http://127.0.0.1:8787`). */
  listen(): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function openStore(config: SyncConfig): Promise<Store> {
  if (config.store === 'sqlite') return SqliteStore.open(config.dataDir, { synchronous: config.sqliteSynchronous });
  try {
    return await PostgresStore.open(config.store.databaseUrl, { poolSize: config.pgPoolSize });
  } catch (cause) {
    throw new SyncError('CONFIG_INVALID', `cannot open the PostgreSQL database of DATABASE_URL: ${(cause as Error).message}`, { cause });
  }
}

/** `database`: the PostgreSQL store's own `blobs` table (replicas keep nothing on disk); `files`: `DATA_DIR/blobs`. */
function openBlobStore(config: SyncConfig, store: Store): BlobStore {
  if (config.blobStore === 'database' && store instanceof PostgresStore) return store.blobs;
  return new FileBlobStore(config.dataDir, store);
}

function sendError(request: FastifyRequest, reply: FastifyReply, ctx: SyncContext, thrown: unknown): FastifyReply {
  const error = toSyncError(thrown);
  if (error.statusCode >= 500) request.log.error({ err: thrown }, 'request failed');
  ctx.metrics.reject(error.code);
  // The field an error is about, when it names one, so a client can tell which part of its request to fix or drop.
  const field = typeof error.details.field === 'string' ? { field: error.details.field } : {};
  return reply.code(error.statusCode).headers(error.headers).send({ error: { code: error.code, message: error.message, ...field } });
}

/**
 * Builds the endpoint: resolves the configuration, opens the store (applying
 * migrations) and registers every route. Call `listen()` to serve.
 *
 * @throws SyncError `CONFIG_INVALID` for a missing or malformed setting, or a database that cannot be opened.
 */
export async function createSyncServer(options: SyncServerOptions = {}): Promise<SyncServer> {
  const { env, jobs, ...rest } = options;
  const config = resolveSyncConfig(rest, env);
  const store = await openStore(config);
  const blobs = openBlobStore(config, store);
  const log = (message: string, error?: unknown) => console.error(`sync: ${message}:`, error);
  const alerts = new AlertService(store, config.drift, log, config.retrain.onAlert ? { maxAttempts: config.retrain.maxAttempts } : null);
  const retention = new RetentionService(store.retention, config.retention, { log });
  let worker: JobWorker | null = null;
  const ctx: SyncContext = {
    config,
    store,
    blobs,
    metrics: new SyncMetrics(),
    auth: new Authenticator(config.adminTokens, config.appTokens),
    baselines: new VersionBaselines(store, blobs),
    alerts,
    kickJobs: () => worker?.kick(),
  };

  const { timeouts } = config;
  const app = Fastify({
    logger: config.logger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 256 },
    // A client gets `headersMs` to send its headers and `requestMs` for the whole request,
    // body included (a trickled or never-sent body is cut off), and a silent socket is
    // closed after `idleMs`. Node checks the first two every `connectionsCheckingInterval`
    // (30 s by default, which would stretch a short timeout), so it is derived from them.
    connectionTimeout: timeouts.idleMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
    },
    // Bodies are validated, not repaired: no type coercion, unknown keys are errors. The
    // `date-time` format is the endpoint's own RFC 3339 parser, the one the routes read
    // times with, so whatever a schema admits the code can parse.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
      onCreate: (ajv) => ajv.addFormat('date-time', { type: 'string', validate: isDateTime }),
    },
    frameworkErrors: (error, request, reply) => {
      sendError(request, reply, ctx, error);
    },
  });
  app.addHook('onClose', async () => {
    await worker?.stop();
    await alerts.close();
    await retention.close();
    await store.close();
  });

  try {
    await configure(app, ctx);
  } catch (error) {
    await app.close();
    throw error;
  }

  return {
    app,
    config,
    store,
    blobs,
    metrics: ctx.metrics,
    alerts,
    jobs: store.jobs,
    retention,
    get worker() {
      return worker;
    },
    listen: async () => {
      const url = await app.listen({ host: config.host, port: config.port });
      alerts.start();
      retention.start();
      if (jobs !== undefined && worker === null) {
        worker = startJobWorker(store.jobs, { onError: log, ...jobs, workerId: jobs.workerId ?? `${hostname()}:${process.pid}` });
      }
      return url;
    },
    close: () => app.close(),
  };
}

async function configure(app: FastifyInstance, ctx: SyncContext): Promise<void> {
  const { config } = ctx;
  const catalog = new RouteCatalog();
  app.addHook('onRoute', catalog.collect);
  app.decorateRequest('principal', null);

  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    // Bodies are read as sent: a compressed body (or one labelled so) would be misread, so it is refused by name.
    const coding = request.headers['content-encoding'];
    if (coding !== undefined && !/^\s*identity\s*$/i.test(coding)) {
      done(new SyncError('UNSUPPORTED_MEDIA_TYPE', `the body is sent with Content-Encoding ${JSON.stringify(coding.slice(0, 40))}; send the JSON uncompressed, without a Content-Encoding`, { headers: { 'accept-encoding': 'identity' } }), undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      done(new SyncError('BAD_REQUEST', 'the body is not valid UTF-8; send UTF-8 encoded JSON'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(new SyncError('BAD_REQUEST', 'the body is empty; send a JSON document'), undefined);
      return;
    }
    jsonParser(request, text, (error, value) => {
      if (error) done(new SyncError('BAD_REQUEST', `the body is not valid JSON: ${error.message}`), undefined);
      else done(null, value);
    });
  });

  await app.register(rateLimit, { global: false, cache: 100_000 });
  const perToken = app.createRateLimit({
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `token:${Authenticator.keyOf(bearerToken(request) ?? '')}`,
  });
  const perIp = app.createRateLimit({ max: config.rateLimitPerIpPerMinute, timeWindow: 60_000, keyGenerator: (request) => `ip:${request.ip}` });

  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'If-Range', 'Range'],
      exposedHeaders: ['ETag', 'Content-Range', 'Content-Length', 'Accept-Ranges', 'Retry-After'],
      maxAge: 600,
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!request.url.startsWith('/v1/')) return;
    const limits = [perIp(request)];
    if (bearerToken(request) !== undefined) limits.push(perToken(request));
    for (const limit of await Promise.all(limits)) {
      if (!limit.isAllowed && limit.isExceeded) {
        throw new SyncError('RATE_LIMITED', `too many requests; retry in ${limit.ttlInSeconds} s`, { headers: { 'retry-after': String(limit.ttlInSeconds) } });
      }
    }
    const role = request.routeOptions.config.role;
    if (role !== undefined) request.principal = ctx.auth.authenticate(request, role);
  });
  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.request(request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, ctx, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, ctx, new SyncError('NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`)));

  registerOpsRoutes(app, ctx, catalog);
  registerRegistryApiRoutes(app, ctx);
  registerRegistryStaticRoutes(app, ctx);
  registerTelemetryRoutes(app, ctx);
  registerDriftRoutes(app, ctx);
  registerFeedbackRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  await app.ready();
}
