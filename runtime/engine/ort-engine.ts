/**
 * The onnxruntime-web engine, imported as `onnxruntime-web/webgpu` (the native WebGPU
 * EP; the default import's JSEP path is wrong for quantised ops on WebGPU — docs/ARCHITECTURE.md, "Known facts").
 * The same build runs the wasm EP. Imported on first use. An artifact's `.onnx` file may
 * come with external-data files (its other files), handed to onnxruntime by their path
 * relative to the model.
 */
import type * as Ort from 'onnxruntime-web/webgpu';
import { EdgeloopError } from '../../format/index.ts';
import { graphFeeds } from './graph-feeds.ts';
import type { BackendId, BackendRow, Engine, EngineSession, EngineSettings, NamedTensor, NamedTensors, SessionRequest, TensorData } from './types.ts';

type OrtModule = typeof Ort;

/** Creates onnxruntime-web sessions. One instance per worker. */
export class OrtEngine implements Engine {
  readonly engine = 'onnx' as const;
  readonly #settings: EngineSettings;
  #module?: Promise<OrtModule>;

  constructor(settings: EngineSettings) {
    this.#settings = settings;
  }

  async createSession(row: BackendRow, request: SessionRequest): Promise<EngineSession> {
    const backend = row.id;
    if (row.engine !== 'onnx' || row.device === 'cpu') throw new TypeError(`OrtEngine cannot run backend ${backend}`);
    const path = request.paths.find((p) => p.endsWith('.onnx'));
    const bytes = path === undefined ? undefined : request.files.get(path);
    if (!path || !bytes) throw new EdgeloopError('MODEL_LOAD_FAILED', 'onnx artifact has no .onnx file', { details: { files: request.paths } });
    const ort = await this.#load();
    // The artifact's other files are the model's external data, named in the graph by
    // their path relative to the .onnx file.
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    const externalData = request.paths
      .filter((p) => p !== path && p.startsWith(dir) && request.files.has(p))
      .map((p) => ({ path: p.slice(dir.length), data: request.files.get(p)! }));
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        ...(externalData.length > 0 ? { externalData } : {}),
        executionProviders: [row.device],
        graphOptimizationLevel: 'all',
        // Idle intra-op threads must not spin: on a phone-class CPU they would take the cores
        // the page and the other engine need (and the battery).
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
    } catch (cause) {
      throw new EdgeloopError('MODEL_LOAD_FAILED', `onnxruntime-web could not create a ${backend} session for ${path}: ${errorText(cause)}`, {
        details: { backend, path },
        cause,
      });
    }
    const device = row.needsWebGpu ? await ort.env.webgpu.device : undefined;
    return new OrtSession(ort, session, backend, { input: request.inputName, output: request.outputName }, device);
  }

  /** Imports onnxruntime-web and sets its environment (see {@link Engine.prepare}); its wasm starts with the first session. */
  async prepare(): Promise<void> {
    await this.#load();
  }

  #load(): Promise<OrtModule> {
    this.#module ??= (async () => {
      const ort = await import('onnxruntime-web/webgpu');
      // Without a URL (Node, tools), onnxruntime-web finds its wasm next to its own module.
      const wasm = this.#settings.wasmPaths.wasm;
      if (wasm !== undefined) ort.env.wasm.wasmPaths = { wasm };
      ort.env.wasm.numThreads = this.#settings.numThreads;
      // We are already in a worker; ORT's own proxy worker would add a second hop.
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return ort;
    })();
    this.#module.catch(() => {
      this.#module = undefined;
    });
    return this.#module;
  }
}

class OrtSession implements EngineSession {
  #lost = false;
  #disposed = false;
  /** The graph's input and output that `run` feeds and reads, looked up once. */
  readonly #inputName: string;
  readonly #outputName: string;
  /** `run` fetches its one output only (fixed at load): a graph's other outputs are not copied out of wasm. */
  readonly #fetches: readonly string[];

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly backend: BackendId,
    private readonly names: { input?: string; output?: string },
    private readonly device: GPUDevice | undefined,
  ) {
    void device?.lost.then(() => {
      this.#lost = true;
    });
    this.#inputName = pick(session.inputNames, names.input);
    this.#outputName = pick(session.outputNames, names.output);
    this.#fetches = [this.#outputName];
  }

  get lost(): boolean {
    return this.#lost;
  }

  async run(input: TensorData): Promise<TensorData> {
    this.#assertUsable();
    const feeds = { [this.#inputName]: new this.ort.Tensor('float32', input.data, input.shape) };
    const results = await this.session.run(feeds, this.#fetches);
    const output = results[this.#outputName]!;
    try {
      const data = output.location === 'cpu' ? output.data : await output.getData();
      return { data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), shape: output.dims.slice() };
    } finally {
      for (const tensor of Object.values(results)) tensor.dispose();
    }
  }

  async runNamed(inputs: NamedTensors): Promise<NamedTensors> {
    this.#assertUsable();
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, tensor] of graphFeeds(this.session.inputNames, inputs, this.backend)) {
      // The dtype names are onnxruntime's own; float16 goes in as its Uint16Array bits.
      feeds[name] = new this.ort.Tensor(tensor.dtype, tensor.data as Float32Array, tensor.shape);
    }
    const results = await this.session.run(feeds);
    try {
      const outputs: NamedTensors = {};
      for (const name of this.session.outputNames) {
        const tensor = results[name]!;
        const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData();
        outputs[name] = fromOrt(name, tensor.type, data, tensor.dims, this.backend);
      }
      return outputs;
    } finally {
      for (const tensor of Object.values(results)) tensor.dispose();
    }
  }

  #assertUsable(): void {
    if (this.#disposed) throw new EdgeloopError('MODEL_DISPOSED', 'this onnx session was disposed');
    if (this.#lost) throw new EdgeloopError('INFERENCE_FAILED', `the ${this.backend} device was lost`, { details: { backend: this.backend } });
  }

  async simulateDeviceLoss(): Promise<void> {
    if (!this.device) throw new EdgeloopError('BACKEND_UNAVAILABLE', `${this.backend} has no GPU device to lose`, { details: { backend: this.backend } });
    this.device.destroy();
    await this.device.lost;
    this.#lost = true;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    void this.session.release();
  }
}

/** Small integer types an output may have that fit int32 exactly. */
const WIDENED = new Set(['int8', 'int16', 'uint16']);

/** An onnxruntime output as a named tensor of a manifest dtype. */
function fromOrt(name: string, type: string, data: unknown, dims: readonly number[], backend: BackendId): NamedTensor {
  const shape = dims.slice();
  switch (type) {
    case 'float32':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'bool':
      return { dtype: type, data: data as NamedTensor['data'], shape };
    case 'float16': {
      // onnxruntime answers a Float16Array where the browser has one: the same bits.
      const half = data as ArrayBufferView & { length: number };
      return { dtype: 'float16', data: half instanceof Uint16Array ? half : new Uint16Array(half.buffer, half.byteOffset, half.length), shape };
    }
    default:
      if (WIDENED.has(type)) return { dtype: 'int32', data: Int32Array.from(data as ArrayLike<number>), shape };
      throw new EdgeloopError('INFERENCE_FAILED', `the model's output "${name}" on ${backend} is of type ${type}, which edgeloop does not carry (float32, float16, int32, int64, uint8, bool)`, {
        details: { backend, name, type },
      });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `wanted` when the graph has it, else the graph's first name. */
function pick(names: readonly string[], wanted: string | undefined): string {
  return wanted !== undefined && names.includes(wanted) ? wanted : names[0]!;
}
