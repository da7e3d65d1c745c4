/**
 * A retrain worker as its own process, the way one runs on another machine:
 * `openJobQueue()` on the endpoint's database (`DATABASE_URL`, or the SQLite file in
 * `DATA_DIR`) and `startJobWorker()`. Its handler stands in for a real retrain: it marks
 * that it started, waits for the file `go` in `JOB_EFFECTS_DIR` (so a test can kill it
 * mid-job), then performs its side effect idempotently — `effect-<job id>` created once,
 * whoever runs the job — and appends one line per time it reached the effect to
 * `effects.log`, which is what the test counts. SIGTERM stops the worker cleanly.
 *
 * Environment: `WORKER_ID`, `JOB_EFFECTS_DIR`, `LEASE_MS` (default 1000), `POLL_MS` (default 50).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openJobQueue, startJobWorker } from '../../sync/index.ts';

const workerId = process.env.WORKER_ID ?? `worker-${process.pid}`;
const dir = process.env.JOB_EFFECTS_DIR;
if (!dir) throw new Error('JOB_EFFECTS_DIR is required');

const queue = await openJobQueue();
const worker = startJobWorker(queue, {
  workerId,
  leaseMs: Number(process.env.LEASE_MS ?? 1000),
  pollMs: Number(process.env.POLL_MS ?? 50),
  handlers: {
    retrain: async (job, ctx) => {
      writeFileSync(join(dir, `started-${job.id}-${workerId}-${job.attempts}`), '');
      await ctx.log(`${workerId} started attempt ${job.attempts}`);
      await ctx.progress(0.5, `${workerId} waiting for go`);
      while (!existsSync(join(dir, 'go'))) {
        ctx.signal.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      ctx.signal.throwIfAborted();
      try {
        writeFileSync(join(dir, `effect-${job.id}`), workerId, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        await ctx.log('the effect was already there (an earlier attempt made it)');
      }
      appendFileSync(join(dir, 'effects.log'), `${job.id} ${workerId}\n`);
      return { by: workerId };
    },
  },
});
process.stdout.write(`ready ${workerId}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    await queue.close();
    process.exit(0);
  })();
});
