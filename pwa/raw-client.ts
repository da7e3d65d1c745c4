/**
 * The main-thread side of the runtime benchmark's raw baseline (bench-raw-worker.ts):
 * tfjs / onnxruntime-web called directly, over plain postMessage.
 */
import { backendRow, type BackendId } from '../runtime/index.ts';
import type { RawJob, RawPortMessage, RawReply, RawRequest, RawSettings } from './bench-raw-worker.ts';

interface Pending {
  resolve: (reply: RawReply) => void;
  reject: (error: Error) => void;
}

/** The raw worker's main-thread side: one outstanding call at a time, on the worker's postMessage or on a MessagePort into it. */
export class RawClient {
  readonly #worker = new Worker(new URL('./bench-raw-worker.ts', import.meta.url), { type: 'module', name: 'bench-raw' });
  #pending?: Pending;
  readonly #channel = new MessageChannel();

  constructor() {
    this.#worker.addEventListener('message', (event: MessageEvent<RawReply>) => this.#settle((p) => p.resolve(event.data)));
    this.#channel.port1.addEventListener('message', (event: MessageEvent<RawReply>) => this.#settle((p) => p.resolve(event.data)));
    this.#channel.port1.start();
    this.#worker.postMessage({ type: 'port', port: this.#channel.port2 } satisfies RawPortMessage, [this.#channel.port2]);
    this.#worker.addEventListener('error', (event) => this.#settle((p) => p.reject(new Error(`raw worker error: ${event.message}`))));
  }

  /** Loads the model file at `url` on `backend`, in the raw worker (`job`: what its `job` calls do around the engine); resolves to the load time. */
  async load(backend: BackendId, url: string, settings: RawSettings, job: RawJob): Promise<number> {
    const { id, engine, device } = backendRow(backend);
    const reply = await this.#call({ type: 'load', backend: { id, engine, device }, url, settings, job });
    if (reply.type !== 'loaded') throw new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`);
    return reply.ms;
  }

  /** Runs one preprocessed input (engine only); resolves to the raw output and the worker-side engine time. */
  run(id: number, data: Float32Array, shape: number[]): Promise<{ output: Float32Array; shape: number[]; ms: number }> {
    return this.#result({ type: 'run', id, data, shape });
  }

  /** Does one raw input's whole job (preprocess, run, activate; the input is cloned, the answer transferred); resolves to the probabilities and the worker-side time. */
  job(id: number, data: Float32Array | Int32Array | Uint8Array, shape: number[]): Promise<{ output: Float32Array; shape: number[]; ms: number }> {
    return this.#result({ type: 'job', id, data, shape });
  }

  /** {@link RawClient.job} with the request and the answer on a MessagePort (as edgeloop's runtime talks) instead of the worker's own postMessage. */
  jobOverPort(id: number, data: Float32Array | Int32Array | Uint8Array, shape: number[]): Promise<{ output: Float32Array; shape: number[]; ms: number }> {
    return this.#result({ type: 'job', id, data, shape }, true);
  }

  async #result(request: Extract<RawRequest, { id: number }>, overPort = false): Promise<{ output: Float32Array; shape: number[]; ms: number }> {
    const { id } = request;
    const reply = await this.#call(request, overPort);
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'result' || reply.id !== id) throw new Error(`unexpected reply to run ${id}`);
    return reply;
  }

  /** Stops the raw worker; a pending call fails. */
  terminate(): void {
    this.#channel.port1.close();
    this.#worker.terminate();
    this.#settle((p) => p.reject(new Error('raw worker terminated')));
  }

  #call(request: RawRequest, overPort = false): Promise<RawReply> {
    if (this.#pending) return Promise.reject(new Error('the raw worker is busy'));
    return new Promise<RawReply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      (overPort ? this.#channel.port1 : this.#worker).postMessage(request);
    });
  }

  #settle(action: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) action(pending);
  }
}
