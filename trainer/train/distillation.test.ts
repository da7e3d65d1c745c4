import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { distill, distillationLoss } from './distillation.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildModel } from './model-config.ts';
import type { TrainingData } from './train-options.ts';
import { evaluateLoss, train } from './training-loop.ts';

describe('distillationLoss', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  // Worked by hand for T = 2, α = 0.25:
  //   row 1: p_t = softmax([1, .5, 0]) = [.5065, .3072, .1863], p_s = softmax([.5, .5, 0]) = [.3837, .3837, .2327]
  //          KL = Σ p_t ln(p_t / p_s) = 0.030991; CE = −ln softmax([1, 1, 0])[0] = 0.861995
  //   row 2: p_t = softmax([0, 0, 1.5]), p_s = softmax([.25, −.25, .5]); KL = 0.133906; CE = −ln softmax([.5, −.5, 1])[2] = 0.604131
  //   loss = .25 · 4 · mean(KL) + .75 · mean(CE) = 0.082448 + 0.549797 = 0.632245
  const teacher = [
    [2, 1, 0],
    [0, 0, 3],
  ];
  const student = [
    [1, 1, 0],
    [0.5, -0.5, 1],
  ];

  it('matches the hand-computed value, with one-hot or index labels', () => {
    const value = (labels: tf.Tensor) => distillationLoss(tf.tensor2d(teacher), tf.tensor2d(student), labels, { temperature: 2, alpha: 0.25 }).dataSync()[0];
    expect(value(tf.tensor1d([0, 2], 'int32'))).toBeCloseTo(0.6322454, 5);
    expect(value(tf.tensor2d([[1, 0, 0], [0, 0, 1]]))).toBeCloseTo(0.6322454, 5);
  });

  it('reduces to cross-entropy at α = 0 and to T²·KL at α = 1, which is 0 when student equals teacher', () => {
    const labels = tf.tensor1d([0, 2], 'int32');
    const ce = distillationLoss(tf.tensor2d(teacher), tf.tensor2d(student), labels, { temperature: 2, alpha: 0 }).dataSync()[0];
    expect(ce).toBeCloseTo((0.861995 + 0.604131) / 2, 5);
    const same = distillationLoss(tf.tensor2d(teacher), tf.tensor2d(teacher), labels, { temperature: 3, alpha: 1 }).dataSync()[0];
    expect(same).toBeCloseTo(0, 6);
  });

  it('rejects a bad temperature or alpha with CONFIG_INVALID', () => {
    const t = tf.tensor2d(teacher);
    for (const options of [{ temperature: 0, alpha: 0.5 }, { temperature: 2, alpha: 1.5 }]) {
      let error: unknown;
      try {
        distillationLoss(t, t, tf.tensor1d([0, 1], 'int32'), options);
      } catch (e) {
        error = e;
      }
      expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('distill', () => {
  let data: TrainingData;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    data = mnistSample(300, { validation: 100 });
  });

  it('trains the student towards the teacher and leaves the teacher untouched', async () => {
    const teacher = buildModel({ kind: 'mlp', hidden: [64], seed: 1 });
    await train(teacher, data, { epochs: 3, learningRate: 0.003, seed: 1 });
    const teacherWeights = teacher.getWeights().map((w) => Array.from(w.dataSync()));

    const student = buildModel({ kind: 'mlp', hidden: [16], seed: 2 });
    const before = tf.memory().numTensors;
    const result = await distill({ teacher, student, data, temperature: 4, alpha: 0.7, epochs: 3, learningRate: 0.003, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(teacher.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(teacherWeights);
    expect(result.history).toHaveLength(3);
    expect(result.history[2].loss).toBeLessThan(result.history[0].loss);
    const { accuracy } = await evaluateLoss(student, data.validation!, data.inputShape, 784, 10, 256);
    expect(accuracy).toBeGreaterThan(0.6);
    teacher.dispose();
    student.dispose();
  });

  it('rejects a teacher with another class count', async () => {
    const teacher = buildModel({ kind: 'mlp', hidden: [8], classes: 5 });
    const student = buildModel({ kind: 'mlp', hidden: [8] });
    const error = await distill({ teacher, student, data, temperature: 2, alpha: 0.5 }).catch((e: unknown) => e);
    expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
  });
});
