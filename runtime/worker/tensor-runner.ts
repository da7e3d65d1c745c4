/**
 * Runs `tensor` models in the worker: named inputs checked and converted, outputs cast
 * to the dtypes the manifest declares (activation applied where it names one), and
 * state inputs carried from one call to the next. Calls on one model run one after
 * another, so carried state follows the order of the calls.
 */
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import { castTensor } from '../engine/tensor-values.ts';
import type { BackendId, NamedTensor, NamedTensors, TensorValues } from '../engine/types.ts';
import type { TensorOutput, TensorPrediction } from './api.ts';
import { applyActivation } from './preprocess.ts';
import { prepareNamedInputs } from './tensor-inputs.ts';

/** Runs checked inputs on the model's current backend (the loader's `runNamed`). */
export type RunNamed = (inputs: NamedTensors) => Promise<{ outputs: NamedTensors; backend: BackendId }>;

/** The tensor-model calls of one worker: carried state and per-model call order. */
export class TensorRunner {
  /** Carried state by model, then by input name. */
  readonly #states = new Map<string, Map<string, NamedTensor>>();
  /** The last call queued on each model. */
  readonly #queues = new Map<string, Promise<unknown>>();

  /** One call of `modelId` on `wire` (the caller's named inputs), after the calls before it. */
  predict(modelId: string, manifest: Manifest, wire: unknown, run: RunNamed): Promise<TensorPrediction> {
    const previous = this.#queues.get(modelId) ?? Promise.resolve();
    const call = previous.then(() => this.#predict(modelId, manifest, wire, run));
    const tail = call.catch(() => undefined);
    this.#queues.set(modelId, tail);
    void tail.then(() => {
      if (this.#queues.get(modelId) === tail) this.#queues.delete(modelId);
    });
    return call;
  }

  /** Forgets the carried state: the next call starts from zeros. */
  reset(modelId: string): void {
    this.#states.delete(modelId);
  }

  /** Forgets everything about a model (it was unloaded). */
  forget(modelId: string): void {
    this.#states.delete(modelId);
    this.#queues.delete(modelId);
  }

  async #predict(modelId: string, manifest: Manifest, wire: unknown, run: RunNamed): Promise<TensorPrediction> {
    const started = performance.now();
    const inputs = prepareNamedInputs(manifest, wire, this.#states.get(modelId) ?? new Map());
    const { outputs: raw, backend } = await run(inputs);
    const outputs = conformOutputs(manifest, raw, backend);
    const carried = (manifest.inputs ?? []).filter((input) => input.state !== undefined);
    if (carried.length > 0) {
      // A copy: the returned outputs' buffers are transferred to the caller.
      const next = new Map<string, NamedTensor>();
      for (const input of carried) {
        const source = outputs[input.state!.from]!;
        next.set(input.name, { dtype: source.dtype, data: source.data.slice(), shape: [...source.shape] });
      }
      this.#states.set(modelId, next);
    }
    return { outputs, backend, latencyMs: performance.now() - started };
  }
}

/**
 * The declared outputs, by name, in their declared dtypes (an engine's int32 becomes
 * int64, float32 becomes float16 bits, …), each in an ArrayBuffer of its own.
 *
 * @throws EdgeloopError `INFERENCE_FAILED` when the model lacks a declared output, or
 *   gives one whose shape or values do not fit the declaration.
 */
export function conformOutputs(manifest: Manifest, raw: NamedTensors, backend: BackendId): Record<string, TensorOutput> {
  const declared = manifest.outputs ?? [manifest.output];
  const rawNames = Object.keys(raw);
  const outputs: Record<string, TensorOutput> = {};
  for (const output of declared) {
    // A graph with one output gives it whatever its name, as it takes its one input.
    const tensor = raw[output.name] ?? (declared.length === 1 && rawNames.length === 1 ? raw[rawNames[0]!] : undefined);
    if (tensor === undefined) {
      throw new EdgeloopError('INFERENCE_FAILED', `the model on ${backend} has no output "${output.name}" (its outputs: ${rawNames.map((n) => `"${n}"`).join(', ')}); manifest.outputs must name the model's outputs as the model names them`, {
        details: { backend, missing: output.name, outputs: rawNames },
      });
    }
    const dtype = output.dtype ?? 'float32';
    const cast = castTensor(tensor, dtype, { name: output.name, code: 'INFERENCE_FAILED', why: `the manifest declares output "${output.name}" as ${dtype}` });
    const fits = cast.shape.length === output.shape.length && cast.shape.every((d, i) => output.shape[i] === -1 || output.shape[i] === d);
    if (!fits) {
      throw new EdgeloopError('INFERENCE_FAILED', `the model's output "${output.name}" on ${backend} has shape [${cast.shape.join(', ')}], which does not fit the declared [${output.shape.join(', ')}] (-1 = any size); fix manifest.outputs`, {
        details: { backend, output: output.name, expected: output.shape, actual: cast.shape },
      });
    }
    const data = dtype === 'float32' && output.activation !== 'none' ? applyActivation(output.activation, cast.data as Float32Array, cast.shape) : cast.data;
    outputs[output.name] = { data: ownBuffer(data), shape: cast.shape, dtype };
  }
  return outputs;
}

/** The buffers to transfer with a prediction, each once. */
export function outputBuffers(prediction: TensorPrediction): ArrayBuffer[] {
  return [...new Set(Object.values(prediction.outputs).map((o) => o.data.buffer as ArrayBuffer))];
}

/** `data` in an ArrayBuffer of its own, so it can be transferred without taking anything else along. */
function ownBuffer<T extends TensorValues>(data: T): T {
  const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return whole ? data : (data.slice() as T);
}
