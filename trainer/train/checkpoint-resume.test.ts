import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { createMemoryCheckpointStore, type CheckpointStore } from './checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.ts';
import { createDirCheckpointStore } from './checkpoint-dir.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildModel, type ModelConfig } from './model-config.ts';
import type { TrainingData, TrainOptions } from './train-options.ts';
import { train } from './training-loop.ts';

const MLP: ModelConfig = { kind: 'mlp', hidden: [32], seed: 11 };

function weightsOf(model: LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isTrainerError(e) ? e.code : String(e)),
  );
}

describe('checkpoints and resume', () => {
  let data: TrainingData;
  let dir: string;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    data = mnistSample(300, { validation: 60 });
    dir = await mkdtemp(join(tmpdir(), 'edgeloop-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Early stopping (never triggering) and a schedule make the state worth saving. */
  const options: TrainOptions = {
    epochs: 3,
    batchSize: 32,
    learningRate: 0.002,
    seed: 4,
    lrSchedule: { kind: 'exponential', decay: 0.7 },
    earlyStopping: { patience: 10 },
  };

  /** 3 epochs straight vs. 1 epoch, "crash", resume to 3 in a fresh model and optimizer. */
  async function crashAndResume(store: CheckpointStore, optimizer: 'adam' | 'sgd'): Promise<void> {
    const straight = buildModel(MLP);
    const straightResult = await train(straight, data, { ...options, optimizer });

    const crashing = buildModel(MLP);
    const controller = new AbortController();
    const code = await codeOf(
      train(crashing, data, { ...options, optimizer, checkpoints: store, signal: controller.signal, onEpoch: () => controller.abort() }),
    );
    expect(code).toBe('TRAINING_ABORTED');
    expect((await store.load())?.epoch).toBe(1);
    crashing.dispose();

    const resumed = buildModel(MLP);
    const result = await train(resumed, data, { ...options, optimizer, checkpoints: store, resume: true });
    expect(result.resumedFromEpoch).toBe(1);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(result.history.map((h) => h.loss)).toEqual(straightResult.history.map((h) => h.loss));
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    expect((await store.load())?.epoch).toBe(3);
    straight.dispose();
    resumed.dispose();
  }

  it('a resumed Adam run ends bit-identical to an uninterrupted one (memory store)', async () => {
    await crashAndResume(createMemoryCheckpointStore(), 'adam');
  });

  it('a resumed SGD run ends bit-identical to an uninterrupted one (folder store)', async () => {
    await crashAndResume(createDirCheckpointStore(join(dir, 'sgd')), 'sgd');
  });

  it('saves a checkpoint after every epoch with the state a resume needs', async () => {
    const store = createMemoryCheckpointStore();
    const model = buildModel(MLP);
    await train(model, data, { ...options, epochs: 2, checkpoints: store });
    expect(store.saves).toBe(2);
    const ckpt = (await store.load())!;
    expect(ckpt.epoch).toBe(2);
    expect(ckpt.optimizer.kind).toBe('adam');
    expect(ckpt.optimizer.iterations).toBe(2 * Math.ceil(300 / 32));
    expect(ckpt.optimizer.slots).toHaveLength(2 * model.trainableWeights.length);
    expect(ckpt.lrSchedule).toEqual({ nextEpoch: 2, learningRate: 0.002 * 0.7 ** 2 });
    expect(ckpt.rng).toEqual({ seed: 4, nextEpoch: 2 });
    expect(ckpt.earlyStopping?.bestWeights).toHaveLength(model.weights.length);
    expect(ckpt.history).toHaveLength(2);
    expect(ckpt.weights.map((w) => Array.from(w.values))).toEqual(weightsOf(model));
    model.dispose();
  });

  it('refuses to resume without a checkpoint, or with other settings', async () => {
    const model = buildModel(MLP);
    const store = createMemoryCheckpointStore();
    expect(await codeOf(train(model, data, { ...options, checkpoints: store, resume: true }))).toBe('CHECKPOINT_MISSING');
    await train(model, data, { ...options, epochs: 1, checkpoints: store, resume: 'if-present' });
    expect(await codeOf(train(model, data, { ...options, batchSize: 64, checkpoints: store, resume: true }))).toBe('CHECKPOINT_INVALID');
    expect(await codeOf(train(buildModel({ kind: 'mlp', hidden: [16] }), data, { ...options, checkpoints: store, resume: true }))).toBe('CHECKPOINT_INVALID');
    model.dispose();
  });

  it('round-trips a checkpoint through bytes and rejects corrupt files with CHECKPOINT_INVALID', async () => {
    const memory = createMemoryCheckpointStore();
    const model = buildModel(MLP);
    await train(model, data, { ...options, epochs: 1, checkpoints: memory });
    const ckpt = (await memory.load())!;
    ckpt.earlyStopping!.bestLoss = Number.POSITIVE_INFINITY;
    expect(await decodeCheckpoint(await encodeCheckpoint(ckpt))).toEqual(ckpt);

    const store = createDirCheckpointStore(join(dir, 'corrupt'));
    expect(await store.load()).toBeUndefined();
    await store.save(ckpt);
    expect(await store.load()).toEqual(ckpt);
    const bytes = await readFile(store.file);
    bytes[bytes.length - 100] ^= 0xff;
    await writeFile(store.file, bytes);
    expect(await codeOf(Promise.resolve(store.load()))).toBe('CHECKPOINT_INVALID');
    await writeFile(store.file, bytes.subarray(0, 20));
    expect(await codeOf(Promise.resolve(store.load()))).toBe('CHECKPOINT_INVALID');
    await store.clear();
    expect(await store.load()).toBeUndefined();
    model.dispose();
  });
});
