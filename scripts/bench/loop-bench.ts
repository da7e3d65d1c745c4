/**
 * `npm run bench -- loop`: how fast the loop turns a drift into a better version on
 * devices, on the mnist-cnn fixture, with a real endpoint (SQLite, loopback) and its
 * retraining worker in this process. Devices are simulated in Node the way the runtime
 * counts: the model runs on `tfjs-cpu`, every prediction goes through the runtime's own
 * `ModelSketch`, windows of 500 are sent as telemetry batches.
 *
 * 1. 300 validation digits turned a quarter turn are shared, labelled right (users
 *    correcting the model), then windows of turned digits start: t0 is when the first
 *    drifted window is sent.
 * 2. to_alert_s: the endpoint raises the drift alert (3 drifted windows in a row).
 * 3. to_canary_s: the alert's job has fine-tuned, gated, published 1.1.0 and set the canary.
 * 4. to_promotion_s: devices on both sides send 3 windows each (at once: this measures the
 *    loop, not waiting for traffic), the canary check promotes 1.1.0.
 *
 * Accuracy on the 1,000 test digits (held out from training and from the shared feedback):
 * v1 upright (clean), v1 turned (drifted), v1.1 turned; recovered_share =
 * (v1.1 drifted − v1 drifted) ÷ (v1 clean − v1 drifted). Target: ≥ 0.8.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { encodeBase64, parseManifest, type Manifest, type SigningKeyPair } from '../../format/index.ts';
import { checkCanary, EndpointClient, retrainRequestOf, runRetrainJob } from '../../loop/index.ts';
import { mnistTrainingData } from '../../loop/node.ts';
import { createEngineSession } from '../../runtime/index.ts';
import { toDriftEvent } from '../../runtime/telemetry/drift-event.ts';
import { ModelSketch } from '../../runtime/telemetry/model-sketch.ts';
import { createSyncServer, type JsonValue } from '../../sync/index.ts';
import { registerFastCpuKernels } from '../../trainer/index.ts';
import { selectTrainingBackend } from '../../trainer/node.ts';
import { publishDemoModels } from '../demo-endpoint.ts';
import type { Benchmark } from './benchmark.ts';
import { round } from './stats.ts';

const NAME = 'mnist-cnn';
const WINDOW = 500;
const SHARED = 300;
const TARGET = { recovered_share_min: 0.8 };

/** A split of the fixture data (model input values, 0..1). */
async function split(name: 'validation' | 'test'): Promise<{ x: Float32Array; y: Uint8Array }> {
  const x = new Float32Array((await readFile(`fixtures/data/mnist-${name}-images.f32`)).buffer.slice(0));
  const y = new Uint8Array(await readFile(`fixtures/data/mnist-${name}-labels.u8`));
  return { x, y };
}

function turned(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < x.length / 784; n++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[n * 784 + c * 28 + (27 - r)] = x[n * 784 + r * 28 + c]!;
  return out;
}

/** Softmax rows of a package's tfjs artifact run on `x`. */
async function probabilities(files: ReadonlyMap<string, Uint8Array>, manifest: Manifest, x: Float32Array): Promise<Float32Array> {
  const artifact = manifest.artifacts.find((a) => a.engine === 'tfjs')!;
  const session = await createEngineSession('tfjs-cpu', { files: new Map(files), paths: artifact.files.map((f) => f.path) });
  try {
    const out = await session.run({ data: x, shape: [x.length / 784, 28, 28, 1] });
    const classes = out.shape.at(-1)!;
    const p = new Float32Array(out.data.length);
    for (let r = 0; r < out.data.length / classes; r++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, out.data[r * classes + c]!);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += p[r * classes + c] = Math.exp(out.data[r * classes + c]! - max);
      for (let c = 0; c < classes; c++) p[r * classes + c]! /= sum;
    }
    return p;
  } finally {
    session.dispose();
  }
}

function accuracy(p: Float32Array, y: Uint8Array): number {
  const classes = p.length / y.length;
  let right = 0;
  for (let r = 0; r < y.length; r++) {
    let top = 0;
    for (let c = 1; c < classes; c++) if (p[r * classes + c]! > p[r * classes + top]!) top = c;
    if (top === y[r]) right++;
  }
  return right / y.length;
}

