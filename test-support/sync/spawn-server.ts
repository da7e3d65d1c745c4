/**
 * The endpoint as its own process, started the way operators start it
 * (`scripts/sync.ts`, configured by environment): for the durability suite, which
 * kills it with SIGKILL, and for the benchmark, where the load generator must not
 * share the server's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request } from './http.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Options of {@link spawnServer}. */
export interface SpawnServerOptions {
  port: number;
  /** Environment of docs/SYNC-API.md (`DATA_DIR`, `SYNC_ADMIN_TOKENS`, …); `PORT` and `HOST` are set from `port`. */
  env: Record<string, string>;
  /** How long to wait for `/healthz`. @defaultValue 30000 */
  readyTimeoutMs?: number;
  /** Extra Node flags, e.g. `['--cpu-prof', '--cpu-prof-dir=…']` (Node refuses those in NODE_OPTIONS). @defaultValue [] */
  nodeArgs?: string[];
}

/** A running endpoint process. */
export interface SpawnedServer {
  url: string;
  child: ChildProcess;
  /** What the process printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hooks, no flush: a power cut as far as the process knows. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts `scripts/sync.ts` in a child process and waits until `/healthz` answers 200. */
export async function spawnServer(options: SpawnServerOptions): Promise<SpawnedServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'scripts/sync.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const server: SpawnedServer = { url, child, output: () => log, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`scripts/sync.ts exited (${child.exitCode ?? child.signalCode}) before /healthz answered:\n${log}`);
    }
    const ok = await request(url, '/healthz', { timeoutMs: 1_000 }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`scripts/sync.ts did not answer /healthz on ${url} within ${options.readyTimeoutMs ?? 30_000} ms:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
