/**
 * The model loader: from an opened package to a running session. Chooses the artifact
 * of each backend for this device ({@link chooseArtifacts}), downloads (or reads) what
 * the candidates need — building a model while its bytes' checks finish, running none
 * before they passed (checked-read.ts) — times them ({@link chooseBackend}) — or, with a remembered choice
 * for these artifacts on this device (remembered-choice.ts), loads straight onto it —
 * and, when the chosen backend fails mid-session, moves the model to the next one
 * (fetching its artifact if the load did not).
 */
import { EdgeloopError, float32ToFloat16Bits, isEdgeloopError, type Artifact, type Manifest } from '../../format/index.ts';
import { chooseArtifacts, type ArtifactPlan, type ChosenArtifact, type PrecisionOption } from '../engine/artifact-choice.ts';
import { chooseBackend, type BackendReport, type Choice } from '../engine/backend-choice.ts';
import { ChoiceMemory } from '../engine/choice-memory.ts';
import { recordOf, type ChoiceRecord } from '../engine/choice-record.ts';
import { RUNTIME_VERSION } from '../engine/runtime-version.ts';
import { backendRow } from '../engine/backend-table.ts';
import type { EnginePool } from '../engine/engine-pool.ts';
import { zeros } from '../engine/tensor-values.ts';
import type { BackendId, Capabilities, EngineSession, NamedTensors, TensorData } from '../engine/types.ts';
import { readForBuild } from './checked-read.ts';
import type { FileSource, OpenedPackage } from './model-source.ts';
import { notAgain, recall, recheckOrder, rememberedFallbacks, rememberedReport, type Recall } from './remembered-choice.ts';

/** How to load. */
export interface ModelLoadOptions {
  /** A backend to force, or `auto`. */
  backend: BackendId | 'auto';
  /** Restrict `auto` (and failover) to these backends. @defaultValue every backend */
  allow?: readonly BackendId[];
  /** Move to the next backend when the current one fails mid-session. */
  failover: boolean;
  /** An artifact id that overrides the choice. */
  artifact?: string;
  /** The weights' precision, or `auto` (the artifact compressed for this device). @defaultValue 'auto' */
  precision?: PrecisionOption;
  /** Timed warm rounds per candidate backend at least (`auto` times until stable). */
  warmupRuns: number;
  /**
   * `auto` only: `true` loads straight onto the backend remembered for this package's
   * artifacts on this device and runtime version (measuring, and remembering, when there
   * is none); `'refresh'` measures afresh and remembers that; `false` neither reads nor
   * writes the memory. @defaultValue true
   */
  rememberBackend?: boolean | 'refresh';
}

/** Progress of a load, by phase. */
export interface LoaderProgress {
  phase: 'download' | 'backend' | 'ready';
  loadedBytes: number;
  totalBytes: number;
  backend?: BackendId;
}

/** A model the loader runs. */
export interface LoadedModel {
  readonly id: string;
  readonly manifest: Manifest;
  readonly from: 'network' | 'store';
  readonly report: BackendReport;
}

interface ModelState extends LoadedModel {
  readonly getFiles: FileSource;
  readonly release?: () => void;
  /** Verified bytes of every artifact fetched so far, by path. */
  readonly files: Map<string, Uint8Array>;
  readonly fetched: Set<string>;
  /** The artifact each backend runs. */
  readonly artifacts: ReadonlyMap<BackendId, ChosenArtifact>;
  readonly failover: boolean;
  session: EngineSession;
  report: BackendReport;
  readonly caps: Capabilities;
  fallbacks: BackendId[];
  /** Set while a failover replaces the session, so concurrent calls wait for it. */
  recovering?: Promise<void>;
  /** The key of its remembered choice (an `auto` load that remembers): a failover marks it for a re-check. */
  readonly memoryKey?: string;
}

