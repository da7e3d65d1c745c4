/**
 * WAL checkpoints off the event loop. SQLite checkpoints, by default, in the connection
 * whose commit grows the WAL past 1,000 pages: on the endpoint's one connection that
 * copies megabytes into the database file and fsyncs it while no request is served.
 * This worker thread, on its own connection, runs a PASSIVE checkpoint (which never
 * blocks the writer) every `intervalMs`; the store raises its own autocheckpoint to
 * {@link SAFETY_CHECKPOINT_PAGES}, a safety net should this thread fall behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The endpoint connection's `wal_autocheckpoint` while a checkpointer runs (≈ 64 MiB of 4 KiB pages). */
export const SAFETY_CHECKPOINT_PAGES = 16_384;

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** A running checkpointer; `stop()` runs a last checkpoint and ends the thread. */
export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts the checkpoint thread on the database file at `path`. */
export function startCheckpointer(path: string, options: { intervalMs?: number; log?: (message: string) => void } = {}): Checkpointer {
  const worker = new Worker(WORKER, { eval: true, workerData: { path, module: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: options.intervalMs ?? 250 } });
  worker.on('message', (message: string) => options.log?.(`the WAL checkpoint failed (it is tried again): ${message}`));
  worker.on('error', (error) => options.log?.(`the WAL checkpoint thread stopped: ${error.message}`));
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  return {
    stop: () => {
      if (!stopping) {
        stopping = true;
        // Held from here: unref'd, a thread finishing a long last checkpoint let the
        // process exit (code 13) inside an awaited store close, with nothing else to run.
        worker.ref();
        worker.postMessage('stop');
      }
      return exited;
    },
  };
}
