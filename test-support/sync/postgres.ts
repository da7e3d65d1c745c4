/**
 * A real, throwaway PostgreSQL server for the endpoint's tests and benchmark: Debian's
 * `postgresql` binaries, a fresh cluster in a temporary folder, a random loopback port,
 * one database and one password-protected role. Nothing is mocked: the PostgreSQL
 * adapter is tested against the server fleets run.
 *
 * As root (CI, these machines) `initdb` refuses to run, so the cluster belongs to the
 * `postgres` system user and every server command runs through `runuser`
 * (https://www.postgresql.org/docs/15/app-initdb.html: "initdb must be run as the user
 * that will own the server process").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

/** A running throwaway server. */
export interface PostgresServer {
  /** `postgres://<role>:<password>@127.0.0.1:<port>/<database>` for `DATABASE_URL`. */
  databaseUrl: string;
  /** Stops the server (fast shutdown) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Keep `fsync` on. Tests turn it off (they never crash the machine, and it keeps
   * them fast); a benchmark keeps PostgreSQL's durable default.
   * @defaultValue false
   */
  fsync?: boolean;
  /** @defaultValue 'edgeloop_test' */
  database?: string;
}

/** Where the binaries are, or why there are none. */
export type PostgresAvailability = { ok: true; binDir: string } | { ok: false; reason: string };

const POSTGRES_ROOT = '/usr/lib/postgresql';

function findBinDir(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((v) => existsSync(join(POSTGRES_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

let availability: PostgresAvailability | undefined;

/**
 * Finds Debian's PostgreSQL binaries; as root, installs `postgresql` with apt-get when
 * they are missing (a fresh CI machine). Remembered for the process.
 */
export function ensurePostgres(): PostgresAvailability {
  if (availability) return availability;
  let binDir = findBinDir();
  if (!binDir && isRoot()) {
    const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'], {
      stdio: 'inherit',
      timeout: 300_000,
    });
    binDir = findBinDir();
    if (!binDir) {
      availability = { ok: false, reason: `apt-get install -y postgresql failed (exit ${install.status ?? install.signal}); no ${POSTGRES_ROOT}/*/bin/initdb` };
      return availability;
    }
  }
  availability = binDir
    ? { ok: true, binDir }
    : { ok: false, reason: `Debian's postgresql is not installed (no ${POSTGRES_ROOT}/*/bin/initdb) and this process is not root, so it cannot apt-get install it` };
  return availability;
}

/** Runs a server binary as the cluster's owner: `postgres` when we are root, ourselves otherwise. */
function runAsOwner(bin: string, args: string[], timeout = 60_000): string {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    return execFileSync(file, argv, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, { cause: error });
  }
}

function ownerIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts a fresh PostgreSQL cluster on a free loopback port and creates a database
 * owned by a new role with a random password.
 *
 * @throws Error when the binaries are missing (see {@link ensurePostgres}) or a step fails;
 *   the message carries the server's own output.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const found = ensurePostgres();
  if (!found.ok) throw new Error(`cannot start PostgreSQL: ${found.reason}`);
  const { binDir } = found;
  const database = options.database ?? 'edgeloop_test';

  const root = mkdtempSync(join(tmpdir(), 'edgeloop-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  const logFile = join(root, 'server.log');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(socketDir);
  if (isRoot()) {
    const { uid, gid } = ownerIds();
    for (const dir of [root, dataDir, socketDir]) chownSync(dir, uid, gid);
  }

  const port = await freePort();
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      process.removeListener('exit', stopSync);
      try {
        runAsOwner(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } catch (error) {
        console.warn(`[postgres] stop failed: ${(error as Error).message}`);
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  // A crashed test run must not leave a server behind.
  const stopSync = (): void => {
    spawnSync(isRoot() ? 'runuser' : join(binDir, 'pg_ctl'), isRoot() ? ['-u', 'postgres', '--', join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'] : ['-D', dataDir, '-m', 'immediate', 'stop']);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    runAsOwner(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync'], 120_000);
    const settings = [
      `-p ${port}`,
      `-k ${socketDir}`,
      '-c listen_addresses=127.0.0.1',
      `-c fsync=${options.fsync ? 'on' : 'off'}`,
      `-c synchronous_commit=${options.fsync ? 'on' : 'off'}`,
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    runAsOwner(join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start'], 90_000);
    started = true;
    process.once('exit', stopSync);

    const password = randomBytes(18).toString('base64url');
    const role = 'edgeloop';
    const admin = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    } finally {
      await admin.end();
    }
    return { databaseUrl: `postgres://${role}:${password}@127.0.0.1:${port}/${database}`, stop };
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`could not start PostgreSQL on port ${port}: ${(error as Error).message}${log ? `\n--- server.log ---\n${log}` : ''}`, { cause: error });
  }
}
