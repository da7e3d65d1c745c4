/**
 * The checksum the model store records for each file at install, and checks on every
 * load instead of the file's SHA-256 (`RuntimeOptions.storeIntegrity: 'checksum'`, the
 * default): xxHash64 (xxhash-wasm), ~10 GB/s once compiled against WebCrypto SHA-256's
 * ~0.27 GB/s in Chromium here — 14 MB in ~5–10 ms instead of ~60–85 ms on the thread
 * that also starts the engine (docs/BENCHMARKS.md, `store`).
 *
 * What it is for: the bytes on disk changing after the install verified them (a damaged
 * disk, a bug, a half-written file) give INTEGRITY_MISMATCH naming the file instead of a
 * model that answers wrongly. What it is not: a defence against someone who can rewrite
 * the browser profile — they can rewrite the checksum too, and equally the runtime's
 * own cached code, which no load-time check of the model can stop. Against the network
 * and the registry, the SHA-256 of every file is checked against the signed manifest
 * when it is installed, and the manifest's signature again on every load.
 */
import xxhash, { type XXHashAPI } from 'xxhash-wasm';
import { EdgeloopError, verifyFileBytes, type ArtifactFile } from '../../format/index.ts';

/** The algorithm a recorded checksum was made with: the prefix of the stored string. */
const ALGORITHM = 'xxh64';
/**
 * Bytes per `update`. A first call over a 4 MB shard would run wholly in V8's baseline
 * wasm tier (~0.2 GB/s); in chunks, the optimised code takes over after a few of them.
 */
const CHUNK = 64 * 1024;

let hasher: Promise<XXHashAPI | undefined> | undefined;
let ready: XXHashAPI | undefined;

/**
 * Starts the wasm hasher (a few KB, compiled once per worker); resolves to it, or to
 * undefined where it cannot start (a page whose CSP forbids wasm): SHA-256 is used then.
 */
export function loadHasher(): Promise<XXHashAPI | undefined> {
  return (hasher ??= xxhash().then(
    (api) => (ready = api),
    (error: unknown) => {
      console.warn('edgeloop: the model store cannot start its xxHash64 checksum (WebAssembly refused?); stored files are checked with SHA-256 instead', error);
      return undefined;
    },
  ));
}

/**
 * `xxh64:<16 hex digits>` of `data`, or undefined where the hasher cannot run. Once the
 * hasher is loaded ({@link loadHasher}) the bytes are hashed synchronously, in the call.
 */
export async function fileChecksum(data: Uint8Array): Promise<string | undefined> {
  const api = ready ?? (await loadHasher());
  if (!api) return undefined;
  const state = api.create64();
  for (let at = 0; at < data.byteLength; at += CHUNK) state.update(data.subarray(at, at + CHUNK));
  return `${ALGORITHM}:${state.digest().toString(16).padStart(16, '0')}`;
}

/** Whether `recorded` is a checksum this code can check (an unknown algorithm falls back to SHA-256). */
export function isKnownChecksum(recorded: string | undefined): recorded is string {
  return typeof recorded === 'string' && recorded.startsWith(`${ALGORITHM}:`);
}

/** How the store checks a stored file's bytes on every load (`RuntimeOptions.storeIntegrity`). */
export type StoreIntegrity = 'checksum' | 'sha256';

/**
 * Checks bytes read back from the store for a load: the row must be the signed
 * manifest's file (its recorded SHA-256 is the manifest's), then the size, then, with
 * `checksum`, the checksum recorded at install — or the SHA-256 itself with `sha256`,
 * for a row that has no checksum (stores written before it), or where the hasher cannot run.
 *
 * @throws EdgeloopError `INTEGRITY_MISMATCH` with details `{ path, expected, actual, url, check }`
 *   (`check`: `'size'`, `'sha256'` or `'checksum'`).
 */
export async function verifyStoredFile(file: ArtifactFile, stored: { sha256: string; checksum?: string }, data: Uint8Array, integrity: StoreIntegrity, url: string): Promise<void> {
  const mismatch = (check: string, expected: unknown, actual: unknown, what: string) =>
    new EdgeloopError('INTEGRITY_MISMATCH', `manifest file ${file.path} (from ${url}): ${what}; refusing to load it — install the version again`, {
      details: { path: file.path, expected, actual, url, check },
    });
  if (stored.sha256 !== file.sha256) throw mismatch('sha256', file.sha256, stored.sha256, 'the stored file is not the one the signed manifest lists');
  if (integrity === 'sha256' || !isKnownChecksum(stored.checksum) || data.byteLength !== file.bytes) return verifyFileBytes(file, data, { url });
  const actual = await fileChecksum(data);
  if (actual === undefined) return verifyFileBytes(file, data, { url });
  if (actual !== stored.checksum) throw mismatch('checksum', stored.checksum, actual, `the stored bytes changed since the install checked them (${ALGORITHM} ${actual} ≠ ${stored.checksum}: a damaged disk or a modified profile)`);
}
