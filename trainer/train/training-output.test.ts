import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { loadModelDir } from './load-model-dir.ts';
import { buildModel } from './model-config.ts';
import { writeTrainingOutput, type TrainingRecord } from './write-training-output.ts';

describe('writeTrainingOutput and loadModelDir', () => {
  let dir: string;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'edgeloop-out-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes model/ and training.json that load back into the same model', async () => {
    const model = buildModel({ kind: 'cnn', seed: 5 });
    const record = { kind: 'train', modelConfig: { kind: 'cnn', seed: 5 }, testAccuracy: 0.5, history: [] } as unknown as TrainingRecord;
    const paths = await writeTrainingOutput(dir, model, record);
    expect(JSON.parse(await readFile(paths.record, 'utf8'))).toEqual(record);
    const loaded = await loadModelDir(dir);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 3);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // Writing again replaces the model folder.
    await writeTrainingOutput(dir, buildModel({ kind: 'mlp', hidden: [4] }), record);
    expect((await loadModelDir(join(dir, 'model'))).name).toBe('mlp');
    const missing = await loadModelDir(join(dir, 'nowhere')).catch((e: unknown) => e);
    expect(isTrainerError(missing, 'CONFIG_INVALID')).toBe(true);
  });
});
