/**
 * The tfjs engine: layers and graph models on the webgpu, wasm and cpu backends. tfjs,
 * each backend and (for graph models) the converter are imported on first use, so a
 * page that never runs tfjs never loads it.
 *
 * tfjs keeps one global "active backend"; sessions on different backends share it, so
 * every run switches to its backend under a lock (a run never interleaves with
 * another's switch).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { EdgeloopError } from '../../format/index.ts';
import { graphFeeds } from './graph-feeds.ts';
import { isGraphModel, readTfjsArtifact } from './read-tfjs-artifact.ts';
import { fromTfjs, toTfjs } from './tfjs-tensors.ts';
import type { BackendId, BackendRow, Engine, EngineSession, EngineSettings, NamedTensors, SessionRequest, TensorData } from './types.ts';

/** A loaded tfjs model: a layers model (trained here, or Keras) or a graph model (TensorFlow SavedModel, converted). */
type TfjsModel = { kind: 'layers'; model: TfLayers.LayersModel } | { kind: 'graph'; model: GraphModel };

type TfjsBackendName = 'webgpu' | 'wasm' | 'cpu';

interface TfjsModules {
  tf: typeof TfCore;
  tfl: typeof TfLayers;
}


/** Creates tfjs sessions. One instance per worker (it owns the tfjs lock). */
export class TfjsEngine implements Engine {
  readonly engine = 'tfjs' as const;
  readonly #settings: EngineSettings;
  #modules?: Promise<TfjsModules>;
  readonly #initialized = new Map<TfjsBackendName, Promise<void>>();
  #lock: Promise<unknown> = Promise.resolve();
  /** Calls of {@link TfjsEngine.exclusive} started or waiting and not yet settled. */
  #queued = 0;

  constructor(settings: EngineSettings) {
    this.#settings = settings;
  }

  async createSession(row: BackendRow, request: SessionRequest): Promise<EngineSession> {
    const backend = row.id;
    if (row.engine !== 'tfjs') throw new TypeError(`TfjsEngine cannot run backend ${backend}`);
    const name: TfjsBackendName = row.device;
    const artifacts = readTfjsArtifact(request.files, request.paths);
    const { tf, tfl } = await this.#load();
    const converter = isGraphModel(artifacts) ? await import('@tensorflow/tfjs-converter') : undefined;
    await this.#initBackend(tf, name);
    const model = await this.exclusive(async (): Promise<TfjsModel> => {
      await this.#activate(tf, name);
      const handler = tf.io.fromMemory(artifacts);
      return converter ? { kind: 'graph', model: await converter.loadGraphModel(handler) } : { kind: 'layers', model: await tfl.loadLayersModel(handler) };
    });
    return new TfjsSession(this, tf, model, backend, name);
  }

  /** Imports tfjs and sets `row`'s backend up (see {@link Engine.prepare}); the model is built by `createSession`. */
  async prepare(row: BackendRow): Promise<void> {
    if (row.engine !== 'tfjs') throw new TypeError(`TfjsEngine cannot run backend ${row.id}`);
    const { tf } = await this.#load();
    await this.#initBackend(tf, row.device);
  }

  /** No tfjs work runs or waits: a synchronous run may go at once (see TfjsSession.run). */
  get idle(): boolean {
    return this.#queued === 0;
  }

