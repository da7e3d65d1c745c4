/**
 * One endpoint per suite, on a random loopback port, over SQLite (a fresh `DATA_DIR`)
 * or a throwaway PostgreSQL database, with its own tokens and publisher key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, type SigningKeyPair } from '../../format/index.ts';
import { createSyncServer, type SyncJobsOptions, type SyncOptions, type SyncServer } from '../../sync/index.ts';
import { blobDigests, storeCounts, type StoreCounts } from './store-counts.ts';

/** The two stores every endpoint suite runs against. */
export type StoreKind = 'sqlite' | 'postgres';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** @defaultValue 'sqlite' */
  store?: StoreKind;
  /** Required with `store: 'postgres'`. */
  databaseUrl?: string;
  /** Share another server's data folder (a second replica; SQLite: the same file). Left in place on close. @defaultValue a fresh folder */
  dataDir?: string;
  /** Anything else for `createSyncServer` (tokens, keys and data folder are filled in). */
  options?: SyncOptions;
  /** An in-process job worker (`createSyncServer`'s `jobs`). */
  jobs?: SyncJobsOptions;
}

/** A running endpoint and what a test needs to talk to it. */
export interface TestServer {
  store: StoreKind;
  /** `http://127.0.0.1:<port>` */
  url: string;
  dataDir: string;
  databaseUrl?: string;
  adminToken: string;
  appToken: string;
  /** The key whose signatures the endpoint trusts. */
  publisher: SigningKeyPair;
  /** The key the endpoint signs `index.json` with. */
  indexKey: SigningKeyPair;
  /** The endpoint itself (its job queue, worker, alert machine). */
  sync: SyncServer;
  /** Rows per table and blobs, once the alert machine has judged every window stored so far (it runs up to 100 ms after a batch). */
  counts(): Promise<StoreCounts>;
  /** The digests of the stored blobs (files or PostgreSQL rows, wherever this endpoint keeps them), right now. */
  blobDigests(): Promise<Set<string>>;
  close(): Promise<void>;
}

/** Starts `createSyncServer` in this process on a random loopback port, with fresh tokens, publisher key and index key. */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const store = options.store ?? 'sqlite';
  if (store === 'postgres' && !options.databaseUrl) throw new TypeError('startServer: store "postgres" needs a databaseUrl');
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'edgeloop-sync-'));
  const removeDataDir = () => owned && rmSync(dataDir, { recursive: true, force: true });
  const [publisher, indexKey] = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair()]);
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const appToken = `app-${randomBytes(16).toString('hex')}`;
  const server = await createSyncServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    store: store === 'postgres' ? { databaseUrl: options.databaseUrl as string } : 'sqlite',
    adminTokens: [adminToken],
    appTokens: [appToken],
    publisherKeys: [publisher.publicKey],
    indexKey: { publicKey: indexKey.publicKey, privateKey: indexKey.privateKey },
    ...options.options,
    jobs: options.jobs,
  });
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    await server.close();
    removeDataDir();
    throw error;
  }
  return {
    store,
    url,
    dataDir,
    databaseUrl: options.databaseUrl,
    adminToken,
    appToken,
    publisher,
    indexKey,
    sync: server,
    counts: async () => {
      await server.alerts.kick();
      return storeCounts({ dataDir, databaseUrl: options.databaseUrl });
    },
    blobDigests: () => blobDigests({ dataDir, databaseUrl: options.databaseUrl }),
    close: async () => {
      await server.close();
      removeDataDir();
    },
  };
}
