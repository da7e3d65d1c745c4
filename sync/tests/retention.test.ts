/**
 * Retention of the retrain loop's tables, over SQLite and PostgreSQL: finished jobs
 * that ended past `SYNC_JOB_RETENTION_DAYS` go with their log lines while queued and
 * running jobs stay whatever their age; model events past `SYNC_EVENT_RETENTION_DAYS`
 * go except each model's newest; the counters `/metrics` reads from the database never
 * go down, and `sync_retention_pruned_total` says what went; two replicas pruning at
 * once delete and count each row once; an endpoint prunes on its own timer.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request } from '../../test-support/sync/http.ts';
import { runSql } from '../../test-support/sync/raw-sql.ts';
import { rowsOf, without, type StoreCounts } from '../../test-support/sync/store-counts.ts';
import { startServer, type TestServer } from '../../test-support/sync/test-server.ts';
import type { JobState, RetrainPayload } from '../index.ts';

const DAY = 86_400_000;
const daysAgo = (days: number, plusMs = 0): string => new Date(Date.now() - days * DAY + plusMs).toISOString();
const PAYLOAD: RetrainPayload = { reason: 'manual', alertId: null, parentVersion: null, mode: 'fine-tune', options: {} };
/** Events kept per model in this suite (the default is 100). */
const KEEP = 3;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of one exact metric line (`name{labels}`), read from `/metrics`. */
async function metric(server: TestServer, line: string): Promise<number> {
  const text = (await request(server.url, '/metrics')).text;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (found === undefined) throw new Error(`no ${line} in /metrics`);
  return Number(found.slice(line.length + 1));
}

/** The counters retention must keep from going down, and what it reports. */
const COUNTERS = [
  'sync_job_attempts_total{kind="retrain"}',
  'sync_job_failed_attempts_total{kind="retrain"}',
  'sync_loop_events_total{kind="retrain-finished"}',
  'sync_loop_events_total{kind="canary-decision"}',
  'sync_canary_decisions_total{action="promote"}',
  'sync_canary_decisions_total{action="rollback"}',
] as const;
const PRUNED = ['jobs', 'job_log', 'model_events'].map((table) => `sync_retention_pruned_total{table="${table}"}`);
const read = async (server: TestServer, lines: readonly string[]): Promise<Record<string, number>> =>
  Object.fromEntries(await Promise.all(lines.map(async (line) => [line, await metric(server, line)] as const)));