  /** Runs `fn` while no other tfjs work runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // Nothing queued: start now, not a microtask later (the common case of every prediction).
    const run = this.#queued === 0 ? start(fn) : this.#lock.then(fn, fn);
    this.#queued++;
    this.#lock = run.then(
      () => void this.#queued--,
      () => void this.#queued--,
    );
    return run;
  }

  async activate(tf: typeof TfCore, name: TfjsBackendName): Promise<void> {
    await this.#activate(tf, name);
  }

  async #activate(tf: typeof TfCore, name: TfjsBackendName): Promise<void> {
    if (tf.getBackend() !== name) {
      const ok = await tf.setBackend(name);
      if (!ok) throw new EdgeloopError('BACKEND_UNAVAILABLE', `tfjs backend "${name}" failed to initialise`, { details: { backend: name } });
    }
  }

  #load(): Promise<TfjsModules> {
    this.#modules ??= (async () => {
      const [tf, tfl] = await Promise.all([import('@tensorflow/tfjs-core'), import('@tensorflow/tfjs-layers')]);
      this.#applyFlags(tf);
      return { tf, tfl };
    })();
    return this.#modules;
  }

  /**
   * Sets the `tfjsFlags` that tfjs knows by now. A backend registers its own flags
   * (WEBGPU_…, WASM_…) when its module loads, so those are set when that backend first
   * loads; a flag still unknown once its backend has loaded is a typo and is reported.
   */
  #applyFlags(tf: typeof TfCore, loadedBackend?: TfjsBackendName): void {
    const registry = (tf.env() as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry;
    for (const [flag, value] of Object.entries(this.#settings.tfjsFlags)) {
      if (flag in registry) {
        if (tf.env().get(flag) !== value) tf.env().set(flag, value);
      } else if (loadedBackend !== undefined && flag.toUpperCase().startsWith(`${loadedBackend.toUpperCase()}_`)) {
        console.warn(`edgeloop: tfjs flag ${flag} is not known to the ${loadedBackend} backend; ignored`);
      }
    }
  }

  #initBackend(tf: typeof TfCore, name: TfjsBackendName): Promise<void> {
    let ready = this.#initialized.get(name);
    if (!ready) {
      ready = this.#registerAndInit(tf, name);
      this.#initialized.set(name, ready);
      ready.catch(() => this.#initialized.delete(name));
    }
    return ready;
  }

  async #registerAndInit(tf: typeof TfCore, name: TfjsBackendName): Promise<void> {
    if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Threads in tfjs-wasm hang once the bundle is minified (docs/ARCHITECTURE.md, "Known facts"); run single-threaded.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      const paths = this.#settings.wasmPaths;
      // Without URLs (Node, tools), tfjs-wasm finds its binaries next to its own module.
      if (paths['tfjs-backend-wasm.wasm'] !== undefined) {
        wasm.setWasmPaths({
          'tfjs-backend-wasm.wasm': paths['tfjs-backend-wasm.wasm'],
          'tfjs-backend-wasm-simd.wasm': paths['tfjs-backend-wasm-simd.wasm']!,
          'tfjs-backend-wasm-threaded-simd.wasm': paths['tfjs-backend-wasm-threaded-simd.wasm']!,
        });
      }
    }
    this.#applyFlags(tf, name);
    // Initialise under the lock: setBackend switches the global active backend.
    await this.exclusive(async () => {
      const previous = tf.getBackend();
      await this.#activate(tf, name);
      if (previous && previous !== name) await tf.setBackend(previous);
    });
  }
}

class TfjsSession implements EngineSession {
  #lost = false;
  #disposed = false;
  /** A layers model on wasm or cpu: `run` needs no await from the input to the values. */
  readonly #synchronous: boolean;

