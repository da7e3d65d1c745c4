/**
 * The page-side handle of a loaded model: inputs go to the worker (canvases become
 * ImageBitmaps, which transfer), predictions come back by transfer.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import type { BatchOptions, BatchProgress, FeedbackReceipt, PredictOptions, Prediction, WireInput, WorkerApi } from '../worker/api.ts';
import type { TensorInput } from '../worker/preprocess.ts';

/** What {@link Model.predict} accepts. */
export type ModelInput = TensorInput | ImageData | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

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
  /** Runs one input (batch dimension 1, or none). */
  predict(input: ModelInput, options?: ModelPredictOptions): Promise<Prediction>;
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
    private readonly id: string,
    readonly manifest: Manifest,
    readonly backend: BackendReport,
    readonly loadMs: number,
    private readonly onDispose: (model: ModelClient) => void,
    /** The runtime was given a feedback endpoint (`share` can be honoured). */
    private readonly canShare = false,
  ) {}

  async predict(input: ModelInput, options: ModelPredictOptions = {}): Promise<Prediction> {
    this.#assertAlive();
    const { transfer: handOver = false, ...rest } = options;
    const [wire, transferables] = await toWire(input, handOver);
    return this.api.predict(this.id, transfer(wire, transferables), rest);
  }

  async predictBatch(inputs: readonly ModelInput[], options: ModelBatchOptions = {}): Promise<Prediction[]> {
    this.#assertAlive();
    if (!Array.isArray(inputs)) throw new TypeError('predictBatch takes an array of inputs');
    const { onProgress, ...rest } = options;
    const wires = await Promise.all(inputs.map((input) => toWire(input, false)));
    const callback = onProgress ? proxy(onProgress) : undefined;
    return this.api.predictBatch(this.id, transfer(wires.map(([w]) => w), wires.flatMap(([, t]) => t)), rest, callback);
  }

  async feedback(input: ModelInput, label: string, options: ModelFeedbackOptions = {}): Promise<FeedbackReceipt> {
    this.#assertAlive();
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
    const [wire, transferables] = await toWire(input, false);
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
}

/** Converts an input for the wire; canvases become ImageBitmaps (made here, so ours to transfer). */
async function toWire(input: ModelInput, handOver: boolean): Promise<[WireInput, Transferable[]]> {
  if (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) {
    const bitmap = await createImageBitmap(input);
    return [{ image: bitmap }, [bitmap]];
  }
  if (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas) {
    const bitmap = await createImageBitmap(input);
    return [{ image: bitmap }, [bitmap]];
  }
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
