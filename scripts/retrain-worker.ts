/**
 * CLI: `npm run retrain-worker` — a retraining worker process. It takes retrain jobs from
 * the sync endpoint's queue (the same database: `DATABASE_URL`, or the SQLite file in
 * `DATA_DIR`), runs each with loop/'s handler (fine-tune the parent on the shared feedback,
 * gate, publish signed, put the new version on the alias's canary) against the endpoint's
 * HTTP API, and every `EDGELOOP_CANARY_CHECK_MS` looks at each model's canary and promotes
 * or rolls it back by the stated rule. Several workers may share one PostgreSQL queue.
 *
 * Environment:
 * - `EDGELOOP_ENDPOINT` (default http://127.0.0.1:8787), `EDGELOOP_ADMIN_TOKEN` (required)
 * - `EDGELOOP_SIGNING_KEY`: a `{ publicKey, privateKey }` JSON file that signs new versions (required)
 * - `EDGELOOP_TRUSTED_KEYS`: comma-separated keys a parent's signature may be by (default: the signing key's)
 * - `EDGELOOP_CANARY_PERCENT` (50), `EDGELOOP_CANARY_CHECK_MS` (30000; 0: off), `EDGELOOP_LEASE_MS` (120000), `WORKER_ID`
 * - `EDGELOOP_TRAINING_BACKEND`: `auto` (default: tfjs-wasm with the trainer's convolution-gradient
 *   kernels, cpu if wasm does not start), `wasm` or `cpu`. Only training runs there; the gate's
 *   evaluation and the compressor run on tfjs-cpu.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { checkCanary, EndpointClient, retrainRequestOf, runRetrainJob, type RetrainSettings } from '../loop/index.ts';
import { mnistTrainingData } from '../loop/node.ts';
import { openJobQueue, startJobWorker, type JsonValue } from '../sync/index.ts';
import { registerFastCpuKernels } from '../trainer/index.ts';
import { selectTrainingBackend, TRAINING_BACKENDS } from '../trainer/node.ts';

const env = process.env;
const fail = (message: string): never => {
  console.error(`retrain-worker: ${message}`);
  process.exit(2);
};
const endpointUrl = env.EDGELOOP_ENDPOINT ?? 'http://127.0.0.1:8787';
const adminToken = env.EDGELOOP_ADMIN_TOKEN ?? fail('EDGELOOP_ADMIN_TOKEN is required: an admin token of the endpoint');
const keyFile = env.EDGELOOP_SIGNING_KEY ?? fail('EDGELOOP_SIGNING_KEY is required: a { publicKey, privateKey } JSON file that signs new versions');
const signingKey = JSON.parse(await readFile(keyFile, 'utf8')) as RetrainSettings['signingKey'];
const number = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fail(`${name} must be a number ≥ 0`);
};

const backendChoice = env.EDGELOOP_TRAINING_BACKEND ?? 'auto';
if (!(TRAINING_BACKENDS as readonly string[]).includes(backendChoice)) fail(`EDGELOOP_TRAINING_BACKEND must be one of ${TRAINING_BACKENDS.join(', ')} (got '${backendChoice}')`);
const training = await selectTrainingBackend(backendChoice as (typeof TRAINING_BACKENDS)[number]);
if (training.note !== undefined) console.log(`retrain-worker: ${training.note}`);
const tf = await import('@tensorflow/tfjs-core');
await tf.setBackend('cpu');
registerFastCpuKernels();

const endpoint = new EndpointClient(endpointUrl, adminToken);
const settings: RetrainSettings = {
  endpoint,
  trustedKeys: env.EDGELOOP_TRUSTED_KEYS?.split(',').map((k) => k.trim()) ?? [signingKey.publicKey],
  signingKey,
  data: mnistTrainingData(),
  canaryPercent: number('EDGELOOP_CANARY_PERCENT', 50),
  trainingBackend: training.backend,
};
const workerId = env.WORKER_ID ?? `${hostname()}:${process.pid}`;
const queue = await openJobQueue();
const worker = startJobWorker(queue, {
  workerId,
  leaseMs: number('EDGELOOP_LEASE_MS', 120_000),
  handlers: {
    retrain: async (job, ctx) => {
      const request = retrainRequestOf(job);
      console.log(`retrain-worker: job ${job.id} (${job.model}, ${request.mode}, ${job.payload.reason}) attempt ${job.attempts}`);
      const result = await runRetrainJob(
        request,
        { progress: (f, m) => ctx.progress(f, m), log: (line) => ctx.log(line), signal: ctx.signal },
        settings,
      );
      console.log(`retrain-worker: job ${job.id}: ${result.outcome}${result.version ? ` ${job.model}@${result.version}` : ''}${result.gate && !result.gate.passed ? ` (${result.gate.reasons.join('; ')})` : ''}`);
      return JSON.parse(JSON.stringify(result)) as JsonValue;
    },
  },
});
console.log(`retrain-worker: ${workerId} taking retrain jobs (queue: ${queue.kind}), endpoint ${endpointUrl}, training on tfjs ${training.backend}`);

// Canary checks: one pass over every model with a split under `production`.
const every = number('EDGELOOP_CANARY_CHECK_MS', 30_000);
let checking = false;
const check = async () => {
  if (checking) return;
  checking = true;
  try {
    const { models } = (await (await fetch(`${endpointUrl}/v1/models`)).json()) as { models: Array<{ name: string }> };
    for (const { name } of models) {
      const decision = await checkCanary(endpoint, name);
      if (decision && decision.action !== 'wait') console.log(`retrain-worker: canary of ${name}: ${decision.action} ${decision.canary.version} (${decision.reasons.join('; ')})`);
    }
  } catch (error) {
    console.error('retrain-worker: canary check failed:', (error as Error).message);
  } finally {
    checking = false;
  }
};
const timer = every > 0 ? setInterval(() => void check(), every) : undefined;

const stop = () => {
  clearInterval(timer);
  void worker.stop().finally(() => void queue.close().finally(() => process.exit(0)));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
