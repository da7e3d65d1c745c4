/**
 * A retraining job end to end in Node, against a real sync endpoint (SQLite, loopback):
 * a parent MLP trained on real MNIST digits is published; the field shares digits it
 * gets wrong (rotated a quarter turn, labelled right); the job fine-tunes, passes the
 * gate, publishes the signed child and puts it on the canary — once, however often the
 * job runs. Feedback with wrong labels fails the gate and publishes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, encodeBase64, generateSigningKeyPair, sha256Hex, type SigningKeyPair } from '../../format/index.ts';
import { createSyncServer, type SyncServer } from '../../sync/index.ts';
import { buildMlp, buildTrainedPackage, gatherExamples, registerFastCpuKernels, stratifiedSplit, trainBriefly } from '../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS, selectTrainingBackend } from '../../trainer/node.ts';
import { mnistTrainingData } from '../node.ts';
import { EndpointClient } from './endpoint-client.ts';
import { nextVersion, retrainRequestOf, runRetrainJob, type RetrainContext } from './retrain-job.ts';

const SPLIT = { train: 0.8, validation: 0.1, test: 0.1, seed: 42 };
const NAME = 'digits';
let dir: string;
let server: SyncServer;
let url: string;
let key: SigningKeyPair;
let client: EndpointClient;
let validation: { x: Float32Array; y: Uint8Array };

/** A digit turned a quarter turn clockwise: what the parent never saw. */
function rotate(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < x.length / MNIST_PIXELS; n++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[n * MNIST_PIXELS + c * 28 + (27 - r)] = x[n * MNIST_PIXELS + r * 28 + c]!;
  return out;
}

/** Shares `count` rotated validation digits as the app would, labelled by `label`. */
async function share(count: number, label: (truth: number, i: number) => number): Promise<void> {
  const x = rotate(validation.x.subarray(0, count * MNIST_PIXELS));
  for (let start = 0; start < count; start += 100) {
    const examples = [];
    for (let i = start; i < Math.min(count, start + 100); i++) {
      const row = x.slice(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS);
      examples.push({ label: String(label(validation.y[i]!, i)), input: { shape: [1, 28, 28, 1], dtype: 'float32', data: encodeBase64(new Uint8Array(row.buffer)) }, createdAt: new Date().toISOString() });
    }
    const response = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { authorization: 'Bearer app-token', 'content-type': 'application/json' }, body: JSON.stringify({ schema: 1, model: NAME, version: '1.0.0', examples }) });
    expect(response.status, await response.clone().text()).toBe(200);
  }
}

const quiet: RetrainContext = { progress: () => undefined, log: () => undefined };

