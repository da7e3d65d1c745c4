/**
 * The runtime's worker side, thin: the comlink API over the model loader, the store
 * service and the engines. Runs behind `Comlink.expose` in the worker; being a plain
 * class, it also runs in-thread.
 */
import { transfer } from 'comlink';
import { EdgeloopError, isEdgeloopError } from '../../format/index.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import { backendRow } from '../engine/backend-table.ts';
import { detectCapabilities } from '../engine/capabilities.ts';
import { EnginePool } from '../engine/engine-pool.ts';
import { concatRows, predictInBatches } from '../engine/predict-in-batches.ts';
import type { BackendId, Capabilities, TensorData } from '../engine/types.ts';
import { ModelLoader } from '../loader/model-loader.ts';
import { openNetworkPackage, type OpenedPackage } from '../loader/model-source.ts';
import { StoreService } from '../store/store-service.ts';
import { LoadClock } from './load-clock.ts';
import type { TelemetryService } from '../telemetry/telemetry-service.ts';
import { FeedbackService } from '../feedback/feedback-service.ts';
import type {
  BatchOptions,
  BatchProgress,
  FeedbackReceipt,
  FeedbackRequest,
  LoadProgress,
  LoadSource,
  ModelInfo,
  PredictOptions,
  Prediction,
  RuntimeSettings,
  TensorPrediction,
  WireInput,
  WireTensors,
  WorkerApi,
  WorkerLoadOptions,
  WorkerStoreApi,
  WorkerFeedbackApi,
  WorkerTelemetryApi,
} from './api.ts';
import { assertClassifier, assertSingle, packPrediction, prepareInput, toPredictions, unpackPrediction } from './prediction-output.ts';
import type { PackedPrediction } from './predict-wire.ts';
import type { PrepareOptions } from './preprocess.ts';
import { outputBuffers, TensorRunner } from './tensor-runner.ts';
import { withCallback } from './remote-callback.ts';

/** Implements {@link WorkerApi}. */
export class RuntimeService implements WorkerApi {
  readonly #settings: RuntimeSettings;
  readonly #pool: EnginePool;
  readonly #loader: ModelLoader;
  readonly #store: StoreService;
  /** Drift telemetry; `undefined` unless configured. */
  readonly #telemetry?: TelemetryService;
  #capabilities?: Promise<Capabilities>;
  #disposed = false;
  /** The model store (`api.store.*`). */
  readonly store: WorkerStoreApi;
  /** Drift telemetry (`api.telemetry.*`). */
  readonly telemetry: WorkerTelemetryApi;
  readonly #feedback: FeedbackService;
  readonly #tensors = new TensorRunner();
  /** Telemetry records waiting for the end of the task that answers (see #afterReply). */
  readonly #deferred: Array<() => void> = [];
  #deferredTimer?: ReturnType<typeof setTimeout>;
  /** Labelled examples (`api.feedback.*`). */
  readonly feedback: WorkerFeedbackApi;

