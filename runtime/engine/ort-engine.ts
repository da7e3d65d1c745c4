/**
 * The onnxruntime-web engine, imported as `onnxruntime-web/webgpu` (the native WebGPU
 * EP; the default import's JSEP path is wrong for quantised ops on WebGPU — docs/ARCHITECTURE.md, "Known facts").
 * The same build runs the wasm EP. Imported on first use.
 */
import type * as Ort from 'onnxruntime-web/webgpu';
import { EdgeloopError } from '../../format/index.ts';
import type { BackendId, BackendRow, Engine, EngineSession, EngineSettings, SessionRequest, TensorData } from './types.ts';

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
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
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
  }

  get lost(): boolean {
    return this.#lost;
  }

  async run(input: TensorData): Promise<TensorData> {
    if (this.#disposed) throw new EdgeloopError('MODEL_DISPOSED', 'this onnx session was disposed');
    if (this.#lost) throw new EdgeloopError('INFERENCE_FAILED', `the ${this.backend} device was lost`, { details: { backend: this.backend } });
    const inputName = pick(this.session.inputNames, this.names.input);
    const outputName = pick(this.session.outputNames, this.names.output);
    const feeds = { [inputName]: new this.ort.Tensor('float32', input.data, input.shape) };
    const results = await this.session.run(feeds);
    const output = results[outputName]!;
    try {
      const data = output.location === 'cpu' ? output.data : await output.getData();
      return { data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), shape: output.dims.slice() };
    } finally {
      for (const tensor of Object.values(results)) tensor.dispose();
    }
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `wanted` when the graph has it, else the graph's first name. */
function pick(names: readonly string[], wanted: string | undefined): string {
  return wanted !== undefined && names.includes(wanted) ? wanted : names[0]!;
}