describeMatrix(
  'retention',
  (t) => {
    const queue = () => t.server.sync.jobs;
    const backdate = (table: 'jobs', column: string, id: number, at: string) => runSql(t.server, [[`UPDATE ${table} SET ${column} = ? WHERE id = ?`, [at, id]]]);

    /** A retrain job of `model` run to `state` by hand, with `lines` log lines, finished `days` ago. */
    async function finishedJob(model: string, state: Extract<JobState, 'succeeded' | 'failed'>, lines: number, days: number): Promise<number> {
      const { job } = await queue().enqueue({ kind: 'retrain', model, payload: PAYLOAD, maxAttempts: 1 });
      const claimed = await queue().claim({ kinds: ['retrain'], workerId: 'retention-test', leaseMs: 3_600_000 });
      expect(claimed?.job.id).toBe(job.id);
      for (let i = 0; i < lines; i++) expect(await queue().appendLog(claimed!.lease, `${model} line ${i}`)).toBe(true);
      if (state === 'succeeded') expect(await queue().complete(claimed!.lease, { outcome: 'published' })).toBe(true);
      else expect(await queue().fail(claimed!.lease, { code: 'HANDLER_FAILED', message: 'no' }, 0)).toBe('failed');
      await backdate('jobs', 'finished_at', job.id, daysAgo(days));
      return job.id;
    }

    beforeAll(async () => {
      // The pass `listen()` started: let it end, so each test's pass is its own.
      await t.server.sync.retention.run();
    });

    it('deletes finished jobs older than 30 days with their log lines; recent finished, queued and running jobs stay whatever their age', async () => {
      const oldSucceeded = await finishedJob('old-succeeded', 'succeeded', 3, 31);
      const oldFailed = await finishedJob('old-failed', 'failed', 2, 400);
      const recent = await finishedJob('recent-succeeded', 'succeeded', 1, 29);
      // A running job that started a year ago (its lease still held), and a job queued a year ago; both with a
      // finished_at in the past, as no real row has, to show that the state decides, not the time.
      const { job: running } = await queue().enqueue({ kind: 'retrain', model: 'running-for-a-year', payload: PAYLOAD });
      const claimed = await queue().claim({ kinds: ['retrain'], workerId: 'retention-test', leaseMs: 3_600_000 });
      expect(claimed?.job.id).toBe(running.id);
      await queue().appendLog(claimed!.lease, 'still going');
      const { job: queued } = await queue().enqueue({ kind: 'retrain', model: 'queued-for-a-year', payload: PAYLOAD });
      for (const id of [running.id, queued.id]) {
        await runSql(t.server, [[`UPDATE jobs SET created_at = ?, started_at = ?, finished_at = ? WHERE id = ?`, [daysAgo(365), daysAgo(365), daysAgo(364), id]]]);
      }

      const countersBefore = await read(t.server, COUNTERS);
      const prunedBefore = await read(t.server, PRUNED);
      const before = await t.server.counts();
      expect(await t.server.sync.retention.run()).toEqual({ jobs: 2, logLines: 5, events: 0 });
      const after = await t.server.counts();

      expect(rowsOf(after, 'jobs')).toBe(rowsOf(before, 'jobs') - 2);
      expect(rowsOf(after, 'job_log')).toBe(rowsOf(before, 'job_log') - 5);
      const untouched = (counts: StoreCounts) => ['jobs', 'job_log', 'retention_tallies'].reduce(without, counts);
      expect(untouched(after)).toEqual(untouched(before));
      for (const id of [oldSucceeded, oldFailed]) {
        expect(await queue().get(id)).toBeUndefined();
        expect((await request(t.server.url, `/v1/jobs/${id}`, { token: t.server.adminToken })).status).toBe(404);
        expect(await queue().log(id, 100)).toEqual({ lines: [], total: 0 });
      }
      expect((await queue().get(recent))?.state).toBe('succeeded');
      expect((await queue().log(recent, 100)).lines.map((l) => l.line)).toEqual(['recent-succeeded line 0']);
      expect((await queue().get(running.id))?.state).toBe('running');
      expect((await queue().log(running.id, 100)).total).toBe(1);
      expect((await queue().get(queued.id))?.state).toBe('queued');
      // The running job's worker still holds it, and the queued job can still be claimed: retention took nothing from under them.
      expect(await queue().complete(claimed!.lease, { outcome: 'published' })).toBe(true);
      const next = await queue().claim({ kinds: ['retrain'], workerId: 'retention-test', leaseMs: 3_600_000 });
      expect(next?.job.id).toBe(queued.id);
      expect(await queue().complete(next!.lease, { outcome: 'published' })).toBe(true);

      expect(await read(t.server, COUNTERS)).toEqual({
        ...countersBefore,
        [COUNTERS[0]]: countersBefore[COUNTERS[0]] + 1,
        [COUNTERS[2]]: countersBefore[COUNTERS[2]] + 2,
      });
      expect(await read(t.server, PRUNED)).toEqual({
        [PRUNED[0]]: prunedBefore[PRUNED[0]] + 2,
        [PRUNED[1]]: prunedBefore[PRUNED[1]] + 5,
        [PRUNED[2]]: prunedBefore[PRUNED[2]],
      });
      expect(await t.server.sync.retention.run()).toEqual({ jobs: 0, logLines: 0, events: 0 });
    });

    it(`deletes events older than 180 days but keeps each model's newest ${KEEP}, also when all are old; counters stay`, async () => {
      const store = t.server.sync.store;
      const record = (model: string, at: string, action: 'promote' | 'rollback') =>
        store.recordEvent({ model, kind: 'canary-decision', version: null, at, by: 'admin:retention', details: { action } });
      // all-old: 10 events of 200 days ago → its newest 3 stay.
      for (let i = 0; i < 10; i++) await record('all-old', daysAgo(200, i * 60_000), i % 2 === 0 ? 'promote' : 'rollback');
      // mixed: 3 old, then 2 recent → the newest 3 (1 old, 2 recent) stay.
      for (let i = 0; i < 3; i++) await record('mixed', daysAgo(181, i * 60_000), 'rollback');
      for (let i = 0; i < 2; i++) await record('mixed', daysAgo(1, i * 60_000), 'promote');
      // few-old: 2 events of a year ago, fewer than 3 → both stay.
      for (let i = 0; i < 2; i++) await record('few-old', daysAgo(365, i * 60_000), 'promote');
      // recent: 6 events of 10 days ago → all stay.
      for (let i = 0; i < 6; i++) await record('recent', daysAgo(10, i * 60_000), 'promote');
      const ids = async (model: string) => (await store.listEvents({ model, limit: 100 })).map((e) => e.id);
      const [allOld, mixed, fewOld, recent] = await Promise.all(['all-old', 'mixed', 'few-old', 'recent'].map(ids));

      const countersBefore = await read(t.server, COUNTERS);
      const prunedBefore = await read(t.server, PRUNED);
      const before = await t.server.counts();
      expect(await t.server.sync.retention.run()).toEqual({ jobs: 0, logLines: 0, events: 7 + 2 });
      expect(await ids('all-old')).toEqual(allOld.slice(0, KEEP));
      expect(await ids('mixed')).toEqual(mixed.slice(0, KEEP));
      expect(await ids('few-old')).toEqual(fewOld);
      expect(await ids('recent')).toEqual(recent);

      const after = await t.server.counts();
      expect(rowsOf(after, 'model_events')).toBe(rowsOf(before, 'model_events') - 9);
      expect(await read(t.server, COUNTERS)).toEqual(countersBefore);
      expect((await read(t.server, PRUNED))[PRUNED[2]]).toBe(prunedBefore[PRUNED[2]] + 9);
      expect(await t.server.sync.retention.run()).toEqual({ jobs: 0, logLines: 0, events: 0 });
    });

    it('two replicas pruning at once delete and count each old job once', async () => {
      const replica = await startServer({ store: t.store, databaseUrl: t.server.databaseUrl, dataDir: t.server.dataDir });
      try {
        await replica.sync.retention.run();
        const n = 120;
        const old = daysAgo(90);
        await runSql(t.server, [
          ...Array.from({ length: n }, (_, i): [string, unknown[]] => [
            `INSERT INTO jobs (kind, model, payload, state, attempts, max_attempts, failures, lease_token, run_after, created_at, finished_at)
             VALUES ('retrain', ?, ?, 'succeeded', 2, 3, 1, 2, ?, ?, ?)`,
            [`bulk-${i}`, JSON.stringify(PAYLOAD), old, old, old],
          ]),
          [`INSERT INTO job_log (job_id, attempt, at, line) SELECT id, 1, created_at, 'a line' FROM jobs WHERE model LIKE 'bulk-%'`, []],
          [`INSERT INTO job_log (job_id, attempt, at, line) SELECT id, 2, created_at, 'another' FROM jobs WHERE model LIKE 'bulk-%'`, []],
        ]);
        const attempts = await metric(t.server, COUNTERS[0]);
        const failures = await metric(t.server, COUNTERS[1]);
        const prunedJobs = await metric(t.server, PRUNED[0]);
        const passes = await Promise.all([t.server.sync.retention.run(), replica.sync.retention.run(), t.server.sync.retention.run()]);
        // The third call joins the first's pass: count each pass once.
        expect(passes[2]).toBe(passes[0]);
        expect(passes[0].jobs + passes[1].jobs).toBe(n);
        expect(passes[0].logLines + passes[1].logLines).toBe(2 * n);
        const left = await runSql(t.server, [[`SELECT count(*) AS n FROM jobs WHERE model LIKE 'bulk-%'`, []]]);
        expect(Number(left[0].n)).toBe(0);
        for (const server of [t.server, replica]) {
          expect(await metric(server, PRUNED[0])).toBe(prunedJobs + n);
          expect(await metric(server, COUNTERS[0])).toBe(attempts);
          expect(await metric(server, COUNTERS[1])).toBe(failures);
        }
      } finally {
        await replica.close();
      }
    });

    it('an endpoint prunes on its own timer, and stops when closed', async () => {
      const replica = await startServer({ store: t.store, databaseUrl: t.server.databaseUrl, dataDir: t.server.dataDir, options: { retention: { intervalMs: 1000 } } });
      let closed = false;
      try {
        const jobId = await finishedJob('timer', 'succeeded', 1, 45);
        await waitFor(() => queue().get(jobId), (job) => job === undefined, 'the replica to prune the job on its timer', 10_000);
        await replica.close();
        closed = true;
        const again = await finishedJob('timer', 'succeeded', 1, 45);
        await new Promise((r) => setTimeout(r, 2500));
        expect(await queue().get(again)).toBeDefined();
      } finally {
        if (!closed) await replica.close();
      }
    }, 30_000);
  },
  { options: { retention: { eventsKeptPerModel: KEEP } } },
);
