/**
 * The embed's module entry (dist-embed/edgeloop.js, for `<script type="module">` or
 * `import` from a CDN): registers `<edge-model>` and exports the runtime. The worker is
 * the build's own (`?worker&url`), found next to this module, so a copy on a CDN starts
 * it from there (through a same-origin blob, see client/start-worker.ts) and the
 * engines fetch their `.wasm` from there too.
 */
import workerUrl from '../worker/worker-entry.ts?worker&url';
import { createRuntime as createRuntimeWith, type Runtime, type RuntimeOptions } from '../client.ts';
import { defineEdgeModel } from './define-edge-model.ts';

/** The `<edge-model>` definition this script registered. */
export const edgeModel = defineEdgeModel({ workerUrl: new URL(workerUrl, import.meta.url) });

/** `createRuntime` with this build's worker (`workerUrl` defaults to it). */
export function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return createRuntimeWith({ workerUrl: new URL(workerUrl, import.meta.url), ...options });
}

export { isEdgeloopError, EdgeloopError } from '../../format/index.ts';
export type { LoadOptions, Runtime, RuntimeOptions } from '../client.ts';
export type { Model } from '../client/model-client.ts';
export type { Prediction } from '../worker/api.ts';
export * from './index.ts';
