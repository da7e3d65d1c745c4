/**
 * Runs one endpoint suite against each store (h3's `describeMatrix`): a real server on
 * a random loopback port over SQLite, and again over a throwaway PostgreSQL server.
 *
 * Where PostgreSQL cannot be had (not installed and not root), the PostgreSQL half is
 * skipped with a loud reason, except under `CI` or `SYNC_TEST_REQUIRE_POSTGRES=1`,
 * where it fails instead: CI must run both.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { ensurePostgres, startPostgres, type PostgresServer } from './postgres.ts';
import { startServer, type StartServerOptions, type StoreKind, type TestServer } from './test-server.ts';

/** What a suite body gets: the store it runs on, and the server once `beforeAll` has started it. */
export interface MatrixContext {
  store: StoreKind;
  /** The running server (read it inside tests and hooks, not at collection time). */
  readonly server: TestServer;
}

/** The stores suites run against, in order. */
export const STORES: readonly StoreKind[] = ['sqlite', 'postgres'];

const postgresRequired = (): boolean => Boolean(process.env.CI) || process.env.SYNC_TEST_REQUIRE_POSTGRES === '1';

/** What a suite passes on to `startServer` (or a function that makes it, run in `beforeAll`: a webhook receiver's URL, say). */
export type ServerOptions = Omit<StartServerOptions, 'store' | 'databaseUrl'>;

/** Declares `body` once per store, each with its own server (and PostgreSQL cluster). */
export function describeMatrix(title: string, body: (context: MatrixContext) => void, options: ServerOptions | (() => ServerOptions | Promise<ServerOptions>) = {}): void {
  for (const store of STORES) {
    let available = true;
    if (store === 'postgres' && !postgresRequired()) {
      const found = ensurePostgres();
      if (!found.ok) {
        available = false;
        console.warn(`\n!!! SKIPPING the PostgreSQL half of "${title}": ${found.reason}. Install Debian's postgresql (apt-get install -y postgresql) to run it.\n`);
      }
    }
    (available ? describe : describe.skip)(`${title} [${store}]`, () => {
      let server: TestServer | undefined;
      let postgres: PostgresServer | undefined;
      beforeAll(async () => {
        if (store === 'postgres') postgres = await startPostgres();
        const resolved = typeof options === 'function' ? await options() : options;
        server = await startServer({ ...resolved, store, databaseUrl: postgres?.databaseUrl });
      }, 120_000);
      afterAll(async () => {
        await server?.close();
        await postgres?.stop();
      }, 60_000);
      body({
        store,
        get server(): TestServer {
          if (!server) throw new Error('the server is not started yet: read context.server inside a test or hook');
          return server;
        },
      });
    });
  }
}
