/**
 * A small HTTP client for the endpoint's tests, on `node:http` rather than `fetch`:
 * `fetch` normalises URLs (`/a/../b` → `/b`, `%2e%2e` → `..`), so path-traversal
 * cases would never reach the server as written. Paths go on the wire unchanged.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** Options of {@link request}. */
export interface RequestOptions {
  /** @defaultValue 'GET' */
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Serialised as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Raw body (takes precedence over `json`); set the content type in `headers`. */
  body?: string | Uint8Array;
  headers?: OutgoingHttpHeaders;
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

/** A response, body read in full. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The parsed body when it is JSON, else `undefined`. */
  json: any;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Sends one request to `baseUrl` + `path` (the path exactly as given). */
export function request(baseUrl: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const url = new URL(baseUrl);
  const headers: OutgoingHttpHeaders = {};
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) body = options.body;
  else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, method: options.method ?? 'GET', path, headers, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          const text = buffer.toString('utf8');
          let json: unknown;
          if (/json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined; // a compressed or truncated body; tests that care read `body`
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
