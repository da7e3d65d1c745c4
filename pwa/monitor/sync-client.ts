/**
 * The Monitor page's client of the sync endpoint: typed reads of the registry list,
 * drift reports, alerts and the telemetry summary, and one error class whose `code`
 * says what went wrong (a token that may not read drift, an endpoint that cannot be
 * reached, an unknown model or version) with words a user can act on.
 */
import type { AlertList, DriftReport, JobList, ModelDetail, ModelList, TelemetrySummary } from './sync-types.ts';

/** What can go wrong talking to the endpoint. The HTTP ones are the endpoint's own codes (docs/SYNC-API.md, "Errors"). */
export type MonitorErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_REQUEST' | 'RATE_LIMITED' | 'UNREACHABLE' | 'BAD_RESPONSE' | 'SERVER_ERROR';

const WORDS: Readonly<Record<MonitorErrorCode, string>> = {
  UNAUTHORIZED: 'This token cannot read drift: use the endpoint’s admin token as the Monitor token in Settings.',
  FORBIDDEN: 'This token cannot read drift: use the endpoint’s admin token as the Monitor token in Settings (an app token only sends telemetry).',
  NOT_FOUND: 'The endpoint does not know this model or version (unknown model/version): pick another one.',
  BAD_REQUEST: 'The endpoint refused the question: choose a shorter time range or another device class.',
  RATE_LIMITED: 'The endpoint is busy (rate limited): wait a minute, then refresh.',
  UNREACHABLE: 'The endpoint cannot be reached (offline?). Check the connection and the sync endpoint in Settings.',
  BAD_RESPONSE: 'The endpoint’s answer is not a sync endpoint’s: check the sync endpoint URL in Settings.',
  SERVER_ERROR: 'The endpoint failed to answer: try again later.',
};

/** A failed read of the endpoint: `code` to branch on, `words` to show, `message` the detail behind them. */
export class MonitorError extends Error {
  override readonly name = 'MonitorError';
  readonly code: MonitorErrorCode;
  readonly words: string;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;

  constructor(code: MonitorErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.words = WORDS[code];
    this.status = options.status;
  }
}

function codeOfStatus(status: number, served: string | undefined): MonitorErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 400 || served === 'BAD_REQUEST') return 'BAD_REQUEST';
  return status >= 500 ? 'SERVER_ERROR' : 'BAD_RESPONSE';
}

/** A time range and, optionally, one device class. */
export interface RangeQuery {
  from: Date;
  to: Date;
  deviceClass?: string;
}

/** Reads one sync endpoint with one admin token (the settings' `syncUrl` and `monitorToken`). */
export class SyncClient {
  readonly #base: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#token = token;
  }

  /** Every published model (no token needed). */
  models(signal?: AbortSignal): Promise<ModelList> {
    return this.#get<ModelList>('/v1/models', {}, { signal, auth: false });
  }

  /** One model's versions, oldest first (no token needed). */
  model(name: string, signal?: AbortSignal): Promise<ModelDetail> {
    return this.#get<ModelDetail>(`/v1/models/${encodeURIComponent(name)}`, {}, { signal, auth: false });
  }

  /** The drift report of one version over `[from, to)`. */
  drift(name: string, version: string, range: RangeQuery, signal?: AbortSignal): Promise<DriftReport> {
    return this.#get<DriftReport>(`/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/drift`, rangeParams(range), { signal });
  }

  /** The alerts of one version (and device class), newest first. */
  alerts(name: string, version: string, options: { deviceClass?: string; signal?: AbortSignal } = {}): Promise<AlertList> {
    const params: Record<string, string> = { model: name, version };
    if (options.deviceClass) params.deviceClass = options.deviceClass;
    return this.#get<AlertList>('/v1/alerts', params, { signal: options.signal });
  }

  /** Telemetry counts per hour (latency, errors) of one version; the endpoint sums every device class. */
  summary(name: string, version: string, range: RangeQuery, signal?: AbortSignal): Promise<TelemetrySummary> {
    return this.#get<TelemetrySummary>('/v1/telemetry/summary', { model: name, version, from: range.from.toISOString(), to: range.to.toISOString() }, { signal });
  }

  /** A model's retraining jobs, newest first. */
  jobs(name: string, signal?: AbortSignal): Promise<JobList> {
    return this.#get<JobList>('/v1/jobs', { model: name, limit: '5' }, { signal });
  }

  async #get<T>(path: string, params: Record<string, string>, options: { signal?: AbortSignal; auth?: boolean }): Promise<T> {
    const url = new URL(this.#base + path);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: options.auth === false ? {} : { authorization: `Bearer ${this.#token}` },
        cache: 'no-store',
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // A refused connection, no network and a CORS refusal all look alike from a page.
      throw new MonitorError('UNREACHABLE', `${url.origin} did not answer (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MonitorError(response.ok ? 'BAD_RESPONSE' : codeOfStatus(response.status, undefined), `${url.pathname} answered ${response.status} with something that is not JSON`, { status: response.status });
    }
    if (!response.ok) {
      const served = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof served?.code === 'string' ? served.code : undefined;
      const message = typeof served?.message === 'string' ? served.message : `HTTP ${response.status}`;
      throw new MonitorError(codeOfStatus(response.status, code), `${code ?? response.status}: ${message}`, { status: response.status });
    }
    return body as T;
  }
}

function rangeParams(range: RangeQuery): Record<string, string> {
  const params: Record<string, string> = { from: range.from.toISOString(), to: range.to.toISOString() };
  if (range.deviceClass) params.deviceClass = range.deviceClass;
  return params;
}

/** Maps `items` through `fn` with at most `limit` calls in flight, keeping their order; the first failure rejects. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!, index);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
