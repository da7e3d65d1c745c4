/** Test helper: runs `fn`, expecting it to throw a `TrainerError`, and returns that error. */
import { isTrainerError, type TrainerError } from '../trainer/index.ts';

/** The `TrainerError` `fn` throws; any other error is rethrown, and nothing thrown fails the test. */
export function catchTrainerError(fn: () => unknown): TrainerError {
  try {
    fn();
  } catch (error) {
    if (isTrainerError(error)) return error;
    throw error;
  }
  throw new Error('expected a TrainerError, but nothing was thrown');
}
