/**
 * Test support for the endpoint's suites: a real server on a random loopback port over
 * a fresh temporary `DATA_DIR`, and signed packages built from real MNIST digits (the
 * `mnist` package). Not exported from `sync/index.ts`; tests import it directly.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPackage, type BuiltPackage, type SigningKeyPair } from '../format/index.ts';
import { createSyncServer, type SyncServer, type SyncServerOptions } from './server.ts';

/** A running test server. */
export interface TestServer {
  server: SyncServer;
  /** `http://127.0.0.1:<port>` */
  url: string;
  dataDir: string;
  /** Closes the server and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * Starts an endpoint on `127.0.0.1:0` with a temporary data folder. Pass `store:
 * { databaseUrl }` for PostgreSQL; tokens and keys must be given (the environment is
 * not read unless `env` is passed).
 */
export async function startTestServer(options: SyncServerOptions): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'edgeloop-sync-')));
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, env: {}, ...options, dataDir });
  const url = await server.listen();
  return {
    server,
    url,
    dataDir,
    stop: async () => {
      await server.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `count` real MNIST images of `digit`, as 8-bit pixels (784 per image). */
export function mnistDigits(digit: number, count: number): Uint8Array {
  let all = digitCache.get(digit);
  if (all === undefined) {
    const require = createRequire(import.meta.url);
    const file = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits', `${digit}.json`);
    const { data } = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    all = Uint8Array.from(data, (v) => Math.round(v * 255));
    digitCache.set(digit, all);
  }
  if (count * 784 > all.length) throw new RangeError(`the mnist package has ${all.length / 784} images of ${digit}`);
  return all.slice(0, count * 784);
}

const digitCache = new Map<number, Uint8Array>();

/**
 * A signed package whose weight shard holds real MNIST pixels (a nearest-centroid
 * "model": one prototype digit per class). `seed` picks which digits, so two seeds
 * give two packages with different bytes.
 */
export async function buildMnistPackage(version: string, signingKey: SigningKeyPair, options: { name?: string; seed?: number } = {}): Promise<BuiltPackage> {
  const seed = options.seed ?? 1;
  const prototypes = new Uint8Array(10 * 784 * 8);
  for (let d = 0; d < 10; d++) prototypes.set(mnistDigits(d, 8 * seed).subarray(784 * 8 * (seed - 1)), d * 784 * 8);
  const modelJson = new TextEncoder().encode(
    JSON.stringify({
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 'nearest-centroid', layers: [{ class_name: 'Dense', config: { units: 10 } }] } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'prototypes', shape: [10, 8, 784], dtype: 'uint8' }] }],
    }, null, 2),
  );
  return createPackage({
    manifest: {
      name: options.name ?? 'mnist-centroid',
      version,
      createdAt: '2026-01-15T12:00:00Z',
      task: 'image-classification',
      input: { name: 'image', shape: [-1, 28, 28, 1], dtype: 'float32', preprocessing: { scale: 1 / 255 } },
      output: { name: 'probabilities', shape: [-1, 10], labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], activation: 'softmax' },
      metrics: { accuracy: 0.8 + seed / 100 },
    },
    artifacts: [
      {
        id: 'tfjs-int8',
        engine: 'tfjs',
        precision: 'int8',
        target: 'generic',
        files: [
          { path: 'tfjs-int8/model.json', data: modelJson },
          { path: 'tfjs-int8/group1-shard1of1.bin', data: prototypes },
        ],
      },
    ],
    signingKey,
  });
}

/** The publish request body of a built package (docs/SYNC-API.md). */
export function publishBodyOf(pkg: BuiltPackage): { manifest: string; signature?: string; files: Record<string, string> } {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return {
    manifest: b64(pkg.manifestBytes),
    ...(pkg.signature ? { signature: b64(pkg.signature) } : {}),
    files: Object.fromEntries([...pkg.files].map(([path, data]) => [path, b64(data)])),
  };
}
