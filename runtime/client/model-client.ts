/**
 * The page-side handle of a loaded model: inputs go to the worker (canvases become
 * ImageBitmaps, which transfer), predictions come back by transfer.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import type { BatchOptions, BatchProgress, FeedbackReceipt, LoadPhases, PredictOptions, Prediction, TensorInputValues, TensorPrediction, WireInput, WireTensors, WorkerApi } from '../worker/api.ts';
import type { TensorInput } from '../worker/preprocess.ts';
import { unpackPrediction } from '../worker/prediction-output.ts';
import type { PredictChannel } from './predict-channel.ts';

/** What {@link Model.predict} accepts for a classifier or regressor. */
export type ModelInput = TensorInput | ImageData | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

/**
 * One named input of a `tensor` model: its values alone (the declared shape, which then
 * has no -1), or with their shape.
 */
export type NamedInput = TensorInputValues | { data: TensorInputValues; shape?: readonly number[] };

/**
 * What {@link Model.predict} accepts for a `tensor` model: its inputs by name (state
 * inputs may be left out). `data` and `shape` are kept out of the type so that
 * `{ data, shape }` stays a classifier's input to TypeScript (a model whose inputs are
 * called so still runs: cast the object).
 */
export type NamedInputs = Record<string, NamedInput> & { data?: never; shape?: never };

/** Options of {@link Model.predict}. */
export interface ModelPredictOptions extends PredictOptions {
  /** Hand the input's buffer to the worker instead of copying it (the caller's array becomes empty). @defaultValue false */
  transfer?: boolean;
}

/** Options of {@link Model.predictBatch}. */
export interface ModelBatchOptions extends BatchOptions {
  onProgress?: (progress: BatchProgress) => void;
}

/** Options of {@link Model.feedback}. */
export interface ModelFeedbackOptions {
  /**
   * The user chose to share this example with the model's publisher (to retrain it): it
   * is sent to the sync endpoint given as `createRuntime({ feedback })`. Without it the
   * example never leaves the device. @defaultValue false
   */
  share?: boolean;
  /** What the model predicted for this input (top-1 label), kept beside the right one. */
  predicted?: string;
}

/** A loaded model. */
export interface Model {
  /** The package's verified manifest. */
  readonly manifest: Manifest;
  /**
   * The backend and artifact chosen at load, and why (`backend`, `reason`, `artifact`,
   * `artifactReason`, the candidates timed or skipped). After a failover, see
   * {@link Model.backendReport}.
   */
  readonly backend: BackendReport;
  /** Wall time of the load, download to warm-up, in ms. */
  readonly loadMs: number;
  /** Where the load's time went: manifest, bytes (download or store read, SHA-256 checks), engine set-up. */
  readonly loadPhases: LoadPhases;
  /**
   * Runs a `tensor` model on its inputs by name, e.g. `predict({ input_ids, attention_mask })`;
   * gives every declared output by name, its buffer transferred to the caller. State
   * inputs left out are fed from the previous call's outputs (zeros at first, and after
   * {@link Model.reset}). Calls on one model run in the order they were made.
   *
   * @throws EdgeloopError `INPUT_INVALID` naming the input whose name, dtype, shape or size is wrong.
   */
  predict(inputs: NamedInputs, options?: ModelPredictOptions): Promise<TensorPrediction>;
  /** Runs one input (batch dimension 1, or none) of a classifier or regressor. */
  predict(input: ModelInput, options?: ModelPredictOptions): Promise<Prediction>;
  /** `tensor` models: forgets the carried state, so the next call starts from zeros. */
  reset(): Promise<void>;
  /** Runs many inputs, `batchSize` per engine call; all are checked before any runs. */
  predictBatch(inputs: readonly ModelInput[], options?: ModelBatchOptions): Promise<Prediction[]>;
  /**
   * Keeps a labelled example on this device: the input as the model takes it (after the
   * manifest's preprocessing) and the right `label`, one of `manifest.output.labels`. With
   * `share: true` (the user's choice, each time) it is also sent to the sync endpoint for
   * retraining; otherwise nothing leaves the device. The same input with the same label
   * is kept once.
   *
   * @throws {RangeError} when `label` is not one of the model's labels.
   * @throws {TypeError} when `share` is asked but the runtime has no feedback endpoint.
   */
  feedback(input: ModelInput, label: string, options?: ModelFeedbackOptions): Promise<FeedbackReceipt>;
  /** The backend and artifact running now (they change after a failover). */
  backendReport(): Promise<BackendReport>;
  /** Destroys the GPU device under this model, as a real device loss would, to test failover (cf. WEBGL_lose_context). */
  simulateDeviceLoss(): Promise<void>;
  /** Frees the model in the worker (and its store version's "loaded" lock). */
  dispose(): Promise<void>;
}

