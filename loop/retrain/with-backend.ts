/** Moves one step of a retraining job (the training) onto another tfjs backend. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `run` on the tfjs backend `name` (when given) and switches back to the active
 * one after; tfjs moves the model's weights between backends on first use. Returns the
 * backend it trained on.
 *
 * @throws {RangeError} when `name` is not a registered, started tfjs backend.
 */
export async function withBackend(name: string | undefined, run: () => Promise<unknown>): Promise<string> {
  const active = tf.getBackend();
  if (name === undefined || name === active) {
    await run();
    return active;
  }
  if (!(await tf.setBackend(name))) throw new RangeError(`trainingBackend '${name}' is not a tfjs backend that starts here; register and start it before the worker takes jobs`);
  try {
    await run();
  } finally {
    await tf.setBackend(active);
  }
  return name;
}
