/**
 * The retraining worker's view of the sync endpoint, over HTTP with an admin token (a
 * worker may run on another machine than the endpoint): the model's versions and
 * aliases, a published package (signature and every file checked), the model's feedback
 * dataset, publishing a version, moving an alias and recording a decision in the model's
 * audit log. Every refusal is a coded error.
 */
import { decodeBase64, parseManifest, verifyFileBytes, verifyManifestSignature, type Manifest } from '../../format/index.ts';
import { LoopError } from '../loop-error.ts';

/** One labelled example of the endpoint's feedback dataset. */
export interface FeedbackRow {
  id: string;
  version: string;
  label: string;
  shape: number[];
  dtype: 'uint8' | 'float32';
  data: string;
}

/** The parts of `GET …/versions/:version/drift` the loop reads. */
export interface DriftReport {
  windows: { total: number; drift: number; ok: number; insufficientData: number };
  signals: Array<{ name: string; edges: number[]; field: number[] }>;
}

/** The parts of `GET /v1/telemetry/summary` the loop reads. */
export interface TelemetrySummary {
  buckets: Array<{ deviceClasses: Record<string, number>; predictions: Record<string, number>; latencyMs: Array<{ edges: number[]; counts: number[] }>; errors: Record<string, number> }>;
}

/** A published package held in memory. */
export interface FetchedPackage {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  files: Map<string, Uint8Array>;
}

/** What {@link EndpointClient.model} answers. */
export interface ModelInfo {
  name: string;
  versions: Array<{ version: string; publishedAt: string }>;
  aliases: Array<{ alias: string; version: string; canary?: { version: string; percent: number } | null }>;
}

/** A decision to record in a model's audit log (`POST /v1/models/:name/events`). */
export interface LoopEvent {
  kind: 'canary-decision';
  /** The version the decision is about (a canary: its version). */
  version?: string;
  details: { action: 'promote' | 'rollback' | 'wait'; [key: string]: unknown };
}

/** An event as the endpoint stored it. */
export interface RecordedEvent {
  id: number;
  model: string;
  kind: string;
  version: string | null;
  at: string;
  by: string;
  details: Record<string, unknown>;
}

/** An admin client of one endpoint. */
export class EndpointClient {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(endpoint: string, adminToken: string, fetchImpl: typeof fetch = fetch) {
    this.#base = endpoint.replace(/\/+$/, '');
    this.#token = adminToken;
    this.#fetch = fetchImpl;
  }

