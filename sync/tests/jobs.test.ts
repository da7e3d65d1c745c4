/**
 * The retraining job queue, over SQLite and PostgreSQL: enqueue and dedupe over HTTP,
 * claim order, progress and log visible while a handler runs, retries with backoff to
 * `failed`, a gate-failed success, lease expiry and fencing, a stopping worker, a drift
 * alert that enqueues one job, and the worker an endpoint runs in its own process.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { BaselineSignal } from '../../format/index.ts';
import { buildMnistPackage } from '../../test-support/mnist-package.ts';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { windowEvent } from '../../test-support/sync/drift-events.ts';
import { request, type RequestOptions } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { startServer } from '../../test-support/sync/test-server.ts';
import { SyncError, startJobWorker, type JobHandler, type JobWorker, type JobWorkerOptions } from '../index.ts';

const MODEL = 'jobs-model';
let baseline: BaselineSignal[];

beforeAll(async () => {
  baseline = (await buildMnistPackage()).manifest.baseline!.signals;
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A gate a handler waits on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describeMatrix(
  'retraining jobs',
  (t) => {
    const workers: JobWorker[] = [];
    const workerErrors: string[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    });
    const admin = (path: string, options: RequestOptions = {}) => request(t.server.url, path, { token: t.server.adminToken, ...options });
    const retrain = (name: string, json?: unknown) => admin(`/v1/models/${name}/retrain`, { method: 'POST', json });
    const job = async (id: number) => (await admin(`/v1/jobs/${id}`)).json.job;
    const untilState = (id: number, state: string) => waitFor(() => job(id), (j) => j.state === state, `job ${id} to be ${state}`);
    const worker = (retrainHandler: JobHandler, options: Partial<JobWorkerOptions> = {}): JobWorker => {
      const w = startJobWorker(t.server.sync.jobs, {
        workerId: `test-${workers.length}`,
        handlers: { retrain: retrainHandler },
        pollMs: 20,
        retryDelayMs: 20,
        onError: (message) => workerErrors.push(message),
        ...options,
      });
      workers.push(w);
      return w;
    };
    /** Runs every queued job to success, so the next test starts from an empty queue. */
    async function drain(): Promise<void> {
      const w = worker(async () => ({ drained: true }));
      await waitFor(() => t.server.sync.jobs.list({ limit: 1000 }), (jobs) => jobs.every((j) => j.state === 'succeeded' || j.state === 'failed'), 'the queue to drain');
      await w.stop();
    }

    beforeAll(async () => {
      await publishVersion(t.server, MODEL, '1.0.0');
    });

    it('enqueues a retrain of a published model once, answers the open job again, and refuses bad requests', async () => {
      const before = await t.server.counts();
      const refusals: [Promise<{ status: number; json: any }>, number, string][] = [
        [retrain('no-such-model'), 404, 'NOT_FOUND'],
        [retrain(MODEL, { parentVersion: '9.9.9' }), 404, 'NOT_FOUND'],
        [retrain(MODEL, { mode: 'sideways' }), 400, 'BAD_REQUEST'],
        [retrain(MODEL, { epochs: 3 }), 400, 'BAD_REQUEST'],
        [retrain(MODEL, { options: { nested: { deep: 1 } } }), 400, 'BAD_REQUEST'],
        [request(t.server.url, `/v1/models/${MODEL}/retrain`, { method: 'POST', token: t.server.appToken }), 403, 'FORBIDDEN'],
        [request(t.server.url, `/v1/models/${MODEL}/retrain`, { method: 'POST' }), 401, 'UNAUTHORIZED'],
        [request(t.server.url, '/v1/jobs', { token: t.server.appToken }), 403, 'FORBIDDEN'],
        [request(t.server.url, '/v1/jobs/1'), 401, 'UNAUTHORIZED'],
        [admin('/v1/jobs/424242'), 404, 'NOT_FOUND'],
        [admin('/v1/jobs/abc'), 400, 'BAD_REQUEST'],
        [admin('/v1/jobs?state=paused'), 400, 'BAD_REQUEST'],
        [admin('/v1/jobs?limit=0'), 400, 'BAD_REQUEST'],
      ];
      for (const [pending, status, code] of refusals) {
        const res = await pending;
        expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
      }
      expect((await retrain(MODEL, { parentVersion: '9.9.9' })).json.error.field).toBe('parentVersion');
      expect(await t.server.counts()).toEqual(before);

      // No body at all: the defaults.
      const first = await admin(`/v1/models/${MODEL}/retrain`, { method: 'POST' });
      expect(first.status).toBe(202);
      expect(first.json).toMatchObject({
        existing: false,
        job: {
          kind: 'retrain', model: MODEL, state: 'queued', attempts: 0, maxAttempts: 3, progress: 0, result: null, error: null,
          payload: { reason: 'manual', alertId: null, parentVersion: '1.0.0', mode: 'fine-tune', options: {} },
        },
      });
      const again = await retrain(MODEL, { mode: 'retrain', options: { epochs: 2 } });
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ existing: true, job: { id: first.json.job.id, payload: { mode: 'fine-tune' } } });
      expect((await admin(`/v1/jobs?model=${MODEL}&state=queued`)).json.jobs.map((j: any) => j.id)).toEqual([first.json.job.id]);

      await drain();
      // Once it is done, a new request is a new job.
      const next = await retrain(MODEL, { mode: 'retrain', parentVersion: '1.0.0', options: { epochs: 2, note: 'x' } });
      expect(next.status).toBe(202);
      expect(next.json.job).toMatchObject({ payload: { mode: 'retrain', options: { epochs: 2, note: 'x' } } });
      expect(next.json.job.id).toBeGreaterThan(first.json.job.id);
      const listed = (await admin(`/v1/jobs?model=${MODEL}`)).json.jobs.map((j: any) => j.id);
      expect(listed.slice(0, 2)).toEqual([next.json.job.id, first.json.job.id]);
      expect((await admin(`/v1/jobs?model=${MODEL}&limit=1&before=${next.json.job.id}`)).json.jobs.map((j: any) => j.id)).toEqual([first.json.job.id]);
      await drain();
    });

    it('claims the oldest due job first', async () => {
      const queue = t.server.sync.jobs;
      const ids: number[] = [];
      for (const model of ['order-c', 'order-a', 'order-b']) {
        ids.push((await queue.enqueue({ kind: 'retrain', model, payload: { reason: 'manual', alertId: null, parentVersion: null, mode: 'fine-tune', options: {} } })).job.id);
      }
      const claimed = [];
      for (let i = 0; i < 3; i++) claimed.push((await queue.claim({ kinds: ['retrain'], workerId: 'order', leaseMs: 10_000 }))!);
      expect(claimed.map((c) => c.job.id)).toEqual(ids);
      expect(claimed.map((c) => c.job.model)).toEqual(['order-c', 'order-a', 'order-b']);
      expect(await queue.claim({ kinds: ['retrain'], workerId: 'order', leaseMs: 10_000 })).toBeUndefined();
      for (const c of claimed) expect(await queue.complete(c.lease, null)).toBe(true);
    });

    it('shows progress and log lines over HTTP while the handler runs, then its result', async () => {
      const release = gate();
      worker(async (_job, ctx) => {
        await ctx.progress(0.25, 'fine-tuning from 1.0.0');
        await ctx.log('epoch 1/4: loss 0.41');
        await ctx.log('epoch 2/4: loss 0.33');
        await release.wait;
        return { published: true, version: '1.1.0' };
      });
      const { id } = (await retrain(MODEL)).json.job;
      const running = await waitFor(() => job(id), (j) => j.state === 'running' && j.log.length === 2, 'progress and two log lines');
      expect(running).toMatchObject({ progress: 0.25, message: 'fine-tuning from 1.0.0', attempts: 1, workerId: 'test-0', logLines: 2 });
      expect(running.log.map((l: any) => [l.attempt, l.line])).toEqual([[1, 'epoch 1/4: loss 0.41'], [1, 'epoch 2/4: loss 0.33']]);
      expect(Date.parse(running.log[0].at)).toBeLessThanOrEqual(Date.parse(running.log[1].at));
      expect(Date.parse(running.leaseUntil)).toBeGreaterThan(Date.now() - 1000);
      expect((await admin(`/v1/jobs/${id}?log=1`)).json.job.log.map((l: any) => l.line)).toEqual(['epoch 2/4: loss 0.33']);
      release.open();
      const done = await untilState(id, 'succeeded');
      expect(done).toMatchObject({ progress: 1, result: { published: true, version: '1.1.0' }, error: null, leaseUntil: null });
      expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
      const metrics = (await request(t.server.url, '/metrics')).text;
      expect(metrics).toMatch(/^sync_jobs\{kind="retrain",state="succeeded"\} [1-9]/m);
      expect(metrics).toMatch(/^sync_jobs\{kind="retrain",state="running"\} 0$/m);
      expect(metrics).toMatch(/^sync_job_attempts_total\{kind="retrain"\} [1-9]/m);
    });

    it('retries a throwing handler with a doubling delay, then fails the job with the last error', async () => {
      const calls: number[] = [];
      worker(async (j) => {
        calls.push(Date.now());
        throw new SyncError('INTERNAL', `attempt ${j.attempts}: the loss diverged`);
      }, { retryDelayMs: 150 });
      const { id } = (await retrain(MODEL, { maxAttempts: 3 })).json.job;
      const failed = await untilState(id, 'failed');
      expect(failed).toMatchObject({ attempts: 3, maxAttempts: 3, result: null, error: { code: 'INTERNAL', message: 'attempt 3: the loss diverged' } });
      expect(failed.finishedAt).not.toBeNull();
      expect(calls).toHaveLength(3);
      // 150 ms, then 300 ms (less a little: the database and the test read different clocks).
      expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(130);
      expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(280);
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toHaveLength(3);
      expect((await request(t.server.url, '/metrics')).text).toMatch(/^sync_job_failed_attempts_total\{kind="retrain"\} ([3-9]|\d\d+)$/m);
    });

    it('records a handler that publishes nothing (the gate failed) as a success with its reason', async () => {
      worker(async (_job, ctx) => {
        await ctx.log('gate: accuracy 0.91 < parent 0.95 - 0.01 on the parent test split');
        return { published: false, gate: { passed: false, reason: 'worse than the parent on its test split' } };
      });
      const { id } = (await retrain(MODEL)).json.job;
      const done = await untilState(id, 'succeeded');
      expect(done.result).toEqual({ published: false, gate: { passed: false, reason: 'worse than the parent on its test split' } });
      expect(done.log.map((l: any) => l.line)).toEqual(['gate: accuracy 0.91 < parent 0.95 - 0.01 on the parent test split']);
    });

    it('gives a job whose lease expired to another worker, and fences the first one off', async () => {
      const queue = t.server.sync.jobs;
      const { job: queued } = await queue.enqueue({ kind: 'retrain', model: 'lease-model', payload: { reason: 'manual', alertId: null, parentVersion: null, mode: 'fine-tune', options: {} } });
      // A worker that claims and then goes silent (no heartbeats).
      const stale = (await queue.claim({ kinds: ['retrain'], workerId: 'silent', leaseMs: 300 }))!;
      expect(stale.job.id).toBe(queued.id);
      expect(await queue.progress(stale.lease, 0.1, 'still here')).toBe(true);
      const runs: string[] = [];
      worker(async (j, ctx) => {
        runs.push(`${j.id}:${j.attempts}`);
        await ctx.log('taken over');
        return { by: 'second' };
      });
      const done = await untilState(queued.id, 'succeeded');
      expect(runs).toEqual([`${queued.id}:2`]);
      expect(done).toMatchObject({ attempts: 2, workerId: 'test-0', result: { by: 'second' }, error: { code: 'LEASE_EXPIRED' } });
      expect(done.error.message).toContain('silent');
      expect(await queue.complete(stale.lease, { by: 'first' })).toBe(false);
      expect(await queue.fail(stale.lease, { code: 'X', message: 'late' }, 10)).toBe('lost');
      expect(await queue.heartbeat(stale.lease, 1000)).toBe(false);
      expect(await queue.progress(stale.lease, 0.9, 'late')).toBe(false);
      expect(await queue.appendLog(stale.lease, 'late line')).toBe(false);
      expect(await queue.release(stale.lease)).toBe(false);
      expect(await job(queued.id)).toMatchObject({ state: 'succeeded', result: { by: 'second' }, log: [{ attempt: 2, line: 'taken over' }] });
    });

    it('stops a worker: the handler is aborted and its job goes back to the queue, its attempt given back', async () => {
      const started = gate();
      let reason: unknown;
      const first = worker(
        (_job, ctx) =>
          new Promise((_resolve, reject) => {
            started.open();
            ctx.signal.addEventListener('abort', () => reject((reason = ctx.signal.reason)));
          }),
      );
      const { id } = (await retrain(MODEL)).json.job;
      await started.wait;
      await first.stop();
      expect((reason as SyncError).code).toBe('WORKER_STOPPED');
      expect(await job(id)).toMatchObject({ state: 'queued', attempts: 0, error: null });
      worker(async () => ({ resumed: true }));
      expect(await untilState(id, 'succeeded')).toMatchObject({ attempts: 1, result: { resumed: true } });
    });

    it('enqueues one retrain job when a drift alert opens, however many alerts follow', async () => {
      const name = 'jobs-drifting';
      await publishVersion(t.server, name, '2.0.0');
      const minute = (i: number) => new Date(Date.UTC(2026, 10, 30, 12, i)).toISOString();
      const send = (deviceClass: string, start: number) =>
        request(t.server.url, '/v1/telemetry', {
          method: 'POST',
          token: t.server.appToken,
          json: {
            schema: 1, batchId: `batch-${deviceClass}-${start}`, deviceId: 'device-1', sentAt: new Date().toISOString(),
            events: [0, 1].map((i) => windowEvent({ model: name, version: '2.0.0', baseline, n: 500, drifted: true, windowStart: minute(start + i), deviceClass, seed: start + i + 1 })),
          },
        });
      expect((await send('phone', 0)).status).toBe(200);
      expect((await send('desktop', 2)).status).toBe(200);
      const alerts = await waitFor(async () => (await admin(`/v1/alerts?model=${name}`)).json.alerts, (a: any[]) => a.length === 2, 'two drift alerts');
      const jobs = (await admin(`/v1/jobs?model=${name}`)).json.jobs;
      expect(jobs).toHaveLength(1);
      const first = alerts.at(-1);
      expect(jobs[0]).toMatchObject({ state: 'queued', payload: { reason: 'alert', alertId: first.id, parentVersion: '2.0.0', mode: 'fine-tune' } });
      await drain();
    });

    it('runs a worker in the endpoint process when started with handlers, and stops it on close', async () => {
      const replica = await startServer({
        store: t.store,
        databaseUrl: t.server.databaseUrl,
        dataDir: t.server.dataDir,
        jobs: { handlers: { retrain: async (j, ctx) => (await ctx.log(`in-process ${j.id}`), { inProcess: true }) }, pollMs: 50, leaseMs: 2_000 },
      });
      try {
        expect(replica.sync.worker?.workerId).toMatch(/:\d+$/);
        const res = await request(replica.url, `/v1/models/${MODEL}/retrain`, { method: 'POST', token: replica.adminToken });
        expect(res.status).toBe(202);
        const done = await untilState(res.json.job.id, 'succeeded');
        expect(done).toMatchObject({ result: { inProcess: true }, workerId: replica.sync.worker!.workerId });
      } finally {
        await replica.close();
      }
      expect(workerErrors).toEqual([]);
    });
  },
  { options: { drift: { alertWindows: 2, pollMs: 100 } } },
);
