/**
 * `npm run sync`: starts the sync endpoint with the configuration from the
 * environment (or the JSON file named by SYNC_CONFIG; see docs/SYNC-API.md) and stops
 * it gracefully on SIGTERM/SIGINT: no new requests, in-flight ones finish, the
 * database is closed.
 */
import { createSyncServer, isSyncError } from '../sync/index.ts';

let server;
try {
  server = await createSyncServer();
} catch (error) {
  if (isSyncError(error, 'CONFIG_INVALID')) {
    console.error(`sync: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const url = await server.listen();
console.log(`sync endpoint listening on ${url} (store: ${server.store.kind}, data: ${server.config.dataDir})`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`sync: ${signal}, closing`);
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('sync: close failed', error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
