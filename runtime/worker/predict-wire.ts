/**
 * The hot call, `model.predict` on a classifier or regressor, off comlink: one plain
 * message each way on the runtime's own port, so it keeps its order with every comlink
 * call on that port. Comlink's listeners skip these messages (no comlink `type` on the
 * way in, no comlink `id` on the way back), and a call costs no proxy, no request id
 * string, no wire-value wrapping. The answer carries its values in one transferred
 * buffer (the output after the activation); the page builds the top-k from it when
 * they are read. Errors cross through comlink's "throw" handler, which
 * `installErrorTransfer` (format/) makes keep their `code`, on both sides.
 */
import { transferHandlers } from 'comlink';
import type { BackendId } from '../engine/types.ts';
import type { WireInput } from './api.ts';

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