export const loopBenchmark: Benchmark = {
  async run(args, progress) {
    if (!args.includes('--skip-prepare')) {
      progress.note('making fixtures');
      execFileSync('npx', ['tsx', 'scripts/make-fixtures.ts'], { stdio: 'inherit' });
    }
    // As the retraining worker runs (scripts/retrain-worker.ts): fine-tuning on the
    // training backend `auto` picks (wasm), the gate and the compressor on cpu.
    const training = await selectTrainingBackend('auto');
    if (training.note !== undefined) progress.note(training.note);
    await tf.setBackend('cpu');
    registerFastCpuKernels();
    const key = JSON.parse(await readFile('fixtures/keys/publisher.json', 'utf8')) as SigningKeyPair;
    const dataDir = await mkdtemp(join(tmpdir(), 'edgeloop-loop-bench-'));
    let syncUrl = '';
    const sync = await createSyncServer({
      env: {},
      port: 0,
      dataDir,
      adminTokens: ['admin-token'],
      appTokens: ['app-token'],
      publisherKeys: [key.publicKey],
      drift: { pollMs: 100 },
      jobs: {
        leaseMs: 600_000,
        pollMs: 200,
        handlers: {
          retrain: async (job, ctx) =>
            JSON.parse(
              JSON.stringify(
                await runRetrainJob(retrainRequestOf(job), ctx, {
                  endpoint: new EndpointClient(syncUrl, 'admin-token'),
                  trustedKeys: [key.publicKey],
                  signingKey: key,
                  data: mnistTrainingData(),
                  trainingBackend: training.backend,
                }),
              ),
            ) as JsonValue,
        },
      },
    });
    try {
      syncUrl = await sync.listen();
      const admin = new EndpointClient(syncUrl, 'admin-token');
      await publishDemoModels(syncUrl, 'admin-token', [NAME]);
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${syncUrl}${path}`, { method: 'POST', headers: { authorization: 'Bearer app-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
      };
      const v1 = await admin.package(NAME, '1.0.0', [key.publicKey]);
      const [validation, test] = await Promise.all([split('validation'), split('test')]);
      const testTurned = turned(test.x);
      const v1Clean = accuracy(await probabilities(v1.files, v1.manifest, test.x), test.y);
      const v1TurnedProbs = await probabilities(v1.files, v1.manifest, testTurned);
      const v1Drifted = accuracy(v1TurnedProbs, test.y);
      progress.note(`v1: ${(v1Clean * 100).toFixed(1)} % upright, ${(v1Drifted * 100).toFixed(1)} % turned`);

      // Users correct the model on turned digits (validation split) and share them.
      const feedbackX = turned(validation.x.subarray(0, SHARED * 784));
      for (let start = 0; start < SHARED; start += 100) {
        const examples = Array.from({ length: Math.min(100, SHARED - start) }, (_, i) => ({
          label: String(validation.y[start + i]),
          input: { shape: [1, 28, 28, 1], dtype: 'float32', data: encodeBase64(new Uint8Array(feedbackX.slice((start + i) * 784, (start + i + 1) * 784).buffer)) },
          createdAt: new Date().toISOString(),
        }));
        await post('/v1/feedback', { schema: 1, model: NAME, version: '1.0.0', examples });
      }

      /** Sends `windows` windows of `version`'s predictions on turned test digits (probabilities `probs`). */
      let batch = 0;
      const send = async (manifest: Manifest, probs: Float32Array, windows: number) => {
        const sketch = new ModelSketch(manifest);
        for (let w = 0; w < windows; w++) {
          const startMs = Date.now();
          for (let k = 0; k < WINDOW; k++) {
            const i = (w * WINDOW + k) % 1000;
            sketch.record({ input: { data: testTurned.subarray(i * 784, (i + 1) * 784), shape: [1, 28, 28, 1] }, output: probs.subarray(i * 10, (i + 1) * 10), latencyMs: 0.5 });
          }
          const event = toDriftEvent({ model: NAME, version: manifest.version, deviceClass: 'bench-node', startMs, endMs: Date.now() }, sketch.take());
          await post('/v1/telemetry', { schema: 1, batchId: `loop-bench-${++batch}`, deviceId: 'loop-bench-device', sentAt: new Date().toISOString(), events: [event] });
        }
      };
      const t0 = performance.now();
      const since = (t: number) => round((performance.now() - t) / 1000, 1);
      await send(v1.manifest, v1TurnedProbs, 4);
      const poll = async (what: string, done: () => Promise<boolean>, timeoutMs = 600_000) => {
        const until = Date.now() + timeoutMs;
        while (!(await done())) {
          if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      await poll('the alert', async () => (await (await fetch(`${syncUrl}/v1/alerts?model=${NAME}`, { headers: { authorization: 'Bearer admin-token' } })).json()).alerts.length > 0);
      const toAlert = since(t0);
      progress.note(`alert after ${toAlert} s`);
      await poll('the canary', async () => (await admin.model(NAME)).aliases.some((a) => a.alias === 'production' && a.canary?.version === '1.1.0'));
      const toCanary = since(t0);
      progress.note(`1.1.0 on the canary after ${toCanary} s`);
      const job = (await (await fetch(`${syncUrl}/v1/jobs?model=${NAME}`, { headers: { authorization: 'Bearer admin-token' } })).json()).jobs[0] as { result: { gate: Record<string, unknown> } };

      const v11 = await admin.package(NAME, '1.1.0', [key.publicKey]);
      const v11TurnedProbs = await probabilities(v11.files, v11.manifest, testTurned);
      const v11Drifted = accuracy(v11TurnedProbs, test.y);
      const v11Clean = accuracy(await probabilities(v11.files, v11.manifest, test.x), test.y);
      await new Promise((r) => setTimeout(r, 5));
      await Promise.all([send(v1.manifest, v1TurnedProbs, 3), send(parseManifest(new TextEncoder().encode(JSON.stringify(v11.manifest))), v11TurnedProbs, 3)]);
      const decision = await checkCanary(admin, NAME);
      if (decision?.action !== 'promote') throw new Error(`the canary check did not promote: ${JSON.stringify(decision?.reasons)}`);
      const toPromotion = since(t0);
      const recovered = (v11Drifted - v1Drifted) / (v1Clean - v1Drifted);
      const figures = {
        to_alert_s: toAlert,
        to_canary_s: toCanary,
        to_promotion_s: toPromotion,
        v1_accuracy_clean: round(v1Clean, 4),
        v1_accuracy_drifted: round(v1Drifted, 4),
        v11_accuracy_drifted: round(v11Drifted, 4),
        v11_accuracy_clean: round(v11Clean, 4),
        recovered_share: round(recovered, 3),
      };
      const table = [
        '| step | seconds after the first drifted window |',
        '|---|--:|',
        `| alert raised | ${toAlert} |`,
        `| 1.1.0 published on a 50 % canary | ${toCanary} |`,
        `| promoted (canary windows sent at once) | ${toPromotion} |`,
        '',
        '| accuracy on the 1,000 test digits | upright | turned |',
        '|---|--:|--:|',
        `| 1.0.0 | ${(v1Clean * 100).toFixed(1)} % | ${(v1Drifted * 100).toFixed(1)} % |`,
        `| 1.1.0 | ${(v11Clean * 100).toFixed(1)} % | ${(v11Drifted * 100).toFixed(1)} % |`,
        '',
        `recovered_share ${figures.recovered_share.toFixed(3)} (target ≥ ${TARGET.recovered_share_min}: ${recovered >= TARGET.recovered_share_min ? 'met' : '**not met**'})`,
      ].join('\n');
      return { json: { date: new Date().toISOString(), model: NAME, window: WINDOW, shared_examples: SHARED, targets: TARGET, ...figures, gate: job.result.gate, decision: { reasons: decision.reasons, stable: decision.stable, canary: decision.canary } }, table };
    } finally {
      await sync.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
