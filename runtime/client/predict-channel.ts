/**
 * The page side of the runtime worker's channel (runtime/worker/predict-wire.ts): the
 * hot call's requests go out on the worker's own `postMessage` as plain messages and
 * their answers come back matched by `seq`; every other message the worker sends goes
 * to comlink, through {@link PredictChannel.endpoint}.
 */
import { EdgeloopError } from '../../format/index.ts';
import type { WireInput } from '../worker/api.ts';
import { ComlinkEndpoint, deserializeError, isPredictReply, type InitMessage, type PackedPrediction, type PredictRequest } from '../worker/predict-wire.ts';

interface Pending {
  resolve: (packed: PackedPrediction) => void;
  reject: (error: unknown) => void;
}

/** The runtime worker, as the channel uses it. */
export type RuntimeWorker = Pick<Worker, 'postMessage' | 'addEventListener' | 'removeEventListener'>;

/** One per runtime: the one listener on its worker (so the hot call keeps its order with comlink's calls). */
export class PredictChannel {
  readonly #worker: RuntimeWorker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closed = false;
  /** What comlink wraps: it posts on the worker and gets every message that is not a prediction. */
  readonly endpoint: ComlinkEndpoint;
  readonly #onMessage = (event: MessageEvent<unknown>): void => {
    const reply = event.data;
    if (!isPredictReply(reply)) {
      this.endpoint.deliver(event);
      return;
    }
    const pending = this.#pending.get(reply.seq);
    if (!pending) return;
    this.#pending.delete(reply.seq);
    if ('error' in reply) pending.reject(deserializeError(reply.error));
    else pending.resolve(reply);
  };

  /** Starts `worker`'s runtime with `init` (before any other message) and listens to it. */
  constructor(worker: RuntimeWorker, init: InitMessage) {
    this.#worker = worker;
    this.endpoint = new ComlinkEndpoint((message, transfer) => worker.postMessage(message, transfer));
    worker.addEventListener('message', this.#onMessage);
    worker.postMessage(init);
  }

  /** Runs `model` on `input` in the worker; `transfer` lists the input buffers handed over. */
  call(model: string, input: WireInput, transfer: Transferable[]): Promise<PackedPrediction> {
    if (this.#closed) return Promise.reject(disposed());
    const seq = ++this.#seq;
    return new Promise<PackedPrediction>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      try {
        this.#worker.postMessage({ edgeloop: 'predict', seq, model, input } satisfies PredictRequest, transfer);
      } catch (error) {
        // e.g. DataCloneError: the input cannot cross.
        this.#pending.delete(seq);
        reject(error);
      }
    });
  }

  /** Stops listening (comlink too: the worker is going); calls still waiting fail with `RUNTIME_DISPOSED`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.removeEventListener('message', this.#onMessage);
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of waiting) pending.reject(disposed());
  }
}

function disposed(): EdgeloopError {
  return new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
}
