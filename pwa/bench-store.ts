/**
 * The browser half of the store benchmark (`npm run bench -- store`, driven by
 * scripts/bench/store-bench.ts), as `window.benchStore`: one model loaded to its first
 * prediction from the network, from the model store, or — the floor — from bytes already
 * in memory with the engine alone (bench-store-floor-worker.ts). Each load runs in a
 * fresh worker, timed from right after the worker was started, and says where its time
 * went: bytes, engine set-up, first run, and the rest (worker start, messages).
 */
import { backendRow, createRuntime, resolveRuntimeSettings, type BackendId, type Manifest, type StoreIntegrity } from '../runtime/index.ts';
import { makeInput } from './bench-input.ts';
import type { FloorReply, FloorRequest } from './bench-store-floor-worker.ts';

/** One store-benchmark step: a model, where it lives, which backend. */
export interface StoreConfig {
  model: string;
  /** Package name in the registry. */
  name: string;
  /** Registry base URL (holding `<name>/index.json`). */
  registry: string;
  backend: BackendId;
  /** How the warm loads' store checks its files (`createRuntime({ storeIntegrity })`). */
  storeIntegrity: StoreIntegrity;
}

/** A load to first prediction and where its time went, in ms. */
export interface StoreTiming {
  from: 'network' | 'store' | 'memory';
  /** From the load's start to the first prediction's return. */
  ms: number;
  /** The manifest (fetch or store read, signature) and the artifact's files (fetch or store read, SHA-256); 0 for the floor. */
  bytesMs: number;
  /** Building the model on the backend. */
  engineMs: number;
  /** The first prediction (the compiling one). */
  firstRunMs: number;
  /** The rest: worker start, capabilities, messages between page and worker. */
  otherMs: number;
  /** Bytes of the artifact the load used, and its id. */
  bytes: number;
  artifact: string;
}

const log = (message: string) => console.log(`[bench] ${message}`);

function manifestUrl(config: StoreConfig): string {
  return new URL(`${config.name}/1.0.0/manifest.json`, new URL(config.registry, location.href)).href;
}

/** `runtime.load(manifestUrl)` from the server, then one prediction, in a fresh runtime. */
function networkLoad(config: StoreConfig): Promise<StoreTiming> {
  return timeLoad(config, manifestUrl(config));
}

/** `runtime.load(name)` from the model store, then one prediction, in a fresh runtime. */
function cacheLoad(config: StoreConfig): Promise<StoreTiming> {
  return timeLoad(config, config.name);
}

async function timeLoad(config: StoreConfig, source: string): Promise<StoreTiming> {
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, storeIntegrity: config.storeIntegrity });
  try {
    let bytes = 0;
    const start = performance.now();
    const model = await runtime.load(source, { backend: config.backend, failover: false, onProgress: (p) => (bytes = p.totalBytes) });
    const loaded = performance.now();
    // The input is made off the clock: the floor is handed its input ready-made too.
    const input = makeInput(model.manifest).raw;
    const inputMs = performance.now() - loaded;
    await model.predict(input);
    const end = performance.now() - inputMs;
    const { manifestMs, bytesMs, engineMs } = model.loadPhases;
    const from = source === config.name ? 'store' : 'network';
    const timing: StoreTiming = {
      from,
      ms: end - start,
      bytesMs: manifestMs + bytesMs,
      engineMs,
      firstRunMs: end - loaded,
      otherMs: loaded - start - manifestMs - bytesMs - engineMs,
      bytes,
      artifact: model.backend.artifact,
    };
    log(`${config.model}: ${from} load to first prediction ${describe(timing)}`);
    return timing;
  } finally {
    await runtime.dispose();
  }
}

/**
 * The floor: the artifact edgeloop runs on `config.backend`, its bytes fetched (untimed)
 * into memory, then handed to a fresh engine-only worker that builds the model and runs
 * it once. Timed as {@link timeLoad}: from right after the worker started.
 */
async function floorLoad(config: StoreConfig, artifactId: string): Promise<StoreTiming> {
  const url = manifestUrl(config);
  const manifest = (await (await fetch(url)).json()) as Manifest;
  const artifact = manifest.artifacts.find((a) => a.id === artifactId);
  if (!artifact) throw new Error(`${config.name} has no artifact ${artifactId}`);
  const files = await Promise.all(artifact.files.map(async (f) => ({ path: f.path, bytes: await (await fetch(new URL(f.path, url))).arrayBuffer() })));
  const bytes = files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  const input = makeInput(manifest);
  const settings = resolveRuntimeSettings();
  const request: FloorRequest = {
    backend: config.backend,
    files,
    inputName: manifest.input.name,
    outputName: manifest.output.name,
    input: { data: input.prepared, shape: input.shape },
    numThreads: settings.wasmThreads,
    tfjsFlags: settings.tfjsFlags,
  };
  const worker = new Worker(new URL('./bench-store-floor-worker.ts', import.meta.url), { type: 'module', name: 'bench-store-floor' });
  try {
    const start = performance.now();
    const reply = await new Promise<FloorReply>((resolve, reject) => {
      worker.addEventListener('message', (event: MessageEvent<FloorReply>) => resolve(event.data), { once: true });
      worker.addEventListener('error', (event) => reject(new Error(`floor worker error: ${event.message}`)), { once: true });
      worker.postMessage(request, files.map((f) => f.bytes));
    });
    const ms = performance.now() - start;
    if (reply.type === 'error') throw new Error(`floor load failed on ${config.backend}: ${reply.message}`);
    const timing: StoreTiming = { from: 'memory', ms, bytesMs: 0, engineMs: reply.engineMs, firstRunMs: reply.firstRunMs, otherMs: ms - reply.engineMs - reply.firstRunMs, bytes, artifact: artifactId };
    log(`${config.model}: floor (${backendRow(config.backend).engine} from memory) to first prediction ${describe(timing)}`);
    return timing;
  } finally {
    worker.terminate();
  }
}

/** How many of a version's files the store keeps in OPFS, and how many in their IndexedDB rows. */
export interface FilesLayer {
  opfs: number;
  indexeddb: number;
}

/**
 * Installs the package into the store (the benchmark's set-up, not measured) and says
 * where the store put the bytes (read from its `files` rows: OPFS or IndexedDB).
 */
async function install(config: StoreConfig): Promise<{ version: string; bytes: number; filesLayer: FilesLayer }> {
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__ });
  let result;
  try {
    result = await runtime.store.install(config.name, { from: new URL(config.registry, location.href).href });
  } finally {
    await runtime.dispose();
  }
  const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
  const db = await request(indexedDB.open('edgeloop-models'));
  const rows = await request<Array<{ data?: Uint8Array }>>(db.transaction('files').objectStore('files').index('byVersion').getAll([config.name, result.version]));
  db.close();
  const inRows = rows.filter((row) => row.data).length;
  const filesLayer: FilesLayer = { opfs: rows.length - inRows, indexeddb: inRows };
  log(`${config.model}: installed ${config.name}@${result.version} (${result.bytes} bytes; files in OPFS ${filesLayer.opfs}, in IndexedDB ${filesLayer.indexeddb})`);
  return { version: result.version, bytes: result.bytes, filesLayer };
}

function describe(t: StoreTiming): string {
  return `${fmt(t.ms)} ms (bytes ${fmt(t.bytesMs)}, engine ${fmt(t.engineMs)}, first run ${fmt(t.firstRunMs)}, other ${fmt(t.otherMs)})`;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}

const benchStore = { networkLoad, cacheLoad, floorLoad, install };
declare global {
  interface Window {
    benchStore: typeof benchStore;
  }
}
window.benchStore = benchStore;
