/**
 * `npm run bench -- sync`: telemetry ingest throughput of the sync endpoint. autocannon
 * on loopback posts batches of 50 drift events (each request a new batchId, so every
 * one is a real insert, not a duplicate) to `POST /v1/telemetry` with 64 connections,
 * over SQLite (the default `synchronous=full`) and over a throwaway PostgreSQL with its
 * durable defaults (fsync on). The baseline, in the same run and alternating with it
 * (bare, telemetry, bare, telemetry…), is a bare fastify route that parses the same
 * JSON body and answers 200: what HTTP and JSON alone cost on this machine.
 * Each server runs in its own child process, so it does not share autocannon's event
 * loop; afterwards the summary API must count exactly the events acknowledged.
 *
 * Options: `--store sqlite,postgres`, `--duration <s>` (per round, default 10),
 * `--rounds <n>` (default 2), `--connections <n>` (default 64), `--events <n>` (default 50),
 * `--cpu-prof <dir>` (the endpoint writes a V8 CPU profile there when it stops).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateSigningKeyPair } from '../../format/index.ts';
import { freePort } from '../../test-support/sync/free-port.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { request } from '../../test-support/sync/http.ts';
import { startPostgres, type PostgresServer } from '../../test-support/sync/postgres.ts';
import { spawnServer, type SpawnedServer } from '../../test-support/sync/spawn-server.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';
import type { Benchmark } from './benchmark.ts';
import type { ProgressLog } from './progress-log.ts';
import { percentile, round } from './stats.ts';
import { measureStages, type StageCosts } from './sync-stages.ts';

const STORES = ['sqlite', 'postgres'] as const;
type Store = (typeof STORES)[number];
const TARGETS = { sqliteEventsPerS: 20_000, sqliteP99Ms: 50, ratioToBare: 0.5 };
const WINDOW = '2026-11-23T16:00:00.000Z';

/** One row of the result. */
export interface SyncEntry {
  store: Store;
  events_per_s: number;
  p99_ms: number;
  /** Telemetry requests/s ÷ bare-route requests/s, medians of the rounds. */
  ratio_to_bare: number;
  telemetry_req_s: number;
  bare_req_s: number;
  telemetry_p50_ms: number;
  bare_p99_ms: number;
  /** Non-2xx answers and connection errors during the telemetry rounds (should be 0). */
  failed: number;
  /** Events the summary API counts after the run. */
  stored_events: number;
  /** Events in batches autocannon saw acknowledged (200), warm-up included. */
  acknowledged_events: number;
  /**
   * Every acknowledged event is stored, and at most the requests in flight when a run
   * stopped (one per connection per run, whose 200 autocannon no longer counts) are
   * stored on top.
   */
  stored_match: boolean;
}

interface Round {
  reqPerS: number;
  ok: number;
  p50: number;
  p99: number;
  failed: number;
}