  /**
   * One request. A request that can be repeated safely (any but POST) is tried again
   * twice on a network error (not on an HTTP answer): a kept-alive connection the server
   * closed while this process was busy training fails the first write with ECONNRESET.
   */
  async #call(path: string, init: RequestInit = {}): Promise<Response> {
    const tries = (init.method ?? 'GET') === 'POST' ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fetch(`${this.#base}${path}`, { ...init, headers: { authorization: `Bearer ${this.#token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
      } catch (cause) {
        if (attempt >= tries) throw new LoopError('ENDPOINT_UNREACHABLE', `could not reach the sync endpoint at ${this.#base}${path}: ${(cause as Error).message}`, { cause });
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async #json<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await this.#call(path, init);
    const text = await response.text();
    if (!response.ok) {
      let code = `HTTP_${response.status}`;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
      } catch {
        // not JSON: keep the status
      }
      throw new LoopError('ENDPOINT_REFUSED', `${init?.method ?? 'GET'} ${path} answered ${response.status} ${code}: ${text.slice(0, 300)}`, { details: { status: response.status, code } });
    }
    return JSON.parse(text) as T;
  }

  /** The model's versions and aliases. */
  model(name: string): Promise<ModelInfo> {
    return this.#json(`/v1/models/${encodeURIComponent(name)}`);
  }

  /** The signed manifest of `name@version` (signature checked), without its files. */
  async manifest(name: string, version: string, trustedKeys: readonly string[]): Promise<Manifest> {
    const folder = `/registry/${encodeURIComponent(name)}/${encodeURIComponent(version)}/`;
    const [manifestBytes, signature] = await Promise.all(['manifest.json', 'manifest.sig'].map((file) => this.#bytes(`${folder}${file}`)));
    await verifyManifestSignature(manifestBytes!, signature, trustedKeys);
    return parseManifest(manifestBytes!);
  }

  async #bytes(path: string): Promise<Uint8Array> {
    const response = await this.#call(path);
    if (!response.ok) throw new LoopError('ENDPOINT_REFUSED', `GET ${path} answered ${response.status}`, { details: { status: response.status } });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Downloads `name@version` from the endpoint's registry; the signature must be by one of `trustedKeys`, every file must match its SHA-256. */
  async package(name: string, version: string, trustedKeys: readonly string[]): Promise<FetchedPackage> {
    const folder = `/registry/${encodeURIComponent(name)}/${encodeURIComponent(version)}/`;
    const bytes = (path: string) => this.#bytes(`${folder}${path}`);
    const manifestBytes = await bytes('manifest.json');
    await verifyManifestSignature(manifestBytes, await bytes('manifest.sig'), trustedKeys);
    const manifest = parseManifest(manifestBytes);
    const files = new Map<string, Uint8Array>();
    for (const artifact of manifest.artifacts) {
      for (const file of artifact.files) {
        const data = await bytes(file.path);
        await verifyFileBytes(file, data, { url: `${this.#base}${folder}${file.path}` });
        files.set(file.path, data);
      }
    }
    return { manifest, manifestBytes, files };
  }

  /** Every example of the model's feedback dataset (all pages). */
  async feedback(name: string): Promise<FeedbackRow[]> {
    const rows: FeedbackRow[] = [];
    let after: string | null = null;
    do {
      const query: string = after === null ? '?limit=1000' : `?limit=1000&after=${encodeURIComponent(after)}`;
      const page: { next: string | null; examples: FeedbackRow[] } = await this.#json(`/v1/models/${encodeURIComponent(name)}/feedback${query}`);
      rows.push(...page.examples);
      after = page.next;
    } while (after !== null);
    return rows;
  }

  /** Publishes a signed package (files by path); resolves to 'created' or 'existed' (the same bytes were there). */
  async publish(name: string, version: string, pkg: { manifestBytes: Uint8Array; signature: Uint8Array; files: ReadonlyMap<string, Uint8Array> }): Promise<'created' | 'existed'> {
    const body = JSON.stringify({
      manifest: Buffer.from(pkg.manifestBytes).toString('base64'),
      signature: Buffer.from(pkg.signature).toString('base64'),
      files: Object.fromEntries([...pkg.files].map(([path, data]) => [path, Buffer.from(data).toString('base64')])),
    });
    const response = await this.#call(`/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, { method: 'PUT', body });
    if (response.status === 201) return 'created';
    if (response.status === 200) return 'existed';
    throw new LoopError('ENDPOINT_REFUSED', `publishing ${name}@${version} answered ${response.status}: ${(await response.text()).slice(0, 300)}`, { details: { status: response.status } });
  }

  /** When the alias last moved (newest first), and to what. */
  async aliasHistory(name: string, alias: string): Promise<Array<{ version: string; canary: { version: string; percent: number } | null; at: string }>> {
    return (await this.#json<{ history: Array<{ version: string; canary: { version: string; percent: number } | null; at: string }> }>(`/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/history`)).history;
  }

  /** The drift report of a version over [from, to), for one device class or all. */
  drift(name: string, version: string, range: { from: Date; to: Date; deviceClass?: string }): Promise<DriftReport> {
    const query = new URLSearchParams({ from: range.from.toISOString(), to: range.to.toISOString(), ...(range.deviceClass ? { deviceClass: range.deviceClass } : {}) });
    return this.#json(`/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/drift?${query}`);
  }

  /** Telemetry counts of a version per hour over [from, to). */
  summary(name: string, version: string, range: { from: Date; to: Date }): Promise<TelemetrySummary> {
    const query = new URLSearchParams({ model: name, version, from: range.from.toISOString(), to: range.to.toISOString() });
    return this.#json(`/v1/telemetry/summary?${query}`);
  }

  /** Records a decision in the model's audit log; resolves to the stored event. */
  async recordEvent(name: string, event: LoopEvent): Promise<RecordedEvent> {
    return (await this.#json<{ event: RecordedEvent }>(`/v1/models/${encodeURIComponent(name)}/events`, { method: 'POST', body: JSON.stringify(event) })).event;
  }

  /** The model's audit log, newest first (one page; pass `next` as `before` for the next). */
  events(name: string, options: { kind?: string; before?: string; limit?: number } = {}): Promise<{ events: RecordedEvent[]; next: string | null }> {
    const query = new URLSearchParams({
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.before ? { before: options.before } : {}),
      ...(options.limit ? { limit: String(options.limit) } : {}),
    });
    return this.#json(`/v1/models/${encodeURIComponent(name)}/events?${query}`);
  }

  /**
   * Points `alias` at `version`, with a canary split or none. With `expect`, only when the
   * alias is still that: resolves to false (nothing changed) when it has moved since.
   */
  async setAlias(name: string, alias: string, body: { version: string; canary?: { version: string; percent: number } | null; expect?: { version: string; canary: { version: string; percent: number } | null } }): Promise<boolean> {
    try {
      await this.#json(`/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`, { method: 'PUT', body: JSON.stringify(body) });
      return true;
    } catch (error) {
      if (body.expect && error instanceof LoopError && error.details?.status === 409) return false;
      throw error;
    }
  }
}

/** A feedback row's input as model input values (float32 rows as stored; uint8 scaled to 0..1). */
export function feedbackInput(row: FeedbackRow): Float32Array {
  const bytes = decodeBase64(row.data);
  if (row.dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return Float32Array.from(bytes, (v) => v / 255);
}
