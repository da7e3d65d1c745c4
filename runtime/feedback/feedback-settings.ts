/**
 * Feedback options → the frozen, fully-defaulted settings the worker gets. Labelled
 * examples are kept on the device whatever the options; they leave it only when
 * `createRuntime({ feedback: { endpoint, token } })` names an endpoint AND the user chose
 * to share that example (`model.feedback(input, label, { share: true })`).
 */

/** Options of `createRuntime({ feedback })`: where shared examples go. */
export interface FeedbackOptions {
  /** Base URL of the sync endpoint; shared examples go to `<endpoint>/v1/feedback`. */
  endpoint: string;
  /** The endpoint's app token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** How long to wait before a retry after a failed send, at most. @defaultValue 300000 (5 minutes) */
  maxRetryMs?: number;
}

/** Resolved feedback settings. */
export interface FeedbackSettings {
  /** The full URL, `<endpoint>/v1/feedback`. */
  readonly url: string;
  readonly token: string;
  readonly maxRetryMs: number;
}

/** The IndexedDB database of the device's labelled examples. */
export const FEEDBACK_DB_NAME = 'edgeloop-feedback';

/**
 * Checks and defaults feedback options; `undefined` → `null` (nothing can be shared;
 * examples are still kept on the device).
 *
 * @throws {TypeError} when `endpoint` is not an http(s) URL or `token` is empty.
 * @throws {RangeError} when `maxRetryMs` is not a positive integer.
 */
export function resolveFeedbackSettings(options: FeedbackOptions | undefined, base?: string): FeedbackSettings | null {
  if (options === undefined) return null;
  let endpoint: URL;
  try {
    endpoint = new URL(options.endpoint, base);
  } catch (cause) {
    throw new TypeError(`feedback.endpoint must be the sync endpoint's URL (got ${JSON.stringify(options.endpoint)})`, { cause });
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw new TypeError(`feedback.endpoint must be an http(s) URL (got ${endpoint.protocol})`);
  if (typeof options.token !== 'string' || options.token.length === 0) throw new TypeError('feedback.token must be the endpoint app token');
  const maxRetryMs = options.maxRetryMs ?? 300_000;
  if (!Number.isInteger(maxRetryMs) || maxRetryMs < 1) throw new RangeError(`feedback.maxRetryMs must be a positive integer (got ${maxRetryMs})`);
  return Object.freeze({ url: `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}/v1/feedback`, token: options.token, maxRetryMs });
}