/** The bare baseline: fastify with its defaults, one POST route that parses the JSON body and answers 200. */
const BARE_SERVER = `
import Fastify from 'fastify';
const app = Fastify({ bodyLimit: 1048576 });
app.post('/bare', async (req) => ({ ok: typeof req.body === 'object' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

async function spawnBare(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await request(url, '/bare', { method: 'POST', json: {}, timeoutMs: 1_000 }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the bare fastify server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One autocannon run; every request gets a fresh batchId spliced into a pre-serialised body. */
async function load(url: string, path: string, options: { token?: string; events: number; connections: number; duration: number }): Promise<Round> {
  const template = JSON.stringify(makeBatch({ batchId: 'BATCH_ID_PLACEHOLDER', events: options.events, seed: 11, windowStart: WINDOW }));
  const [head, tail] = template.split('BATCH_ID_PLACEHOLDER');
  const prefix = `bench-${randomBytes(6).toString('hex')}-`;
  let n = 0;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const result = await autocannon({
    url: `${url}${path}`,
    connections: options.connections,
    duration: options.duration,
    requests: [{ method: 'POST', path, headers, setupRequest: (req) => ({ ...req, body: `${head}${prefix}${n++}${tail}` }) }],
  });
  return { reqPerS: result['2xx'] / result.duration, ok: result['2xx'], p50: result.latency.p50, p99: result.latency.p99, failed: result.non2xx + result.errors };
}

async function benchStore(store: Store, args: { duration: number; rounds: number; connections: number; events: number; cpuProf?: string }, progress: ProgressLog): Promise<{ entry: SyncEntry; rounds: { bare: Round[]; telemetry: Round[] } }> {
  let postgres: PostgresServer | undefined;
  let server: SpawnedServer | undefined;
  let bare: { url: string; stop(): Promise<void> } | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'edgeloop-sync-bench-'));
  try {
    if (store === 'postgres') {
      progress.note('── starting a throwaway PostgreSQL (fsync on)');
      postgres = await startPostgres({ fsync: true, database: 'edgeloop_bench' });
    }
    const adminToken = `admin-${randomBytes(16).toString('hex')}`;
    const appToken = `app-${randomBytes(16).toString('hex')}`;
    const publisher = await generateSigningKeyPair();
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      SYNC_ADMIN_TOKENS: adminToken,
      SYNC_APP_TOKENS: appToken,
      SYNC_PUBLISHER_KEYS: publisher.publicKey,
      // One token and one IP send everything here; the limits are not what is measured.
      SYNC_RATE_LIMIT_PER_MINUTE: '1000000000',
      SYNC_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000000',
    };
    if (postgres) env.DATABASE_URL = postgres.databaseUrl;
    server = await spawnServer({ port: await freePort(), env, nodeArgs: args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : [] });
    // Telemetry is accepted only for published model versions (makeBatch's mnist-centroid@1.0.0).
    await publishVersion({ url: server.url, adminToken, publisher }, 'mnist-centroid', '1.0.0');
    bare = await spawnBare(await freePort());
    const common = { events: args.events, connections: args.connections };

    progress.note(`── ${store}: warm-up (2 s each)`);
    const warm = await load(server.url, '/v1/telemetry', { ...common, token: appToken, duration: 2 });
    await load(bare.url, '/bare', { ...common, duration: 2 });
    let acknowledged = warm.ok;

    const rounds = { bare: [] as Round[], telemetry: [] as Round[] };
    for (let i = 0; i < args.rounds; i++) {
      const b = await load(bare.url, '/bare', { ...common, duration: args.duration });
      rounds.bare.push(b);
      const t = await load(server.url, '/v1/telemetry', { ...common, token: appToken, duration: args.duration });
      rounds.telemetry.push(t);
      acknowledged += t.ok;
      progress.note(`   round ${i + 1}: bare ${Math.round(b.reqPerS)} req/s (p99 ${b.p99} ms); telemetry ${Math.round(t.reqPerS)} req/s = ${Math.round(t.reqPerS * args.events)} events/s (p99 ${t.p99} ms, ${t.failed} failed)`);
    }

    const summary = await request(server.url, `/v1/telemetry/summary?from=2026-11-23T00:00:00.000Z&to=2026-11-24T00:00:00.000Z`, { token: adminToken, timeoutMs: 60_000 });
    const stored = summary.status === 200 ? (summary.json.buckets as Array<{ events: number }>).reduce((n, row) => n + row.events, 0) : -1;

    const median = (rs: Round[], key: keyof Round) => percentile(rs.map((r) => r[key]), 50);
    const telemetryReqS = median(rounds.telemetry, 'reqPerS');
    const bareReqS = median(rounds.bare, 'reqPerS');
    return {
      entry: {
        store,
        events_per_s: Math.round(telemetryReqS * args.events),
        p99_ms: round(median(rounds.telemetry, 'p99'), 1),
        ratio_to_bare: round(telemetryReqS / bareReqS),
        telemetry_req_s: Math.round(telemetryReqS),
        bare_req_s: Math.round(bareReqS),
        telemetry_p50_ms: round(median(rounds.telemetry, 'p50'), 1),
        bare_p99_ms: round(median(rounds.bare, 'p99'), 1),
        failed: rounds.telemetry.reduce((n, r) => n + r.failed, 0),
        stored_events: stored,
        acknowledged_events: acknowledged * args.events,
        stored_match: stored >= acknowledged * args.events && stored <= (acknowledged + args.connections * (args.rounds + 1)) * args.events,
      },
      rounds,
    };
  } finally {
    await bare?.stop();
    await server?.stop();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Σ of the stages, each weighted by `weights` (default 1). */
function stageSum(stages: StageCosts, weights: Partial<Record<keyof StageCosts, number>> = {}): number {
  return Object.entries(stages).reduce((sum, [k, v]) => sum + v * (weights[k as keyof StageCosts] ?? 1), 0);
}

export const syncBenchmark: Benchmark = {
  async run(argv, progress) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        store: { type: 'string', default: STORES.join(',') },
        duration: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '2' },
        connections: { type: 'string', default: '64' },
        events: { type: 'string', default: '50' },
        'cpu-prof': { type: 'string' },
      },
    });
    const positive = (name: string, value: string | undefined, max: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new RangeError(`--${name} must be an integer from 1 to ${max} (got ${value})`);
      return n;
    };
    const args = {
      duration: positive('duration', values.duration, 600),
      rounds: positive('rounds', values.rounds, 20),
      connections: positive('connections', values.connections, 1000),
      events: positive('events', values.events, 500),
      cpuProf: values['cpu-prof'],
    };
    const stores = (values.store ?? '').split(',').map((s) => s.trim());
    for (const s of stores) if (!(STORES as readonly string[]).includes(s)) throw new RangeError(`unknown store "${s}"; known: ${STORES.join(', ')}`);

    const entries: SyncEntry[] = [];
    const samples: Record<string, { bare: Round[]; telemetry: Round[] }> = {};
    for (const store of stores as Store[]) {
      const { entry, rounds } = await benchStore(store, args, progress);
      entries.push(entry);
      samples[store] = rounds;
    }
    const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
    const lines = [
      `| store | events/s | p99 ms | p50 ms | telemetry req/s | bare req/s | ratio_to_bare | ≥ ${TARGETS.ratioToBare} | failed | acknowledged ≤ stored ≤ +in-flight |`,
      '|---|--:|--:|--:|--:|--:|--:|:-:|--:|:-:|',
      ...entries.map(
        (e) =>
          `| ${e.store} | ${e.events_per_s} | ${e.p99_ms} | ${e.telemetry_p50_ms} | ${e.telemetry_req_s} | ${e.bare_req_s} | ${e.ratio_to_bare.toFixed(3)} | ${yes(e.ratio_to_bare >= TARGETS.ratioToBare)} | ${e.failed} | ${yes(e.stored_match)} |`,
      ),
    ];
    const sqlite = entries.find((e) => e.store === 'sqlite');
    if (sqlite) {
      lines.push('', `SQLite targets: ≥ ${TARGETS.sqliteEventsPerS} events/s: ${yes(sqlite.events_per_s >= TARGETS.sqliteEventsPerS)}; p99 ≤ ${TARGETS.sqliteP99Ms} ms: ${yes(sqlite.p99_ms <= TARGETS.sqliteP99Ms)}`);
    }
    progress.note('── where a batch\'s CPU goes (in-process, SQLite)');
    const stages = await measureStages(args.events);
    const bareUs = sqlite ? Math.round(1e6 / sqlite.bare_req_s) : null;
    const stageBound = bareUs === null ? null : round(bareUs / (bareUs + stageSum(stages, { parse: 0 })));
    lines.push(
      '',
      `| CPU µs per batch | ${Object.keys(stages).join(' | ')} | Σ beyond parse | bare request (1 s ÷ bare req/s) | ratio bound |`,
      `|---|${Object.keys(stages).map(() => '--:').join('|')}|--:|--:|--:|`,
      `| ${args.events} events | ${Object.values(stages).join(' | ')} | ${stageSum(stages, { parse: 0 })} | ${bareUs ?? '–'} | ${stageBound ?? '–'} |`,
    );
    return {
      json: {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version },
        settings: args,
        targets: TARGETS,
        entries,
        samples,
        stages_cpu_us_per_batch: stages,
        /** What ratio_to_bare could reach if the bare route's cost per request bought HTTP and parsing and the rest only cost its stages' CPU. */
        ratio_bound_from_stages: stageBound,
      },
      table: lines.join('\n'),
    };
  },
};