/** Loads models onto the engines of one pool and runs them, failing over. */
export class ModelLoader {
  readonly #pool: EnginePool;
  readonly #models = new Map<string, ModelState>();
  readonly #memory: ChoiceMemory;

  /** @param memory where `auto` choices are remembered. @defaultValue a {@link ChoiceMemory} on its own IndexedDB database */
  constructor(pool: EnginePool, memory: ChoiceMemory = new ChoiceMemory()) {
    this.#pool = pool;
    this.#memory = memory;
  }

  /** Chooses, downloads, times and keeps the best session for `opened`; the model is registered until {@link ModelLoader.unload}. */
  async load(opened: OpenedPackage, caps: Capabilities, options: ModelLoadOptions, report: (progress: LoaderProgress) => void): Promise<LoadedModel> {
    const { manifest } = opened;
    const plan = chooseArtifacts(manifest, caps, options);
    const remember = options.backend === 'auto' && options.rememberBackend !== false && plan.candidates.length > 0;
    const memory = remember ? await recall(this.#memory, plan, caps, this.#pool.settings, options.rememberBackend === 'refresh') : undefined;
    // From memory: only the remembered backend's artifact is fetched, and nothing is timed;
    // its engine's code loads while the bytes are fetched, as for a forced backend.
    if (memory?.record) void this.#pool.prepare(memory.record.backend);
    const candidates = memory?.record ? [memory.record.backend] : plan.candidates;
    const needed = unique(candidates.map((b) => plan.artifacts.get(b)!.artifact));
    const totalBytes = needed.flatMap((a) => a.files).reduce((sum, f) => sum + f.bytes, 0);
    report({ phase: 'download', loadedBytes: 0, totalBytes });
    // The bytes as read, their SHA-256 (and a store's signature) checks still running: the
    // engine builds the model meanwhile; nothing runs it before `checked` resolves.
    const { files, checked } = await readForBuild(opened, needed, ({ loadedBytes }) => report({ phase: 'download', loadedBytes, totalBytes }));
    const fetched = new Set(needed.map((a) => a.id));
    const create = async (backend: BackendId) => {
      const { artifact } = plan.artifacts.get(backend)!;
      // Only when a remembered backend failed to load and the others are measured after all.
      if (!fetched.has(artifact.id)) {
        for (const [path, bytes] of await opened.getFiles([artifact])) files.set(path, bytes);
        fetched.add(artifact.id);
      }
      report({ phase: 'backend', loadedBytes: totalBytes, totalBytes, backend });
      const session = await this.#createSession(backend, manifest, files, artifact);
      // Built, not yet run: no warm-up, timing or prediction before every check passed.
      return afterChecks(session, checked);
    };
    let choice: Choice;
    try {
      const remembered = memory?.record && (await this.#fromMemory(memory.key, memory.record, plan, create, checked));
      choice =
        typeof remembered === 'object'
          ? remembered
          : await this.#measure(plan, create, manifest, caps, options, remembered === undefined ? memory : { key: memory!.key, recheck: { record: memory!.record!, why: remembered } });
    } catch (error) {
      // A failed check is the load's error, whatever the engine made of the bytes.
      await checked;
      throw error;
    }
    await afterChecks(choice.session, checked);
    const chosen = plan.artifacts.get(choice.report.backend)!;
    const forced = options.backend !== 'auto';
    const id = crypto.randomUUID();
    const model: ModelState = {
      id,
      manifest,
      from: opened.from,
      getFiles: opened.getFiles,
      release: opened.release,
      files,
      fetched,
      artifacts: plan.artifacts,
      failover: options.failover,
      session: choice.session,
      caps,
      report: {
        ...choice.report,
        ...this.#threads(choice.report.backend, caps),
        candidates: choice.report.candidates.map((c) => ({ ...c, artifact: plan.artifacts.get(c.backend)?.artifact.id })),
        artifact: chosen.artifact.id,
        artifactReason: chosen.reason,
      },
      // A forced backend times nothing: should it fail mid-session, the model moves on to
      // every other backend the package and device allow.
      fallbacks: forced ? plan.fallbacks : uniqueBackends([...choice.fallbacks, ...plan.fallbacks]),
      memoryKey: memory?.key,
    };
    this.#models.set(id, model);
    report({ phase: 'ready', loadedBytes: totalBytes, totalBytes });
    return model;
  }

  /**
   * Runs `input` on the model's session; on a backend failure, moves to the next backend
   * and runs again. The hot path of `predict`: while nothing recovers, the session's own
   * promise is the only one between the call and the output.
   */
  run(modelId: string, input: TensorData): Promise<{ output: TensorData; backend: BackendId }> {
    const call = (session: EngineSession) => session.run(input);
    const model = this.#models.get(modelId);
    if (!model || model.recovering) return this.#call(modelId, call).then(asOutput);
    const session = model.session;
    return session.run(input).then(
      (output) => ({ output, backend: session.backend }),
      (error: unknown) => this.#afterFailure(model, session, error, [], call).then(asOutput),
    );
  }

  /** Runs named inputs on the model's session (see `EngineSession.runNamed`), failing over like {@link ModelLoader.run}. */
  async runNamed(modelId: string, inputs: NamedTensors): Promise<{ outputs: NamedTensors; backend: BackendId }> {
    const { result, backend } = await this.#call(modelId, (session) => session.runNamed(inputs));
    return { outputs: result, backend };
  }

  async #call<T>(modelId: string, call: (session: EngineSession) => Promise<T>): Promise<{ result: T; backend: BackendId }> {
    const model = this.#model(modelId);
    // No await while nothing recovers: a prediction does not wait a turn for nothing.
    if (model.recovering) await model.recovering;
    const session = model.session;
    try {
      return { result: await call(session), backend: session.backend };
    } catch (error) {
      return this.#afterFailure(model, session, error, [], call);
    }
  }

  /** `call` failed on `session` (`errors`: the failures so far): fails over and calls again, or throws the call's error. */
  async #afterFailure<T>(model: ModelState, session: EngineSession, error: unknown, errors: string[], call: (session: EngineSession) => Promise<T>): Promise<{ result: T; backend: BackendId }> {
    for (;;) {
      // A bad input is the caller's, not the backend's: no failover.
      if (isEdgeloopError(error, 'INPUT_INVALID')) throw error;
      if (!this.#models.has(model.id)) throw new EdgeloopError('MODEL_DISPOSED', 'the model was unloaded during the call');
      errors.push(`${session.backend}: ${message(error)}`);
      if (!model.failover) throw new EdgeloopError('INFERENCE_FAILED', `inference failed on ${session.backend}: ${errors[0]}`, { details: { backend: session.backend }, cause: error });
      if (model.session === session) {
        model.recovering = this.#failover(model, session, errors);
        await model.recovering.finally(() => (model.recovering = undefined));
      }
      if (model.recovering) await model.recovering;
      session = model.session;
      try {
        return { result: await call(session), backend: session.backend };
      } catch (next) {
        error = next;
      }
    }
  }

  /** The model registered as `modelId`; `MODEL_DISPOSED` once it was unloaded. */
  model(modelId: string): LoadedModel {
    return this.#model(modelId);
  }

  /** Destroys the GPU device under the model's session (failover tests). */
  simulateDeviceLoss(modelId: string): Promise<void> {
    return this.#model(modelId).session.simulateDeviceLoss();
  }

  /** Disposes the model's session and releases what its source holds. */
  unload(modelId: string): void {
    const model = this.#models.get(modelId);
    if (!model) return;
    this.#models.delete(modelId);
    model.session.dispose();
    model.release?.();
  }

  /** Unloads every model (and closes the memory once its writes are done). */
  dispose(): void {
    for (const id of [...this.#models.keys()]) this.unload(id);
    void this.#memory.close();
  }

  /** Loads straight onto the remembered backend; when it fails to load now, says why (and marks the record for a re-check). */
  async #fromMemory(key: string, record: ChoiceRecord, plan: ArtifactPlan, create: (backend: BackendId) => Promise<EngineSession>, checked: Promise<void>): Promise<Choice | string> {
    try {
      const session = await create(record.backend);
      // Counting loads is not worth a wait: the write finishes in the background.
      void this.#memory.update(key, (r) => ({ ...r, loads: r.loads + 1 }));
      return { session, report: rememberedReport(record), fallbacks: rememberedFallbacks(record, plan) };
    } catch (error) {
      // Bytes that failed their check say nothing about the backend: the load fails, the record stays.
      await checked;
      const why = `the remembered ${record.backend} failed to load: ${message(error)}`;
      await this.#memory.update(key, (r) => ({ ...r, stale: why }));
      return why;
    }
  }

  /** Times the candidates ({@link chooseBackend}) and remembers the outcome under the load's key. */
  async #measure(plan: ArtifactPlan, create: (backend: BackendId) => Promise<EngineSession>, manifest: Manifest, caps: Capabilities, options: ModelLoadOptions, memory: Recall | undefined): Promise<Choice> {
    const recheck = memory?.recheck;
    const order = recheck ? recheckOrder(plan.candidates, recheck.record) : plan.candidates;
    const choose = { backend: options.backend, warmupRuns: options.warmupRuns, softwareGpu: caps.webgpu.fallback === true, notAgain: recheck && notAgain(recheck.record) };
    const choice = await chooseBackend(order, plan.excluded, create, warmupCall(manifest), choose).catch((error: unknown) => {
      throw manifest.task === 'tensor' && isEdgeloopError(error, 'ALL_BACKENDS_FAILED') ? withWarmupHint(error) : error;
    });
    if (memory && !choice.rescued) {
      const { backend, candidates } = choice.report;
      await this.#memory.put(recordOf(memory.key, backend, plan.artifacts.get(backend)!.artifact.id, candidates, RUNTIME_VERSION, Date.now()));
    }
    if (recheck) choice.report.reason += `; re-checked (${recheck.why})`;
    return choice;
  }

  /** The report's `wasmThreads` for `backend` (see {@link BackendReport.wasmThreads}). */
  #threads(backend: BackendId, caps: Capabilities): Pick<BackendReport, 'wasmThreads'> {
    const row = backendRow(backend);
    if (row.device !== 'wasm') return {};
    if (row.engine === 'tfjs') return { wasmThreads: { count: 1, reason: '1 thread: tfjs-wasm runs single-threaded here (its threaded build hangs once bundled and minified)' } };
    if (!caps.wasm.threads) {
      return { wasmThreads: { count: 1, reason: '1 thread: the page is not cross-origin isolated (no SharedArrayBuffer); serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for threads' } };
    }
    const count = this.#pool.settings.numThreads;
    return { wasmThreads: { count, reason: `${count} thread${count === 1 ? '' : 's'}: the page is cross-origin isolated (wasmThreads ${count} of ${caps.hardwareConcurrency} cores)` } };
  }

