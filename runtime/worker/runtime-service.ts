/**
 * The runtime's worker side: loads verified packages, picks a backend, preprocesses,
 * runs, fails over. Runs behind `Comlink.expose` in the worker; being a plain class,
 * it also runs in-thread.
 */
import { releaseProxy, transfer } from 'comlink';
import { allowedBackends, chooseBackend, failoverOrder, type BackendReport } from '../engine/backend-choice.ts';
import { detectCapabilities } from '../engine/capabilities.ts';
import { OrtEngine } from '../engine/ort-engine.ts';
import { TfjsEngine } from '../engine/tfjs-engine.ts';
import { engineOf, type BackendId, type Capabilities, type Engine, type EngineSession, type EngineSettings, type TensorData } from '../engine/types.ts';
import { EdgeloopError, isEdgeloopError } from '../errors.ts';
import { validateManifest, type Artifact, type ArtifactEngine, type Manifest } from '../format/index.ts';
import type {
  BatchOptions,
  BatchProgress,
  LoadProgress,
  LoadSource,
  ModelInfo,
  PredictOptions,
  Prediction,
  RuntimeSettings,
  WireInput,
  WorkerApi,
  WorkerLoadOptions,
} from './api.ts';
import { fetchArtifacts, fetchManifest, packageBaseUrl } from './package-fetch.ts';
import { activate, prepareImage, prepareTensor, topK } from './preprocess.ts';

interface LoadedModel {
  readonly id: string;
  readonly manifest: Manifest;
  /** Where the package lives, so a failover can fetch an artifact the load did not need. */
  readonly baseUrl: string;
  /** Verified artifact bytes, kept so a failover can rebuild the model on another backend. */
  readonly files: Map<string, Uint8Array>;
  readonly artifacts: Map<ArtifactEngine, Artifact>;
  session: EngineSession;
  report: BackendReport;
  fallbacks: BackendId[];
  readonly failover: boolean;
  /** Set while a failover replaces the session, so concurrent calls wait for it. */
  recovering?: Promise<void>;
}

/** Implements {@link WorkerApi}. */
export class RuntimeService implements WorkerApi {
  readonly #settings: RuntimeSettings;
  readonly #engineSettings: EngineSettings;
  readonly #models = new Map<string, LoadedModel>();
  readonly #engines = new Map<ArtifactEngine, Engine>();
  #capabilities?: Promise<Capabilities>;
  #disposed = false;

  constructor(settings: RuntimeSettings, wasmPaths: Readonly<Record<string, string>>) {
    this.#settings = settings;
    this.#engineSettings = Object.freeze({ wasmPaths, numThreads: settings.wasmThreads, tfjsFlags: settings.tfjsFlags });
  }

  capabilities(): Promise<Capabilities> {
    this.#capabilities ??= detectCapabilities();
    return this.#capabilities;
  }

