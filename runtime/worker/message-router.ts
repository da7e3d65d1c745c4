/**
 * The runtime worker's one `message` listener, on its global scope: the page talks to the
 * worker on the worker's own `postMessage` (predict-wire.ts). The hot call's requests go
 * to their handler, every other message to comlink. A worker's global scope, unlike a
 * MessagePort, does not hold messages back until someone listens: whatever arrives while
 * the init message's set-up is still running (it may await a module import) is held
 * here and handed on, in order, once the runtime is ready.
 */
import { expose } from 'comlink';
import { EdgeloopError } from '../../format/index.ts';
import { ComlinkEndpoint, isInitMessage, isPredictRequest, serializeError, type InitMessage, type PredictReply, type PredictRequest } from './predict-wire.ts';

/** The worker's global scope, as the router uses it. */
export interface WorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** Answers one hot-path request (its answer goes out on the scope's `postMessage`). */
export type PredictHandler = (request: PredictRequest) => void;

/**
 * Sets the runtime up for `init`, with comlink exposed on `endpoint` before it resolves;
 * resolves to the hot call's handler. A rejection must come before comlink is exposed.
 */
export type StartRuntime = (init: InitMessage, endpoint: ComlinkEndpoint) => Promise<PredictHandler>;

/** Listens on `scope`: the first init message starts the runtime; messages before and during its set-up wait for it. */
export function routeMessages(scope: WorkerScope, start: StartRuntime): void {
  const endpoint = new ComlinkEndpoint((message, transfer) => scope.postMessage(message, transfer));
  let predict: PredictHandler | undefined;
  let starting = false;
  const held: MessageEvent[] = [];
  const route = (event: MessageEvent, handler: PredictHandler): void => {
    const data: unknown = event.data;
    if (isPredictRequest(data)) handler(data);
    else endpoint.deliver(event);
  };
  scope.addEventListener('message', (event) => {
    if (predict) {
      route(event, predict);
      return;
    }
    if (!starting && isInitMessage(event.data)) {
      starting = true;
      const ready = (handler: PredictHandler): void => {
        predict = handler;
        for (const waiting of held.splice(0)) route(waiting, handler);
      };
      // A failed set-up (e.g. a module that cannot be imported offline) answers every
      // call, waiting or to come, with RUNTIME_START_FAILED instead of leaving it waiting.
      start(event.data, endpoint).then(ready, (cause: unknown) => {
        console.error('edgeloop: the runtime worker failed to start', cause);
        const error = new EdgeloopError('RUNTIME_START_FAILED', `the runtime worker failed to start (${cause instanceof Error ? cause.message : String(cause)}); create the runtime again, or reload the page`, { cause });
        expose(failingApi(error), endpoint);
        ready((request) => scope.postMessage({ edgeloop: 'predicted', seq: request.seq, error: serializeError(error) } satisfies PredictReply, []));
      });
      return;
    }
    held.push(event);
  });
}

/** A stand-in for the runtime's API whose every method, at any depth, throws `error`. */
function failingApi(error: Error): object {
  const fail = (): never => {
    throw error;
  };
  const api: object = new Proxy(fail, { get: () => api, apply: fail });
  return api;
}