/** The page-side handle of a model loaded in the worker. */
export class ModelClient implements Model {
  #disposed = false;

  constructor(
    private readonly api: Remote<WorkerApi>,
    /** The hot path of `predict` for classifiers and regressors (one message each way). */
    private readonly predictions: PredictChannel,
    private readonly id: string,
    readonly manifest: Manifest,
    readonly backend: BackendReport,
    readonly loadMs: number,
    readonly loadPhases: LoadPhases,
    private readonly onDispose: (model: ModelClient) => void,
    /** The runtime was given a feedback endpoint (`share` can be honoured). */
    private readonly canShare = false,
  ) {}

  predict(inputs: NamedInputs, options?: ModelPredictOptions): Promise<TensorPrediction>;
  predict(input: ModelInput, options?: ModelPredictOptions): Promise<Prediction>;
  async predict(input: ModelInput | NamedInputs, options: ModelPredictOptions = {}): Promise<Prediction | TensorPrediction> {
    this.#assertAlive();
    const handOver = options.transfer ?? false;
    // What the input means is the model's task, not the argument's type.
    if (this.manifest.task === 'tensor') {
      const [wire, transferables] = toWireTensors(input, handOver, this.manifest);
      return this.api.predictTensors(this.id, transfer(wire, transferables));
    }
    // Only a canvas needs an await (its ImageBitmap); everything else goes out at once.
    const [wire, transferables] = isCanvas(input) ? await canvasWire(input) : toWire(input as ModelInput, handOver);
    const packed = await this.predictions.call(this.id, wire, transferables);
    return unpackPrediction(this.manifest, packed, options.topK ?? 5);
  }

  reset(): Promise<void> {
    this.#assertAlive();
    return this.api.resetState(this.id);
  }

  async predictBatch(inputs: readonly ModelInput[], options: ModelBatchOptions = {}): Promise<Prediction[]> {
    this.#assertAlive();
    this.#assertClassifier('predictBatch');
    if (!Array.isArray(inputs)) throw new TypeError('predictBatch takes an array of inputs');
    const { onProgress, ...rest } = options;
    const wires = await Promise.all(inputs.map((input) => (isCanvas(input) ? canvasWire(input) : toWire(input, false))));
    const callback = onProgress ? proxy(onProgress) : undefined;
    return this.api.predictBatch(this.id, transfer(wires.map(([w]) => w), wires.flatMap(([, t]) => t)), rest, callback);
  }

  async feedback(input: ModelInput, label: string, options: ModelFeedbackOptions = {}): Promise<FeedbackReceipt> {
    this.#assertAlive();
    this.#assertClassifier('feedback');
    const labels = this.manifest.output.labels ?? [];
    const check = (value: unknown, what: string) => {
      if (typeof value !== 'string' || !labels.includes(value)) {
        throw new RangeError(`${what} must be one of ${this.manifest.name}'s labels (${labels.slice(0, 12).join(', ')}${labels.length > 12 ? ', …' : ''}); got ${JSON.stringify(value)}`);
      }
    };
    check(label, 'feedback label');
    if (options.predicted !== undefined) check(options.predicted, 'options.predicted');
    const share = options.share ?? false;
    if (share && !this.canShare) throw new TypeError('feedback share: true needs a sync endpoint: createRuntime({ feedback: { endpoint, token } }); without one, examples stay on this device');
    const [wire, transferables] = isCanvas(input) ? await canvasWire(input) : toWire(input, false);
    return this.api.addFeedback(this.id, transfer(wire, transferables), label, { share, ...(options.predicted !== undefined ? { predicted: options.predicted } : {}) });
  }