  constructor(
    private readonly engine: TfjsEngine,
    private readonly tf: typeof TfCore,
    private readonly loaded: TfjsModel,
    readonly backend: BackendId,
    private readonly backendName: TfjsBackendName,
  ) {
    this.#synchronous = loaded.kind === 'layers' && backendName !== 'webgpu';
    const device = this.#device();
    void device?.lost.then(() => {
      this.#lost = true;
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  run(input: TensorData): Promise<TensorData> {
    // A layers model on wasm or cpu runs synchronously from the input to its values. With
    // no other tfjs work running or waiting and this backend active, it runs at once:
    // nothing can come between (no await), so it needs no turn of the lock, and a
    // sub-millisecond model pays no promise per step.
    if (this.#synchronous && this.engine.idle && this.tf.getBackend() === this.backendName) {
      try {
        return Promise.resolve(this.#runSync(input));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#synchronous) return this.#exclusive(async () => this.#runSync(input));
    return this.#exclusive(async () => {
      const x = this.tf.tensor(input.data, input.shape, 'float32');
      let ys: TfCore.Tensor[];
      try {
        ys = await this.#execute([x]);
      } finally {
        x.dispose();
      }
      try {
        const y = ys[0]!;
        // WebGPU reads back asynchronously; wasm and cpu hold the values here, so read them at once.
        const data = this.backendName === 'webgpu' ? await y.data() : y.dataSync();
        return { data: this.#owned(data), shape: y.shape.slice() };
      } finally {
        this.tf.dispose(ys);
      }
    });
  }

  /** {@link TfjsSession.run} of a layers model on wasm or cpu, on the active backend (the caller holds the lock or knows it is free). */
  #runSync(input: TensorData): TensorData {
    this.#assertUsable();
    const x = this.tf.tensor(input.data, input.shape, 'float32');
    let ys: TfCore.Tensor[];
    try {
      ys = this.#predictLayers([x]);
    } finally {
      x.dispose();
    }
    try {
      const y = ys[0]!;
      return { data: this.#owned(y.dataSync()), shape: y.shape.slice() };
    } finally {
      this.tf.dispose(ys);
    }
  }

  /**
   * Values the caller may keep (EngineSession.run): wasm reads out a fresh copy; cpu hands
   * out its own store (which other tensors may share), webgpu may cache it.
   */
  #owned(data: ArrayLike<number>): Float32Array {
    return this.backendName === 'wasm' && data instanceof Float32Array ? data : new Float32Array(data);
  }

  runNamed(inputs: NamedTensors): Promise<NamedTensors> {
    return this.#exclusive(async () => {
      const { kind, model } = this.loaded;
      const inputNames = kind === 'layers' ? model.inputNames : model.inputs.map((i) => i.name);
      const outputNames = kind === 'layers' ? model.outputNames : model.outputs.map((o) => o.name);
      const feeds = graphFeeds(inputNames, inputs, this.backend);
      const xs = feeds.map(([name, tensor]) => toTfjs(this.tf, name, tensor));
      const ys = await this.#execute(xs, feeds.map(([name]) => name)).finally(() => this.tf.dispose(xs));
      try {
        const outputs: NamedTensors = {};
        for (let i = 0; i < ys.length; i++) outputs[outputNames[i]!] = await fromTfjs(ys[i]!, outputNames[i]!, this.backend);
        return outputs;
      } finally {
        this.tf.dispose(ys);
      }
    });
  }

  /** Every output of the model for `xs` (in the model's input order), in the model's output order. */
  async #execute(xs: TfCore.Tensor[], names?: readonly string[]): Promise<TfCore.Tensor[]> {
    if (this.loaded.kind === 'layers') return this.#predictLayers(xs);
    const { model } = this.loaded;
    // Graph models may hold control flow, which only executeAsync runs.
    const feeds = names ? Object.fromEntries(names.map((name, i) => [name, xs[i]!])) : xs.length === 1 ? xs[0]! : xs;
    const y = await model.executeAsync(feeds, model.outputs.map((o) => o.name));
    return Array.isArray(y) ? y : [y];
  }

  /** A layers model's outputs for `xs`; tidy frees the intermediates and keeps the returned outputs. */
  #predictLayers(xs: TfCore.Tensor[]): TfCore.Tensor[] {
    const model = (this.loaded as Extract<TfjsModel, { kind: 'layers' }>).model;
    const y = this.tf.tidy(() => model.predict(xs.length === 1 ? xs[0]! : xs));
    return Array.isArray(y) ? y : [y];
  }

  /** Runs `fn` under the engine's lock, on this session's backend. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.engine.exclusive(async () => {
      this.#assertUsable();
      if (this.tf.getBackend() !== this.backendName) await this.engine.activate(this.tf, this.backendName);
      return fn();
    });
  }

  #assertUsable(): void {
    if (this.#disposed) throw new EdgeloopError('MODEL_DISPOSED', 'this tfjs session was disposed');
    if (this.#lost) throw new EdgeloopError('INFERENCE_FAILED', `the ${this.backend} device was lost`, { details: { backend: this.backend } });
  }

  async simulateDeviceLoss(): Promise<void> {
    const device = this.#device();
    if (!device) throw new EdgeloopError('BACKEND_UNAVAILABLE', `${this.backend} has no GPU device to lose`, { details: { backend: this.backend } });
    device.destroy();
    await device.lost;
    this.#lost = true;
  }

  #device(): GPUDevice | undefined {
    if (this.backendName !== 'webgpu') return undefined;
    const backend = this.tf.findBackend('webgpu') as unknown as { device?: GPUDevice } | null;
    return backend?.device;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    void this.engine.exclusive(async () => {
      this.loaded.model.dispose();
    });
  }
}

/** `fn()` as a promise, a synchronous throw included. */
function start<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