beforeAll(async () => {
  // wasm started (with the convolution-gradient kernels) for the job that trains there; cpu active, as in the retrain worker.
  expect((await selectTrainingBackend('wasm')).backend).toBe('wasm');
  await tf.setBackend('cpu');
  registerFastCpuKernels();
  key = await generateSigningKeyPair();
  dir = await mkdtemp(join(tmpdir(), 'edgeloop-retrain-'));
  server = await createSyncServer({ env: {}, port: 0, dataDir: dir, adminTokens: ['admin-token'], appTokens: ['app-token'], publisherKeys: [key.publicKey] });
  url = await server.listen();
  client = new EndpointClient(url, 'admin-token');

  // The parent: an MLP on 3,000 training digits of the same split the data source reproduces.
  const mnist = loadMnist();
  const split = stratifiedSplit(mnist.labels, SPLIT);
  const train = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.train.subarray(0, 3000));
  const test = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.test);
  const v = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.validation);
  validation = { x: v.features, y: v.labels };
  const model = buildMlp({ inputShape: [28, 28, 1], hidden: [64], classes: 10, seed: 1 });
  const run = await trainBriefly(model, { images: train.features, labels: train.labels, epochs: 3, learningRate: 0.002, seed: 1 });
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const built = await buildTrainedPackage({
    name: NAME,
    version: '1.0.0',
    model,
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    input: { name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC' },
    train: { x: train.features },
    test: { x: test.features, y: test.labels },
    history: run.history.map((e) => ({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy })),
    config: { split: SPLIT, builder: { name: 'buildMlp', options: { inputShape: [28, 28, 1], hidden: [64], classes: 10, seed: 1 } }, training: { epochs: 3, learningRate: 0.002 } },
    lineage: { datasetSha256: await sha256Hex(concatBytes([bytes(mnist.images), mnist.labels])) },
    signingKey: key,
  });
  model.dispose();
  expect(await client.publish(NAME, '1.0.0', { manifestBytes: built.manifestBytes, signature: built.signature!, files: built.files })).toBe('created');
  await client.setAlias(NAME, 'production', { version: '1.0.0' });
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runRetrainJob', () => {
  const settings = () => ({ endpoint: client, trustedKeys: [key.publicKey], signingKey: key, data: mnistTrainingData(), canaryPercent: 50 });

  it('fails the attempt (the queue retries it) while too few examples have been shared to judge by', async () => {
    const attempt = runRetrainJob({ jobId: 'job-early', model: NAME, createdAt: '2026-12-06T12:00:00Z' }, quiet, settings());
    await expect(attempt).rejects.toMatchObject({ name: 'LoopError', code: 'FEEDBACK_INSUFFICIENT' });
    await expect(attempt).rejects.toThrow(/the gate needs 20 held out/);
    expect((await client.model(NAME)).versions.map((v) => v.version)).toEqual(['1.0.0']);
  }, 60_000);

  it('fails the gate on feedback that teaches nothing (labels unrelated to the digits) and publishes nothing', async () => {
    await share(120, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) % 10);
    const result = await runRetrainJob({ jobId: 'job-noise', model: NAME, createdAt: '2026-12-06T12:00:00Z' }, quiet, settings());
    expect(result.outcome).toBe('gate-failed');
    expect(result.gate!.reasons.join('; ')).toMatch(/not better on the feedback hold-out/);
    const info = await client.model(NAME);
    expect(info.versions.map((v) => v.version)).toEqual(['1.0.0']);
    expect(info.aliases.find((a) => a.alias === 'production')).toMatchObject({ version: '1.0.0' });
    // Clear the bad examples for the next test.
    expect((await fetch(`${url}/v1/models/${NAME}/feedback`, { method: 'DELETE', headers: { authorization: 'Bearer admin-token' } })).status).toBe(200);
  }, 240_000);

  it('fine-tunes on the rotated digits the field shared, passes the gate, publishes 1.1.0 signed and puts it on a 50 % canary — once', async () => {
    await share(300, (truth) => truth);
    const logs: string[] = [];
    const progress: number[] = [];
    const ctx: RetrainContext = { progress: (f) => progress.push(f), log: (line) => logs.push(line) };
    const result = await runRetrainJob({ jobId: 'job-rotated', model: NAME, createdAt: '2026-12-06T12:00:00Z' }, ctx, { ...settings(), trainingBackend: 'wasm' });
    expect(result, logs.join('\n')).toMatchObject({ outcome: 'published', parent: '1.0.0', version: '1.1.0', alias: { alias: 'production', version: '1.0.0', canary: { version: '1.1.0', percent: 50 } } });
    const gate = result.gate!;
    expect(gate.passed).toBe(true);
    expect(gate.candidateFeedback).toBeGreaterThan(gate.parentFeedback + 0.05);
    expect(gate.candidateTest).toBeGreaterThanOrEqual(gate.parentTest - 0.01);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // The child is signed by the publisher, names its parent and the job, and the endpoint serves it.
    const child = await client.manifest(NAME, '1.1.0', [key.publicKey]);
    expect(child.lineage).toMatchObject({ parent: '1.0.0', trainerConfig: { retrainJob: 'job-rotated', mode: 'fine-tune', backend: 'wasm' } });
    expect(logs).toContain('judging the candidate (trained on tfjs wasm)');
    expect(tf.getBackend(), 'evaluation and compression stay on cpu').toBe('cpu');
    expect((await client.model(NAME)).aliases.find((a) => a.alias === 'production')).toMatchObject({ version: '1.0.0', canary: { version: '1.1.0', percent: 50 } });

    // The same job again (a retry after a crash): nothing new is published.
    const again = await runRetrainJob({ jobId: 'job-rotated', model: NAME, parentVersion: '1.0.0', createdAt: '2026-12-06T12:00:00Z' }, quiet, settings());
    expect(again).toMatchObject({ outcome: 'published', version: '1.1.0', alreadyPublished: true });
    expect((await client.model(NAME)).versions.map((v) => v.version).sort()).toEqual(['1.0.0', '1.1.0']);
  }, 300_000);

  it('retrains from fresh weights when asked (mode "retrain"): the parent\'s architecture and settings, all its data plus the feedback', async () => {
    // The previous test left 1.1.0 on the canary: roll it back so the alias is free.
    await client.setAlias(NAME, 'production', { version: '1.0.0' });
    const logs: string[] = [];
    const job = { id: 7, model: NAME, createdAt: '2026-12-06T13:00:00Z', payload: { parentVersion: '1.0.0', mode: 'retrain' } };
    const result = await runRetrainJob(retrainRequestOf(job), { progress: () => undefined, log: (line) => logs.push(line) }, settings());
    expect(result, logs.join('\n')).toMatchObject({ outcome: 'published', parent: '1.0.0', version: '1.2.0' });
    expect(logs.join('\n')).toMatch(/retraining from fresh weights on \d+ examples \(8000 of the parent's/);
    const child = await client.manifest(NAME, '1.2.0', [key.publicKey]);
    expect(child.lineage).toMatchObject({ parent: '1.0.0', trainerConfig: { retrainJob: '7@2026-12-06T13:00:00Z', mode: 'retrain', epochs: 3, learningRate: 0.002 } });
    expect(() => retrainRequestOf({ ...job, payload: { mode: 'distill' } })).toThrow(/mode "distill"; this worker knows "fine-tune" and "retrain"/);
  }, 300_000);

  it('names the next version above every published one', () => {
    expect(nextVersion(['1.0.0'])).toBe('1.1.0');
    expect(nextVersion(['1.0.0', '1.4.0', '1.10.0', '2.0.0-rc.1'])).toBe('2.1.0');
    expect(nextVersion([])).toBe('0.1.0');
  });
});
