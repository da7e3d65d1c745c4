/**
 * The hot call, `model.predict` on a classifier or regressor, off comlink: one plain
 * message each way on the worker's own `postMessage` (a MessagePort costs each way
 * 5–10 µs more: docs/BENCHMARKS.md, `runtime`). Comlink talks on the same channel, so
 * the hot call keeps its order with every comlink call: each side has one `message`
 * listener that answers these messages itself and hands every other one to comlink
 * through a {@link ComlinkEndpoint}. A call costs no proxy, no request id string, no
 * wire-value wrapping. The answer carries its values in one transferred buffer (the
 * output after the activation); the page builds the top-k from it when they are read.
 * Errors cross through comlink's "throw" handler, which `installErrorTransfer`
 * (format/) makes keep their `code`, on both sides.
 */
import { transferHandlers, type Endpoint } from 'comlink';
import type { BackendId } from '../engine/types.ts';
import type { RuntimeSettings, WireInput } from './api.ts';

/** Page → worker, first: the settings the worker sets its runtime up with. */
export interface InitMessage {
  type: 'edgeloop:init';
  settings: RuntimeSettings;
}

/** True for an {@link InitMessage}. */
export function isInitMessage(data: unknown): data is InitMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'edgeloop:init';
}

/** Page → worker: run `model` on `input`. */
export interface PredictRequest {
  edgeloop: 'predict';
  seq: number;
  model: string;
  input: WireInput;
}

/** The output of one prediction as it crosses back (its buffer transferred). */
export interface PackedPrediction {
  /** The output after the manifest's activation, in a buffer of its own. */
  output: Float32Array;
  shape: number[];
  backend: BackendId;
  latencyMs: number;
}

/** Worker → page: the answer to request `seq`. */
export type PredictReply = ({ edgeloop: 'predicted'; seq: number } & PackedPrediction) | { edgeloop: 'predicted'; seq: number; error: unknown };

/** True for a {@link PredictRequest}. */
export function isPredictRequest(data: unknown): data is PredictRequest {
  return typeof data === 'object' && data !== null && (data as { edgeloop?: unknown }).edgeloop === 'predict';
}

/** True for a {@link PredictReply}. */
export function isPredictReply(data: unknown): data is PredictReply {
  return typeof data === 'object' && data !== null && (data as { edgeloop?: unknown }).edgeloop === 'predicted';
}

/** `error` in the form comlink's installed "throw" handler sends. */
export function serializeError(error: unknown): unknown {
  const handler = transferHandlers.get('throw')!;
  return handler.serialize({ value: error })[0];
}

/** The error {@link serializeError} sent, rebuilt by the same handler (coded errors keep their class and code). */
export function deserializeError(wire: unknown): unknown {
  try {
    transferHandlers.get('throw')!.deserialize(wire);
  } catch (error) {
    return error;
  }
  return new Error('the worker reported an error that could not be read');
}

/**
 * What comlink sees of a channel it shares with the hot call: it posts on the channel
 * and its listeners get the messages the owner of the channel's one listener hands on
 * ({@link ComlinkEndpoint.deliver}).
 */
export class ComlinkEndpoint implements Endpoint {
  readonly #post: (message: unknown, transfer: Transferable[]) => void;
  readonly #listeners = new Set<EventListenerOrEventListenerObject>();

  /** `post` sends on the channel. */
  constructor(post: (message: unknown, transfer: Transferable[]) => void) {
    this.#post = post;
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.#post(message, transfer);
  }

  addEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    if (type === 'message') this.#listeners.add(listener);
  }

  removeEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    if (type === 'message') this.#listeners.delete(listener);
  }

  /** Hands `event`, a message that is not the hot call's, to comlink's listeners. */
  deliver(event: MessageEvent): void {
    for (const listener of this.#listeners) {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    }
  }
}