  async load(source: LoadSource, options: WorkerLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<ModelInfo> {
    this.#assertAlive();
    try {
      return await this.#load(source, options, callback(onProgress));
    } finally {
      release(onProgress);
    }
  }

  async #load(source: LoadSource, options: WorkerLoadOptions, report: (progress: LoadProgress) => void): Promise<ModelInfo> {
    const started = performance.now();
    report({ phase: 'manifest', loadedBytes: 0, totalBytes: 0 });
    const { manifest, baseUrl } = await this.#resolveManifest(source);

    const caps = await this.capabilities();
    const { allowed, excluded } = allowedBackends(manifest, caps, options);
    const artifacts = new Map<ArtifactEngine, Artifact>();
    for (const backend of allowed) {
      const engine = engineOf(backend);
      const artifact = manifest.artifacts.find((a) => a.engine === engine);
      if (artifact && !artifacts.has(engine)) artifacts.set(engine, artifact);
    }
    const totalBytes = [...artifacts.values()].flatMap((a) => a.files).reduce((sum, f) => sum + f.bytes, 0);
    report({ phase: 'download', loadedBytes: 0, totalBytes });
    const files = await fetchArtifacts(baseUrl, [...artifacts.values()], ({ loadedBytes }) => report({ phase: 'download', loadedBytes, totalBytes }));

    const create = (backend: BackendId) => {
      report({ phase: 'backend', loadedBytes: totalBytes, totalBytes, backend });
      return this.#createSession(backend, manifest, files, artifacts);
    };
    const choice = await chooseBackend(allowed, excluded, create, probeInput(manifest), { ...options, warmupRuns: this.#settings.warmupRuns });
    // A forced backend downloads only its own artifact; should it fail mid-session, the
    // model still moves on, to every other backend the package and device allow.
    const forced = options.backend !== undefined && options.backend !== 'auto';
    const fallbacks = forced
      ? failoverOrder(choice.report.backend, allowedBackends(manifest, caps, { allow: options.allow }).allowed)
      : choice.fallbacks;
    const id = crypto.randomUUID();
    this.#models.set(id, { id, manifest, baseUrl, files, artifacts, session: choice.session, report: choice.report, fallbacks, failover: options.failover });
    report({ phase: 'ready', loadedBytes: totalBytes, totalBytes });
    return { id, manifest, backend: choice.report, loadMs: performance.now() - started };
  }

  async predict(modelId: string, input: WireInput, options: PredictOptions): Promise<Prediction> {
    const model = this.#model(modelId);
    const started = performance.now();
    const tensor = prepare(model.manifest, input);
    assertSingle(tensor, 'input');
    const { output, backend } = await this.#run(model, tensor);
    const prediction = toPredictions(model.manifest, output, backend, options.topK ?? 5, started)[0]!;
    return transfer(prediction, [prediction.output.buffer]);
  }

  async predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress?: (progress: BatchProgress) => void): Promise<Prediction[]> {
    try {
      return await this.#predictBatch(modelId, inputs, options, callback(onProgress));
    } finally {
      release(onProgress);
    }
  }

  async #predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress: (progress: BatchProgress) => void): Promise<Prediction[]> {
    const model = this.#model(modelId);
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
    // Check every input before running any, so a bad one costs nothing.
    const tensors = inputs.map((input, index) => {
      try {
        const tensor = prepare(model.manifest, input);
        assertSingle(tensor, 'each input of predictBatch');
        return tensor;
      } catch (error) {
        if (isEdgeloopError(error)) throw new EdgeloopError(error.code, `inputs[${index}]: ${error.message}`, { details: { ...error.details, index }, cause: error });
        throw error;
      }
    });
    const results: Prediction[] = [];
    for (let start = 0; start < tensors.length; start += batchSize) {
      const started = performance.now();
      const { output, backend } = await this.#run(model, stack(tensors.slice(start, start + batchSize)));
      results.push(...toPredictions(model.manifest, output, backend, options.topK ?? 5, started));
      onProgress({ done: results.length, total: tensors.length });
    }
    return transfer(results, results.map((r) => r.output.buffer));
  }

  async backendReport(modelId: string): Promise<BackendReport> {
    return this.#model(modelId).report;
  }

  async simulateDeviceLoss(modelId: string): Promise<void> {
    await this.#model(modelId).session.simulateDeviceLoss();
  }

  async unload(modelId: string): Promise<void> {
    const model = this.#models.get(modelId);
    if (!model) return;
    this.#models.delete(modelId);
    model.session.dispose();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const id of [...this.#models.keys()]) await this.unload(id);
  }

  async #resolveManifest(source: LoadSource): Promise<{ manifest: Manifest; baseUrl: string }> {
    const trust = { trustedKeys: this.#settings.trustedKeys, allowUnsigned: this.#settings.allowUnsigned };
    if ('url' in source) {
      const baseUrl = packageBaseUrl(source.url);
      return { manifest: await fetchManifest(baseUrl, trust), baseUrl };
    }
    if (trust.trustedKeys.length > 0 && !trust.allowUnsigned) {
      throw new EdgeloopError('SIGNATURE_MISSING', 'a manifest passed as an object carries no signature; load the package by URL, or set allowUnsigned', {
        details: { name: source.manifest?.name },
      });
    }
    return { manifest: validateManifest(source.manifest), baseUrl: packageBaseUrl(source.baseUrl) };
  }

  #createSession(backend: BackendId, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>, artifacts: ReadonlyMap<ArtifactEngine, Artifact>): Promise<EngineSession> {
    const engine = engineOf(backend);
    const artifact = artifacts.get(engine)!;
    let instance = this.#engines.get(engine);
    if (!instance) {
      instance = engine === 'tfjs' ? new TfjsEngine(this.#engineSettings) : new OrtEngine(this.#engineSettings);
      this.#engines.set(engine, instance);
    }
    return instance.createSession(backend, manifest, files, artifact.files.map((f) => f.path));
  }

  /** Runs on the current session; on a backend failure, moves to the next backend and runs again. */
  async #run(model: LoadedModel, input: TensorData): Promise<{ output: TensorData; backend: BackendId }> {
    const errors: string[] = [];
    for (;;) {
      await model.recovering;
      const session = model.session;
      try {
        return { output: await session.run(input), backend: session.backend };
      } catch (error) {
        if (this.#disposed || !this.#models.has(model.id)) throw new EdgeloopError('MODEL_DISPOSED', 'the model was unloaded during the call');
        errors.push(`${session.backend}: ${error instanceof Error ? error.message : String(error)}`);
        if (!model.failover) throw new EdgeloopError('INFERENCE_FAILED', `inference failed on ${session.backend}: ${errors[0]}`, { details: { backend: session.backend }, cause: error });
        if (model.session === session) {
          model.recovering = this.#failover(model, session, errors);
          await model.recovering.finally(() => (model.recovering = undefined));
        }
      }
    }
  }

  async #failover(model: LoadedModel, failed: EngineSession, errors: string[]): Promise<void> {
    failed.dispose();
    while (model.fallbacks.length > 0) {
      const backend = model.fallbacks.shift()!;
      try {
        await this.#ensureArtifact(model, engineOf(backend));
        model.session = await this.#createSession(backend, model.manifest, model.files, model.artifacts);
        model.report = {
          ...model.report,
          backend,
          reason: `failover: ${failed.backend} failed mid-session (${errors[errors.length - 1]}); moved to ${backend}`,
        };
        return;
      } catch (error) {
        errors.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new EdgeloopError('ALL_BACKENDS_FAILED', `every backend failed for ${model.manifest.name}@${model.manifest.version}: ${errors.join('; ')}`, {
      details: { errors },
    });
  }

  /** Downloads and verifies the package's artifact for `engine` if the load skipped it. */
  async #ensureArtifact(model: LoadedModel, engine: ArtifactEngine): Promise<void> {
    if (model.artifacts.has(engine)) return;
    const artifact = model.manifest.artifacts.find((a) => a.engine === engine);
    if (!artifact) throw new EdgeloopError('NO_COMPATIBLE_ARTIFACT', `the package has no ${engine} artifact`, { details: { engine } });
    const fetched = await fetchArtifacts(model.baseUrl, [artifact]);
    for (const [path, bytes] of fetched) model.files.set(path, bytes);
    model.artifacts.set(engine, artifact);
  }

  #model(modelId: string): LoadedModel {
    this.#assertAlive();
    const model = this.#models.get(modelId);
    if (!model) throw new EdgeloopError('MODEL_DISPOSED', 'this model was disposed; load it again', { details: { modelId } });
    return model;
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
  }
}

