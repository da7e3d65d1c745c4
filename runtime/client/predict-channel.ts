/**
 * The page side of the predict fast path (runtime/worker/predict-wire.ts): requests go
 * out on the runtime's port as plain messages, answers come back matched by `seq`.
 */
import { EdgeloopError } from '../../format/index.ts';
import type { WireInput } from '../worker/api.ts';
import { deserializeError, isPredictReply, type PackedPrediction, type PredictRequest } from '../worker/predict-wire.ts';

interface Pending {
  resolve: (packed: PackedPrediction) => void;
  reject: (error: unknown) => void;
}

/** One per runtime, over the port comlink also uses (so calls keep their order with comlink's). */
export class PredictChannel {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closed = false;
  readonly #onMessage = (event: MessageEvent<unknown>): void => {
    const reply = event.data;
    if (!isPredictReply(reply)) return;
    const pending = this.#pending.get(reply.seq);
    if (!pending) return;
    this.#pending.delete(reply.seq);
    if ('error' in reply) pending.reject(deserializeError(reply.error));
    else pending.resolve(reply);
  };

  constructor(port: MessagePort) {
    this.#port = port;
    port.addEventListener('message', this.#onMessage);
    port.start();
  }

  /** Runs `model` on `input` in the worker; `transfer` lists the input buffers handed over. */
  call(model: string, input: WireInput, transfer: Transferable[]): Promise<PackedPrediction> {
    if (this.#closed) return Promise.reject(disposed());
    const seq = ++this.#seq;
    return new Promise<PackedPrediction>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      try {
        this.#port.postMessage({ edgeloop: 'predict', seq, model, input } satisfies PredictRequest, transfer);
      } catch (error) {
        // e.g. DataCloneError: the input cannot cross.
        this.#pending.delete(seq);
        reject(error);
      }
    });
  }

  /** Stops listening; calls still waiting fail with `RUNTIME_DISPOSED` (the worker is going). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.removeEventListener('message', this.#onMessage);
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of waiting) pending.reject(disposed());
  }
}

function disposed(): EdgeloopError {
  return new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
}
