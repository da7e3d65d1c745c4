/**
 * `edgeloop sync` (`npm run sync`): starts the sync endpoint with the configuration
 * from the environment (or the JSON file named by SYNC_CONFIG; see docs/SYNC-API.md) and
 * stops it gracefully on SIGTERM/SIGINT: no new requests, in-flight ones finish, the
 * database is closed.
 */
import type { CliCommand } from './cli-command.ts';
import { parseFlags } from './cli-run.ts';

const usage = (prog: string) => `usage: ${prog}

Starts the sync endpoint (registry, telemetry, drift, feedback, retraining jobs), configured
by the environment: PORT, DATA_DIR, DATABASE_URL, SYNC_ADMIN_TOKENS, SYNC_APP_TOKENS, SYNC_PUBLISHER_KEYS, … or the JSON
file named by SYNC_CONFIG (docs/SYNC-API.md). Stops gracefully on SIGTERM or Ctrl-C.`;

async function run(args: readonly string[], prog: string): Promise<void> {
  try {
    if (!parseFlags({}, usage(prog), args)) return;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${usage(prog)}\n`);
    process.exitCode = 2;
    return;
  }
  // Loaded here, not above: `--help` and a bad flag need no endpoint packages.
  const { createSyncServer, isSyncError } = await import('../../sync/index.ts');
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
}

/** `edgeloop sync`. */
export const syncCommand: CliCommand = { run };