  #createSession(backend: BackendId, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>, artifact: Artifact): Promise<EngineSession> {
    return this.#pool.createSession(backend, { files, paths: artifact.files.map((f) => f.path), inputName: manifest.input.name, outputName: manifest.output.name });
  }

  async #failover(model: ModelState, failed: EngineSession, errors: string[]): Promise<void> {
    failed.dispose();
    while (model.fallbacks.length > 0) {
      const backend = model.fallbacks.shift()!;
      const chosen = model.artifacts.get(backend)!;
      try {
        if (!model.fetched.has(chosen.artifact.id)) {
          for (const [path, bytes] of await model.getFiles([chosen.artifact])) model.files.set(path, bytes);
          model.fetched.add(chosen.artifact.id);
        }
        model.session = await this.#createSession(backend, model.manifest, model.files, chosen.artifact);
        model.report = {
          ...model.report,
          backend,
          reason: `failover: ${failed.backend} failed mid-session (${errors[errors.length - 1]}); moved to ${backend}`,
          wasmThreads: this.#threads(backend, model.caps).wasmThreads,
          artifact: chosen.artifact.id,
          artifactReason: chosen.reason,
        };
        if (model.memoryKey !== undefined) {
          const stale = `re-check after a failover on ${new Date().toISOString().slice(0, 10)}: ${failed.backend} failed mid-session, the model moved to ${backend}`;
          await this.#memory.update(model.memoryKey, (record) => ({ ...record, stale }));
        }
        return;
      } catch (error) {
        errors.push(`${backend}: ${message(error)}`);
      }
    }
    throw new EdgeloopError('ALL_BACKENDS_FAILED', `every backend failed for ${model.manifest.name}@${model.manifest.version}: ${errors.join('; ')}`, {
      details: { errors },
    });
  }

  #model(modelId: string): ModelState {
    const model = this.#models.get(modelId);
    if (!model) throw new EdgeloopError('MODEL_DISPOSED', 'this model was disposed; load it again', { details: { modelId } });
    return model;
  }
}

