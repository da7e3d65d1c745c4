/**
 * The main-thread side of the runtime benchmark's raw baseline (bench-raw-worker.ts):
 * tfjs / onnxruntime-web called directly, over plain postMessage.
 */
import { backendRow, type BackendId } from '../runtime/index.ts';
import type { RawReply, RawRequest, RawSettings } from './bench-raw-worker.ts';

interface Pending {
  resolve: (reply: RawReply) => void;
  reject: (error: Error) => void;
}

/** The raw worker's main-thread side: one outstanding call at a time. */
export class RawClient {
  readonly #worker = new Worker(new URL('./bench-raw-worker.ts', import.meta.url), { type: 'module', name: 'bench-raw' });
  #pending?: Pending;

  constructor() {
    this.#worker.addEventListener('message', (event: MessageEvent<RawReply>) => this.#settle((p) => p.resolve(event.data)));
    this.#worker.addEventListener('error', (event) => this.#settle((p) => p.reject(new Error(`raw worker error: ${event.message}`))));
  }

  /** Loads the model file at `url` on `backend`, in the raw worker; resolves to the load time. */
  async load(backend: BackendId, url: string, settings: RawSettings): Promise<number> {
    const { id, engine, device } = backendRow(backend);
    const reply = await this.#call({ type: 'load', backend: { id, engine, device }, url, settings });
    if (reply.type !== 'loaded') throw new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`);
    return reply.ms;
  }

  /** Runs one input; resolves to the output and the worker-side engine time. */
  async run(id: number, data: Float32Array, shape: number[]): Promise<{ output: Float32Array; shape: number[]; ms: number }> {
    const reply = await this.#call({ type: 'run', id, data, shape });
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'result' || reply.id !== id) throw new Error(`unexpected reply to run ${id}`);
    return reply;
  }

  /** Stops the raw worker; a pending call fails. */
  terminate(): void {
    this.#worker.terminate();
    this.#settle((p) => p.reject(new Error('raw worker terminated')));
  }

  #call(request: RawRequest): Promise<RawReply> {
    if (this.#pending) return Promise.reject(new Error('the raw worker is busy'));
    return new Promise<RawReply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(request);
    });
  }

  #settle(action: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) action(pending);
  }
}
