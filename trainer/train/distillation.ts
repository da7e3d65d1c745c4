/**
 * Knowledge distillation (Hinton et al. 2015, https://arxiv.org/abs/1503.02531):
 * a small student learns from a frozen teacher's softened logits plus the true
 * labels, with the same training loop as {@link train}.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { TrainerError } from '../errors.ts';
import type { TrainingData, TrainOptions, TrainResult } from './train-options.ts';
import { runTraining } from './training-loop.ts';

/** Options of {@link distillationLoss}. */
export interface DistillationLossOptions {
  /** Softmax temperature T (> 0) for both teacher and student logits. */
  temperature: number;
  /** Weight α in [0, 1] of the soft (teacher) term; 1 − α goes to the hard-label term. */
  alpha: number;
}

function checkLossOptions(temperature: unknown, alpha: unknown): void {
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
    throw new TrainerError('CONFIG_INVALID', `temperature must be a positive number, got ${JSON.stringify(temperature)}`, {
      details: { field: 'temperature', value: temperature },
    });
  }
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new TrainerError('CONFIG_INVALID', `alpha must be a number in [0, 1], got ${JSON.stringify(alpha)}`, { details: { field: 'alpha', value: alpha } });
  }
}

/**
 * The distillation loss, averaged over the batch:
 * `α · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − α) · CE(y, softmax(z_s))`.
 * The T² keeps the soft term's gradients on the scale of the hard term's.
 *
 * @param teacherLogits - `[batch, classes]`, treated as constants.
 * @param studentLogits - `[batch, classes]`.
 * @param labels - One-hot `[batch, classes]` (float) or class indices `[batch]` (int32).
 * @throws {TrainerError} `CONFIG_INVALID` for a bad temperature or alpha.
 */
export function distillationLoss(
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  labels: tf.Tensor,
  options: DistillationLossOptions,
): tf.Scalar {
  const { temperature, alpha } = options;
  checkLossOptions(temperature, alpha);
  return tf.tidy(() => {
    const classes = studentLogits.shape[studentLogits.shape.length - 1];
    const oneHot = labels.rank === 1 ? tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') : labels;
    const teacherLog = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const studentLog = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), -1));
    const ce = tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(studentLogits)), -1)));
    return tf.add(tf.mul(kl, alpha * temperature * temperature), tf.mul(ce, 1 - alpha)) as tf.Scalar;
  });
}

/** What {@link distill} needs besides the usual training options. */
export interface DistillOptions extends TrainOptions, DistillationLossOptions {
  /** The trained model whose logits the student learns from; never updated. */
  teacher: LayersModel;
  /** The model being trained (outputs logits over the same classes). */
  student: LayersModel;
  data: TrainingData;
}

/**
 * Trains `student` on `data` with {@link distillationLoss} against `teacher`'s
 * logits, computed per batch in inference mode outside the gradient tape (the
 * teacher gets no gradients). Everything else — optimizer, schedule, early stopping
 * (on the student's hard-label validation loss), checkpoints, events, abort — is
 * {@link train}'s.
 *
 * @throws {TrainerError} as {@link train}; `CONFIG_INVALID` when the teacher's
 *   input or class count differs from the student's.
 */
export async function distill(options: DistillOptions): Promise<TrainResult> {
  const { teacher, student, data, temperature, alpha, ...trainOptions } = options;
  checkLossOptions(temperature, alpha);
  const teacherIn = teacher.inputs[0].shape.slice(1).join();
  const studentIn = student.inputs[0].shape.slice(1).join();
  const teacherOut = teacher.outputs[0].shape[teacher.outputs[0].shape.length - 1];
  const studentOut = student.outputs[0].shape[student.outputs[0].shape.length - 1];
  if (teacherIn !== studentIn || teacherOut !== studentOut) {
    throw new TrainerError(
      'CONFIG_INVALID',
      `teacher (input [${teacherIn}], ${teacherOut} classes) and student (input [${studentIn}], ${studentOut} classes) must share input shape and classes`,
      { details: { field: 'teacher', expected: { input: studentIn, classes: studentOut }, actual: { input: teacherIn, classes: teacherOut } } },
    );
  }
  return runTraining(student, data, trainOptions, {
    id: `distillation(T=${temperature},alpha=${alpha})`,
    targets: (x) => teacher.apply(x, { training: false }) as tf.Tensor,
    loss: (logits, oneHot, teacherLogits) => distillationLoss(teacherLogits!, logits, oneHot, { temperature, alpha }),
  });
}