  backendReport(): Promise<BackendReport> {
    this.#assertAlive();
    return this.api.backendReport(this.id);
  }

  simulateDeviceLoss(): Promise<void> {
    this.#assertAlive();
    return this.api.simulateDeviceLoss(this.id);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.onDispose(this);
    await this.api.unload(this.id);
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('MODEL_DISPOSED', 'this model was disposed; load it again');
  }

  #assertClassifier(what: string): void {
    if (this.manifest.task !== 'tensor') return;
    const names = (this.manifest.inputs ?? [this.manifest.input]).map((i) => i.name).join(', ');
    throw new EdgeloopError('INPUT_INVALID', `${this.manifest.name} is a tensor model: ${what} is for classifiers and regressors; call predict({ ${names} }) with its inputs by name`, {
      details: { task: this.manifest.task },
    });
  }
}

/** Named inputs for the wire: bare values become `{ data }`; the worker checks the rest against the manifest. */
function toWireTensors(input: unknown, handOver: boolean, manifest: Manifest): [WireTensors, Transferable[]] {
  const names = (manifest.inputs ?? [manifest.input]).map((i) => i.name).join(', ');
  if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input) || Object.getPrototypeOf(input) !== Object.prototype) {
    throw new EdgeloopError('INPUT_INVALID', `${manifest.name} is a tensor model: predict takes its inputs by name, { ${names} }`, { details: { task: manifest.task } });
  }
  const wire: WireTensors = {};
  const buffers = new Set<ArrayBuffer>();
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    const entry = ArrayBuffer.isView(value) || Array.isArray(value) ? { data: value } : value;
    if (typeof entry !== 'object' || entry === null || !('data' in entry)) {
      throw new EdgeloopError('INPUT_INVALID', `inputs.${name} must be a typed array, an array or { data, shape }`, { details: { input: name } });
    }
    const { data, shape } = entry as { data: TensorInputValues; shape?: readonly number[] };
    wire[name] = shape === undefined ? { data } : { data, shape: Array.isArray(shape) ? [...shape] : shape };
    if (handOver && ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) buffers.add(data.buffer);
  }
  return [wire, [...buffers]];
}

function isCanvas(input: unknown): input is HTMLCanvasElement | OffscreenCanvas {
  return (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) || (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas);
}

/** A canvas for the wire: an ImageBitmap of it (made here, so ours to transfer). */
async function canvasWire(input: HTMLCanvasElement | OffscreenCanvas): Promise<[WireInput, Transferable[]]> {
  const bitmap = await createImageBitmap(input);
  return [{ image: bitmap }, [bitmap]];
}

/** Converts any other input for the wire. */
function toWire(input: ModelInput, handOver: boolean): [WireInput, Transferable[]] {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return [{ image: input }, []];
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) return [{ image: input }, []];
  if (input && typeof input === 'object' && 'data' in input && 'shape' in input) {
    if (!ArrayBuffer.isView(input.data)) throw new EdgeloopError('INPUT_INVALID', 'input.data must be a typed array (Float32Array, Int32Array or Uint8Array)');
    if (!Array.isArray(input.shape)) throw new EdgeloopError('INPUT_INVALID', 'input.shape must be an array of integers');
    const tensor = { data: input.data, shape: [...input.shape] };
    return [{ tensor }, handOver && input.data.buffer instanceof ArrayBuffer ? [input.data.buffer] : []];
  }
  throw new EdgeloopError('INPUT_INVALID', 'input must be { data, shape }, an ImageData, an ImageBitmap, an HTMLCanvasElement or an OffscreenCanvas');
}
