/**
 * CLI: `npm run retrain -- --model <name> [--parent <version>] [--mode fine-tune|retrain] [--no-follow]` — asks the
 * sync endpoint for a retraining job (`POST /v1/models/:name/retrain`; an open one is
 * reused) and follows it: progress and log lines as the worker writes them, then the
 * outcome (published as a canary, or the gate's reasons). A worker must be running
 * (`npm start` runs one beside its demo endpoint; else `npm run retrain-worker`).
 *
 * `--endpoint` (or `EDGELOOP_ENDPOINT`, default http://127.0.0.1:8787) and `--token` (or
 * `EDGELOOP_ADMIN_TOKEN`; `npm start` keeps the demo's in data/demo-tokens.json).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { model: { type: 'string' }, parent: { type: 'string' }, mode: { type: 'string' }, endpoint: { type: 'string' }, token: { type: 'string' }, 'no-follow': { type: 'boolean', default: false } },
});
const fail = (message: string): never => {
  console.error(`error: ${message}`);
  process.exit(2);
};
const model = values.model ?? fail('--model <name> is required');
if (values.mode !== undefined && values.mode !== 'fine-tune' && values.mode !== 'retrain') fail(`--mode is "fine-tune" (from the parent's weights, the default) or "retrain" (from fresh weights), not ${JSON.stringify(values.mode)}`);
const endpoint = (values.endpoint ?? process.env.EDGELOOP_ENDPOINT ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const token =
  values.token ??
  process.env.EDGELOOP_ADMIN_TOKEN ??
  (await readFile('data/demo-tokens.json', 'utf8').then((t) => (JSON.parse(t) as { admin: string }).admin).catch(() => undefined)) ??
  fail('--token (or EDGELOOP_ADMIN_TOKEN) is required: an admin token of the endpoint');

interface Job {
  id: number;
  state: string;
  progress: number;
  message: string | null;
  result: { outcome?: string; version?: string; gate?: { reasons?: string[] } } | null;
  error: { code: string; message: string } | null;
}
const call = async (path: string, init: RequestInit = {}) => {
  let response: Response;
  try {
    response = await fetch(`${endpoint}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (error) {
    return fail(`could not reach ${endpoint}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } } & Record<string, unknown>;
  if (!response.ok) fail(`[${body.error?.code ?? response.status}] ${body.error?.message ?? response.statusText}`);
  return body;
};

const asked = (await call(`/v1/models/${encodeURIComponent(model)}/retrain`, { method: 'POST', body: JSON.stringify({ ...(values.parent ? { parentVersion: values.parent } : {}), ...(values.mode ? { mode: values.mode } : {}) }) })) as { job: Job; existing: boolean };
console.log(`${asked.existing ? 'an open' : 'a new'} retraining job for ${model}: #${asked.job.id} (${asked.job.state})`);
if (values['no-follow']) process.exit(0);

let shown = 0;
for (;;) {
  const { job } = (await call(`/v1/jobs/${asked.job.id}?log=1000`)) as { job: Job & { log: Array<{ at: string; line: string }>; logLines: number } };
  // `log` is the last lines of `logLines` in all: print those not shown yet.
  const first = job.logLines - job.log.length;
  job.log.forEach((line, i) => {
    if (first + i >= shown) console.log(`  ${line.at.slice(11, 19)} ${line.line}`);
  });
  shown = job.logLines;
  if (job.state === 'succeeded') {
    const r = job.result ?? {};
    console.log(r.outcome === 'published' ? `published ${model}@${r.version} as a canary` : `nothing published: ${(r.gate?.reasons ?? []).join('; ') || r.outcome}`);
    break;
  }
  if (job.state === 'failed') fail(`the job failed: [${job.error?.code}] ${job.error?.message}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