/** Wraps a (possibly remote) progress callback so a throwing or unreachable listener never fails the work. */
function callback<T>(listener: ((value: T) => void) | undefined): (value: T) => void {
  if (!listener) return () => undefined;
  return (value) => {
    try {
      void Promise.resolve(listener(value)).catch((error: unknown) => console.warn('edgeloop: a progress listener failed', error));
    } catch (error) {
      console.warn('edgeloop: a progress listener failed', error);
    }
  };
}

/** Releases a comlink-proxied callback's port once the call that took it is over. */
function release(listener: unknown): void {
  const releaser = (listener as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy];
  if (typeof releaser === 'function') releaser();
}

function prepare(manifest: Manifest, input: WireInput): TensorData {
  if (input && typeof input === 'object' && 'tensor' in input) return prepareTensor(manifest, input.tensor);
  if (input && typeof input === 'object' && 'image' in input) return prepareImage(manifest, input.image);
  throw new EdgeloopError('INPUT_INVALID', 'input must be { data, shape } or an ImageData, ImageBitmap or canvas');
}

function assertSingle(tensor: TensorData, what: string): void {
  if (tensor.shape[0] !== 1) {
    throw new EdgeloopError('INPUT_INVALID', `${what} must hold one example (batch dimension 1, got ${tensor.shape[0]}); pass several examples to predictBatch as separate inputs`, {
      details: { shape: tensor.shape },
    });
  }
}

/** A zero input of batch 1, for warm-ups. */
function probeInput(manifest: Manifest): TensorData {
  const shape = manifest.input.shape.map((d) => (d === -1 ? 1 : d));
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
}

function stack(tensors: TensorData[]): TensorData {
  const rows = tensors.reduce((sum, t) => sum + t.shape[0]!, 0);
  const data = new Float32Array(tensors.reduce((sum, t) => sum + t.data.length, 0));
  let offset = 0;
  for (const t of tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return { data, shape: [rows, ...tensors[0]!.shape.slice(1)] };
}

function toPredictions(manifest: Manifest, output: TensorData, backend: BackendId, k: number, started: number): Prediction[] {
  const probabilities = activate(manifest, output);
  const rows = output.shape[0] ?? 1;
  const width = probabilities.length / rows;
  const latencyMs = (performance.now() - started) / rows;
  return Array.from({ length: rows }, (_, row) => {
    const slice = probabilities.slice(row * width, (row + 1) * width);
    return { output: slice, shape: [1, ...output.shape.slice(1)], topK: topK(manifest, slice, k), backend, latencyMs };
  });
}
