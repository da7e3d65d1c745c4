/**
 * The page-side handle of a loaded model: inputs go to the worker (canvases become
 * ImageBitmaps, which transfer), predictions come back by transfer.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import type { BatchOptions, BatchProgress, PredictOptions, Prediction, WireInput, WorkerApi } from '../worker/api.ts';
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
