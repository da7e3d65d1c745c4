/**
 * Retrain workers as real processes on the endpoint's database: one claims a job and is
 * SIGKILLed mid-job; two more start against the same database. Exactly one of them runs
 * the job (once its lease has expired), the job succeeds once, and the handler's side
 * effect happened exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeMatrix } from '../../test-support/sync/describe-matrix.ts';
import { request } from '../../test-support/sync/http.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'killed-worker-model';

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

describeMatrix('retrain workers in their own processes', (t) => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function spawnWorker(workerId: string, effects: string): Promise<WorkerProcess> {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), WORKER_ID: workerId, JOB_EFFECTS_DIR: effects, LEASE_MS: '1000', POLL_MS: '50' };
    if (t.server.databaseUrl) env.DATABASE_URL = t.server.databaseUrl;
    else {
      delete env.DATABASE_URL;
      env.DATA_DIR = t.server.dataDir;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'test-support/sync/job-worker-process.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let log = '';
    child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitFor(async () => log.includes(`ready ${workerId}`) || child.exitCode !== null, `${workerId} to start`);
    if (child.exitCode !== null) throw new Error(`worker ${workerId} exited: ${log}`);
    return { child, output: () => log };
  }

  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('runs a job once after its worker is SIGKILLed mid-job, with two workers left to take it over', async () => {
    await publishVersion(t.server, MODEL, '1.0.0');
    const effects = mkdtempSync(join(tmpdir(), 'edgeloop-job-effects-'));
    dirs.push(effects);
    const started = () => readdirSync(effects).filter((f) => f.startsWith('started-')).sort();

    const a = await spawnWorker('worker-a', effects);
    const res = await request(t.server.url, `/v1/models/${MODEL}/retrain`, { method: 'POST', token: t.server.adminToken });
    expect(res.status).toBe(202);
    const id: number = res.json.job.id;
    await waitFor(async () => started().includes(`started-${id}-worker-a-1`), 'worker-a to start the job');
    // Its first log line is committed (the handler writes the file, then the line): kill it after both.
    await waitFor(async () => ((await request(t.server.url, `/v1/jobs/${id}`, { token: t.server.adminToken })).json.job.log as Array<{ line: string }>).some((l) => l.line === 'worker-a started attempt 1'), 'worker-a to log its start');
    a.child.kill('SIGKILL');
    await once(a.child, 'exit');

    writeFileSync(join(effects, 'go'), '');
    const [b, c] = await Promise.all([spawnWorker('worker-b', effects), spawnWorker('worker-c', effects)]);
    const job = async () => (await request(t.server.url, `/v1/jobs/${id}`, { token: t.server.adminToken })).json.job;
    await waitFor(async () => (await job()).state === 'succeeded', 'the job to succeed', 30_000);

    // Longer than a lease: nothing runs it again.
    await new Promise((r) => setTimeout(r, 1500));
    const done = await job();
    const winner: string = done.result.by;
    expect(['worker-b', 'worker-c']).toContain(winner);
    expect(started()).toEqual([`started-${id}-worker-a-1`, `started-${id}-${winner}-2`].sort());
    expect(readFileSync(join(effects, 'effects.log'), 'utf8')).toBe(`${id} ${winner}\n`);
    expect(readFileSync(join(effects, `effect-${id}`), 'utf8')).toBe(winner);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2, workerId: winner, error: { code: 'LEASE_EXPIRED' } });
    expect(done.log.map((l: any) => [l.attempt, l.line])).toEqual([
      [1, 'worker-a started attempt 1'],
      [2, `${winner} started attempt 2`],
    ]);

    for (const w of [b, c]) w.child.kill('SIGTERM');
    const codes = await Promise.all([b, c].map(async (w) => (w.child.exitCode ?? (await once(w.child, 'exit'))[0]) as number));
    expect(codes, b.output() + c.output()).toEqual([0, 0]);
  }, 90_000);
});
