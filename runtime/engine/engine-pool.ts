/**
 * The engines of one runtime instance (or one tool), created from the backend table on
 * first use and shared by every session of the same engine (tfjs keeps one global
 * active backend, so one `TfjsEngine` must own its lock).
 */
import type { ArtifactEngine } from '../../format/index.ts';
import { backendRow } from './backend-table.ts';
import type { BackendId, BackendRow, Engine, EngineSession, EngineSettings, SessionRequest } from './types.ts';

/** Defaults of {@link EngineSettings} for tools: no wasm URLs (the libraries find their own), one thread, no flags. */
export const DEFAULT_ENGINE_SETTINGS: EngineSettings = Object.freeze({ wasmPaths: Object.freeze({}), numThreads: 1, tfjsFlags: Object.freeze({}) });

/** Creates and caches one engine per artifact engine, from the backend table's factories. */
export class EnginePool {
  readonly #settings: EngineSettings;
  readonly #engines = new Map<ArtifactEngine, Promise<Engine>>();

  /** @param settings read once, by each engine at its creation. @defaultValue {@link DEFAULT_ENGINE_SETTINGS} */
  constructor(settings: EngineSettings = DEFAULT_ENGINE_SETTINGS) {
    this.#settings = settings;
  }
  /** What the engines are created with. */
  get settings(): EngineSettings {
    return this.#settings;
  }


  /** Opens a session on `backend` for one artifact. */
  async createSession(backend: BackendId, request: SessionRequest): Promise<EngineSession> {
    const row = backendRow(backend);
    return (await this.#engine(row)).createSession(row, request);
  }

  /**
   * Starts loading `backend`'s engine code and setting the backend up (see
   * {@link Engine.prepare}), for a load to overlap with reading the model's bytes.
   * Never rejects: what fails here fails again, with its reason, in
   * {@link EnginePool.createSession}.
   */
  async prepare(backend: BackendId): Promise<void> {
    try {
      const row = backendRow(backend);
      await (await this.#engine(row)).prepare?.(row);
    } catch {
      // Reported by createSession, where the load can say which backend failed and why.
    }
  }

  #engine(row: BackendRow): Promise<Engine> {
    let engine = this.#engines.get(row.engine);
    if (!engine) {
      engine = row.createEngine(this.#settings);
      this.#engines.set(row.engine, engine);
      engine.catch(() => this.#engines.delete(row.engine));
    }
    return engine;
  }
}

/** Options of {@link createEngineSession}. */
export interface CreateEngineSessionOptions {
  /** Engine settings. @defaultValue {@link DEFAULT_ENGINE_SETTINGS} */
  settings?: EngineSettings;
  /** The pool to create the engine in, to share it between sessions (required for several tfjs sessions at once). @defaultValue a new pool */
  pool?: EnginePool;
}

/**
 * Loads one artifact in memory on `backend`, as the runtime does (tfjs: edgeloop
 * quantization decoded at load; ONNX: onnxruntime-web). For tools: the compressor's
 * evaluation in Node or a worker, benchmarks. `tfjs-cpu`, `tfjs-wasm` and `ort-wasm`
 * run in Node.
 */
export function createEngineSession(backend: BackendId, request: SessionRequest, options: CreateEngineSessionOptions = {}): Promise<EngineSession> {
  return (options.pool ?? new EnginePool(options.settings)).createSession(backend, request);
}