const asOutput = ({ result, backend }: { result: TensorData; backend: BackendId }) => ({ output: result, backend });

/** `session` once `checked` resolved; disposed, and the check's error thrown, when it rejects. */
async function afterChecks(session: EngineSession, checked: Promise<void>): Promise<EngineSession> {
  try {
    await checked;
  } catch (error) {
    session.dispose();
    throw error;
  }
  return session;
}

/**
 * One call of the model on zeros, for warm-ups: batch 1, every other dynamic dimension
 * 1 (an image's height and width from `preprocessing.resize`); a `tensor` model gets
 * every named input in its dtype.
 */
function warmupCall(manifest: Manifest): (session: EngineSession) => Promise<unknown> {
  if (manifest.task === 'tensor') {
    const inputs: NamedTensors = {};
    for (const input of manifest.inputs ?? [manifest.input]) {
      const tensor = zeros(input.dtype, input.warmup?.shape ?? input.shape.map((d) => (d === -1 ? 1 : d)));
      const value = input.warmup?.value ?? 0;
      if (value !== 0) tensor.data.fill((input.dtype === 'int64' ? BigInt(value) : input.dtype === 'float16' ? float32ToFloat16Bits(value) : value) as never);
      inputs[input.name] = tensor;
    }
    return (session) => session.runNamed(inputs);
  }
  const { shape: declared, layout = 'NHWC', preprocessing } = manifest.input;
  const image = declared.length === 4 && (manifest.task === 'image-classification' || manifest.input.layout !== undefined);
  const [h, w] = layout === 'NHWC' ? [1, 2] : [2, 3];
  const shape = declared.map((d, i) => {
    if (d !== -1) return d;
    if (image && i === h) return preprocessing?.resize?.height ?? 1;
    if (image && i === w) return preprocessing?.resize?.width ?? 1;
    return 1;
  });
  const probe: TensorData = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
  return (session) => session.run(probe);
}

/** Every backend failed a tensor model's warm-up: say what it was fed and how to change that. */
function withWarmupHint(error: EdgeloopError): EdgeloopError {
  return new EdgeloopError(
    'ALL_BACKENDS_FAILED',
    `${error.message}. The warm-up fed each input zeros of its declared shape (-1 → 1); if the model cannot run on that (a sample rate, a minimum length), declare inputs[i].warmup { value, shape } in the manifest`,
    { details: error.details, cause: error },
  );
}

function uniqueBackends(backends: readonly BackendId[]): BackendId[] {
  return [...new Set(backends)];
}

function unique(artifacts: readonly Artifact[]): Artifact[] {
  return [...new Map(artifacts.map((a) => [a.id, a])).values()];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
