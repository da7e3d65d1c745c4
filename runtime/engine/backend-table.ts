/**
 * The backend table: one row per engine × backend pair the runtime can run a model on.
 * Backend choice, failover order, device targets and the benchmarks all read it; no
 * other code infers an engine or a GPU need from a backend's name.
 */
import type { BackendId, BackendRow, Engine, EngineSettings } from './types.ts';

export type { BackendDevice, BackendId, BackendRow } from './types.ts';

const tfjs = async (settings: EngineSettings): Promise<Engine> => new (await import('./tfjs-engine.ts')).TfjsEngine(settings);
const ort = async (settings: EngineSettings): Promise<Engine> => new (await import('./ort-engine.ts')).OrtEngine(settings);

/** Every backend, in {@link BackendRow.priority} order. */
export const BACKEND_TABLE: readonly BackendRow[] = Object.freeze(
  (
    [
      { id: 'ort-webgpu', engine: 'onnx', device: 'webgpu', needsWebGpu: true, priority: 0, createEngine: ort },
      { id: 'tfjs-webgpu', engine: 'tfjs', device: 'webgpu', needsWebGpu: true, priority: 1, createEngine: tfjs },
      { id: 'ort-wasm', engine: 'onnx', device: 'wasm', needsWebGpu: false, priority: 2, createEngine: ort },
      { id: 'tfjs-wasm', engine: 'tfjs', device: 'wasm', needsWebGpu: false, priority: 3, createEngine: tfjs },
      { id: 'tfjs-cpu', engine: 'tfjs', device: 'cpu', needsWebGpu: false, priority: 4, createEngine: tfjs },
    ] satisfies BackendRow[]
  )
    .sort((a, b) => a.priority - b.priority)
    .map((row) => Object.freeze(row)),
);

/** Every backend id, in the default preference order used to break ties. */
export const BACKEND_IDS: readonly BackendId[] = Object.freeze(BACKEND_TABLE.map((row) => row.id));

const BY_ID = new Map<string, BackendRow>(BACKEND_TABLE.map((row) => [row.id, row]));

/** True when `value` names a row of {@link BACKEND_TABLE}. */
export function isBackendId(value: unknown): value is BackendId {
  return typeof value === 'string' && BY_ID.has(value);
}

/** The row of `backend`; a `RangeError` for an id the table does not have. */
export function backendRow(backend: BackendId): BackendRow {
  const row = BY_ID.get(backend);
  if (!row) throw new RangeError(`unknown backend "${String(backend)}" (known: ${BACKEND_IDS.join(', ')})`);
  return row;
}
