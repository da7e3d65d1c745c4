/**
 * "200 only after the batch is durable": the endpoint runs as its own process over
 * SQLite while 16 clients send batches with unique batchIds; the process is killed
 * with SIGKILL mid-run and started again on the same DATA_DIR. Every batch
 * acknowledged before the kill must be in the database; after the clients retry what
 * was not acknowledged (and some of what was), every batch is stored exactly once and
 * the summary counts each event once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../format/index.ts';
import { freePort } from '../../test-support/sync/free-port.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { request } from '../../test-support/sync/http.ts';
import { spawnServer, type SpawnedServer } from '../../test-support/sync/spawn-server.ts';
import { makeBatch, seededRandom, type TelemetryBatch } from '../../test-support/sync/telemetry-batch.ts';

const CLIENTS = 16;
const EVENTS_PER_BATCH = 20;
/** Kill once this many batches are acknowledged (or after KILL_AFTER_MS). */
const KILL_AT_ACKS = 600;
const KILL_AFTER_MS = 8_000;
const RETRIED_ACKED = 100;
const WINDOW = '2026-11-23T16:00:00.000Z';

const dataDir = mkdtempSync(join(tmpdir(), 'edgeloop-sync-durability-'));
let server: SpawnedServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Batch ids stored in the SQLite file, with their event counts (the schema of sync/store/migrations/sqlite). */
function storedBatches(): Map<string, number> {
  const db = new Database(join(dataDir, 'sync.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT batch_id AS id, event_count AS n FROM telemetry_batches').all() as Array<{ id: string; n: number }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    db.close();
  }
}

it('keeps every acknowledged batch through a SIGKILL, and counts retried batches once', async () => {
  const port = await freePort();
  const publisher = await generateSigningKeyPair();
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const appToken = `app-${randomBytes(16).toString('hex')}`;
  const env = { DATA_DIR: dataDir, SYNC_ADMIN_TOKENS: adminToken, SYNC_APP_TOKENS: appToken, SYNC_PUBLISHER_KEYS: publisher.publicKey, SYNC_SQLITE_SYNCHRONOUS: 'full' };
  server = await spawnServer({ port, env });
  const url = server.url;
  // Telemetry is accepted only for published model versions (makeBatch's mnist-centroid@1.0.0).
  await publishVersion({ url, adminToken, publisher }, 'mnist-centroid', '1.0.0');

  const batches: TelemetryBatch[] = [];
  const acked = new Set<string>();
  const unacked = new Set<string>();
  const post = (batch: TelemetryBatch) => request(url, '/v1/telemetry', { method: 'POST', token: appToken, json: batch, timeoutMs: 10_000 });

  let killed = false;
  let killing: Promise<void> | undefined;
  const kill = () => {
    killing ??= (async () => {
      killed = true;
      await server?.kill();
    })();
    return killing;
  };
  const timer = setTimeout(kill, KILL_AFTER_MS);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (!killed) {
        const batch = makeBatch({ batchId: `durable-${batches.length}-${randomBytes(6).toString('hex')}`, events: EVENTS_PER_BATCH, seed: batches.length, windowStart: WINDOW });
        batches.push(batch);
        try {
          const res = await post(batch);
          if (res.status === 200 && res.json?.batchId === batch.batchId) acked.add(batch.batchId);
          else unacked.add(batch.batchId);
        } catch {
          unacked.add(batch.batchId);
        }
        if (acked.size >= KILL_AT_ACKS) void kill();
      }
    }),
  );
  clearTimeout(timer);
  await killing;
  const ackedBeforeKill = acked.size;
  console.info(`[durability] ${batches.length} batches sent, ${ackedBeforeKill} acknowledged before SIGKILL, ${unacked.size} in flight or refused`);
  expect(ackedBeforeKill).toBeGreaterThan(50);
  expect(unacked.size).toBeGreaterThan(0); // the kill really landed mid-run

  server = await spawnServer({ port, env });
  // Every acknowledged batch is in the database, before any retry.
  const afterRestart = storedBatches();
  const lost = [...acked].filter((id) => !afterRestart.has(id));
  expect(lost, `${lost.length} acknowledged batches lost`).toEqual([]);
  const foundAfterRestart = [...acked].filter((id) => afterRestart.get(id) === EVENTS_PER_BATCH).length;
  console.info(`[durability] after restart: ${foundAfterRestart}/${ackedBeforeKill} acknowledged batches found; ${afterRestart.size} batches stored in all`);

  // Retry what was not acknowledged, plus a sample of what was (a client that never saw the 200).
  const rand = seededRandom(42);
  const ackedSample = [...acked].sort(() => rand() - 0.5).slice(0, RETRIED_ACKED);
  const byId = new Map(batches.map((b) => [b.batchId, b]));
  let duplicates = 0;
  for (const id of [...unacked, ...ackedSample]) {
    const res = await post(byId.get(id) as TelemetryBatch);
    expect(res.status, res.text).toBe(200);
    expect(res.json.accepted).toBe(EVENTS_PER_BATCH);
    if (acked.has(id)) expect(res.json.duplicate).toBe(true);
    if (res.json.duplicate) duplicates++;
  }
  console.info(`[durability] retried ${unacked.size} unacknowledged + ${ackedSample.length} acknowledged batches: ${duplicates} answered duplicate`);

  const stored = storedBatches();
  expect(stored.size).toBe(batches.length);
  for (const batch of batches) expect(stored.get(batch.batchId)).toBe(EVENTS_PER_BATCH);

  const summary = await request(url, `/v1/telemetry/summary?model=mnist-centroid&from=2026-11-23T00:00:00.000Z&to=2026-11-24T00:00:00.000Z`, { token: adminToken });
  expect(summary.status, summary.text).toBe(200);
  const events = (summary.json.buckets as Array<{ events: number }>).reduce((n, row) => n + row.events, 0);
  expect(events).toBe(batches.length * EVENTS_PER_BATCH);
}, 120_000);