  /**
   * `telemetry` is the drift telemetry service when `settings.telemetry` is set: the
   * worker entry imports its code only then, so a runtime without telemetry (the default)
   * never loads it.
   */
  constructor(settings: RuntimeSettings, wasmPaths: Readonly<Record<string, string>>, telemetry?: TelemetryService) {
    this.#settings = settings;
    this.#pool = new EnginePool(Object.freeze({ wasmPaths, numThreads: settings.wasmThreads, tfjsFlags: settings.tfjsFlags }));
    this.#loader = new ModelLoader(this.#pool);
    this.#store = new StoreService({ storeName: settings.storeName, trust: this.#trust(), updatePolicy: settings.updatePolicy, deviceId: settings.deviceId, integrity: settings.storeIntegrity });
    this.store = storeApi(this.#store, () => this.#assertAlive());
    this.#telemetry = telemetry;
    this.telemetry = telemetryApi(this.#telemetry);
    this.#feedback = new FeedbackService(settings.feedbackDatabase, settings.feedback);
    const feedback = this.#feedback;
    this.feedback = {
      counts: async (model) => (this.#assertAlive(), feedback.counts(model)),
      clear: async (model) => (this.#assertAlive(), feedback.clear(model)),
      flush: async () => (this.#assertAlive(), feedback.flush()),
    };
  }

  capabilities(): Promise<Capabilities> {
    this.#capabilities ??= detectCapabilities({ webgpu: this.#settings.webgpu });
    return this.#capabilities;
  }

  async load(source: LoadSource, options: WorkerLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<ModelInfo> {
    this.#assertAlive();
    return withCallback(onProgress, async (progress) => {
      const started = performance.now();
      const clock = new LoadClock(progress);
      const report = clock.report;
      report({ phase: 'manifest', loadedBytes: 0, totalBytes: 0 });
      // The store's (or the network's) first request goes out before anything else takes
      // the thread; a forced backend's engine code then loads while the manifest and bytes
      // are read (it needs neither), and the capabilities are detected meanwhile too.
      const opening: Promise<OpenedPackage> = 'name' in source ? this.#store.open(source.name) : openNetworkPackage(source, this.#trust());
      opening.catch(() => undefined);
      if (options.backend !== 'auto') void this.#pool.prepare(options.backend);
      const capabilities = this.capabilities();
      capabilities.catch(() => undefined);
      const opened = await opening;
      try {
        const caps = await capabilities;
        const model = await this.#loader.load(opened, caps, { ...options, warmupRuns: this.#settings.warmupRuns }, report);
        this.#telemetry?.attach(model.id, model.manifest, backendRow(model.report.backend).device);
        return { id: model.id, manifest: model.manifest, backend: model.report, loadMs: performance.now() - started, phases: clock.phases(), from: model.from };
      } catch (error) {
        opened.release?.();
        throw error;
      }
    });
  }

  async predict(modelId: string, input: WireInput, options: PredictOptions): Promise<Prediction> {
    this.#assertAlive();
    const { manifest } = this.#loader.model(modelId);
    const prediction = unpackPrediction(manifest, await this.predictPacked(modelId, input), options.topK ?? 5);
    return transfer(prediction, [prediction.output.buffer]);
  }

  /**
   * {@link RuntimeService.predict} without the top-k: the hot path (predict-wire.ts) sends
   * this and the page builds the rest; it owns the input it was sent (`inPlace`). Telemetry
   * is recorded after the answer is on its way (see #afterReply).
   */
  async predictPacked(modelId: string, input: WireInput, options: PrepareOptions = {}): Promise<PackedPrediction> {
    this.#assertAlive();
    const { manifest } = this.#loader.model(modelId);
    const started = performance.now();
    try {
      assertClassifier(manifest, 'predict with one input');
      const tensor = prepareInput(manifest, input, options);
      assertSingle(tensor, 'input');
      const { output, backend } = await this.#loader.run(modelId, tensor);
      const packed = packPrediction(manifest, output, backend, performance.now() - started);
      if (this.#telemetry) {
        const sample = { input: tensor, output: packed.output.slice(), latencyMs: packed.latencyMs };
        this.#afterReply(() => this.#telemetry!.record(modelId, sample, backendRow(backend).device));
      }
      return packed;
    } catch (error) {
      this.#recordError(modelId, error);
      throw error;
    }
  }

  async predictBatch(modelId: string, inputs: WireInput[], options: BatchOptions, onProgress?: (progress: BatchProgress) => void): Promise<Prediction[]> {
    this.#assertAlive();
    return withCallback(onProgress, async (report) => {
      const { manifest } = this.#loader.model(modelId);
      assertClassifier(manifest, 'predictBatch');
      const batchSize = options.batchSize ?? 32;
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
      // Check every input before running any, so a bad one costs nothing.
      const tensors = inputs.map((input, index) => {
        try {
          const tensor = prepareInput(manifest, input);
          assertSingle(tensor, 'each input of predictBatch');
          return tensor;
        } catch (error) {
          this.#recordError(modelId, error);
          if (isEdgeloopError(error)) throw new EdgeloopError(error.code, `inputs[${index}]: ${error.message}`, { details: { ...error.details, index }, cause: error });
          throw error;
        }
      });
      const results: Prediction[] = [];
      if (tensors.length === 0) return results;
      let backend: BackendId | undefined;
      const run = async (batch: TensorData) => {
        const result = await this.#loader.run(modelId, batch);
        backend = result.backend;
        return result.output;
      };
      try {
        await predictInBatches(run, concatRows(tensors), {
          batchSize,
          onBatch: ({ output, ms }, progress) => {
            const rows = toPredictions(manifest, output, backend!, options.topK ?? 5, ms);
            if (this.#telemetry) {
              const device = backendRow(backend!).device;
              rows.forEach((p, i) => this.#telemetry!.record(modelId, { input: tensors[results.length + i]!, output: p.output, latencyMs: p.latencyMs }, device));
            }
            results.push(...rows);
            report(progress);
          },
        });
      } catch (error) {
        this.#recordError(modelId, error);
        throw error;
      }
      return transfer(results, results.map((r) => r.output.buffer));
    });
  }

  async predictTensors(modelId: string, inputs: WireTensors): Promise<TensorPrediction> {
    this.#assertAlive();
    const { manifest } = this.#loader.model(modelId);
    try {
      if (manifest.task !== 'tensor') {
        throw new EdgeloopError('INPUT_INVALID', `${manifest.name} is a ${manifest.task} model: predict takes one input ({ data, shape } or an image), not inputs by name`, { details: { task: manifest.task } });
      }
      const prediction = await this.#tensors.predict(modelId, manifest, inputs, (feeds) => this.#loader.runNamed(modelId, feeds));
      return transfer(prediction, outputBuffers(prediction));
    } catch (error) {
      this.#recordError(modelId, error);
      throw error;
    }
  }

  async resetState(modelId: string): Promise<void> {
    this.#assertAlive();
    this.#loader.model(modelId);
    this.#tensors.reset(modelId);
  }

  async backendReport(modelId: string): Promise<BackendReport> {
    this.#assertAlive();
    return this.#loader.model(modelId).report;
  }

  async simulateDeviceLoss(modelId: string): Promise<void> {
    this.#assertAlive();
    await this.#loader.simulateDeviceLoss(modelId);
  }

  async addFeedback(modelId: string, input: WireInput, label: string, request: FeedbackRequest): Promise<FeedbackReceipt> {
    this.#assertAlive();
    const { manifest } = this.#loader.model(modelId);
    assertClassifier(manifest, 'feedback');
    const tensor = prepareInput(manifest, input);
    assertSingle(tensor, 'input');
    return this.#feedback.add(manifest, tensor, label, request);
  }

  async unload(modelId: string): Promise<void> {
    this.#telemetry?.detach(modelId);
    this.#tensors.forget(modelId);
    this.#loader.unload(modelId);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#runDeferred();
    // Partial windows are queued (not sent) before the worker goes.
    await this.#telemetry?.dispose();
    this.#feedback.dispose();
    this.#loader.dispose();
    this.#store.close();
  }

  /** Runs `work` once the current task (which sends the answer) is over: telemetry stays off the round trip. */
  #afterReply(work: () => void): void {
    this.#deferred.push(work);
    this.#deferredTimer ??= setTimeout(() => this.#runDeferred(), 0);
  }

  #runDeferred(): void {
    clearTimeout(this.#deferredTimer);
    this.#deferredTimer = undefined;
    const work = this.#deferred.splice(0);
    for (const fn of work) fn();
  }

  #recordError(modelId: string, error: unknown): void {
    if (!this.#telemetry) return;
    this.#telemetry.recordError(modelId, isEdgeloopError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN');
  }

  #trust() {
    return { trustedKeys: this.#settings.trustedKeys, allowUnsigned: this.#settings.allowUnsigned };
  }

  #assertAlive(): void {
    if (this.#disposed) throw new EdgeloopError('RUNTIME_DISPOSED', 'the runtime was disposed; create a new one');
  }
}

/** Telemetry's comlink face: answers (and does nothing) when telemetry is not configured. */
function telemetryApi(service: TelemetryService | undefined): WorkerTelemetryApi {
  const off = () => new TypeError('telemetry is not configured; pass createRuntime({ telemetry: { endpoint, token } })');
  return {
    flush: async (options) => (service ? service.flush(options) : { at: Date.now(), ok: false, sentBatches: 0, acceptedEvents: 0, error: 'TELEMETRY_NOT_CONFIGURED' }),
    enable: async () => {
      if (!service) throw off();
      service.enable();
    },
    disable: async () => service?.disable(),
    status: async () => (service ? service.status() : null),
    resetInstallId: async () => {
      if (!service) throw off();
      return service.resetInstallId();
    },
  };
}

/** The store's comlink face: progress callbacks made safe and released, nothing after dispose. */
function storeApi(store: StoreService, assertAlive: () => void): WorkerStoreApi {
  const alive =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      assertAlive();
      return fn(...args);
    };
  return {
    install: alive((name, request, installId, onProgress) => withCallback(onProgress, (report) => store.install(name, request, installId, report))),
    installPackage: alive((pkg) => store.installPackage(pkg)),
    abortInstall: (installId) => store.abortInstall(installId),
    models: alive(() => store.models()),
    versions: alive((name) => store.versions(name)),
    activate: alive((name, version) => store.activate(name, version)),
    rollback: alive((name) => store.rollback(name)),
    pin: alive((name, version, pinned) => store.pin(name, version, pinned)),
    remove: alive((name, version) => store.remove(name, version)),
    checkForUpdate: alive((name) => store.checkForUpdate(name)),
    storageEstimate: () => store.storageEstimate(),
  };
}
