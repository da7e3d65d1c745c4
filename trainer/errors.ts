/**
 * The trainer's one error class. Every failure the trainer reports on bad data, bad
 * configuration or a broken checkpoint is a `TrainerError` with a `code`; check
 * `error.code`, never the message. The message names the file, row and column where
 * there is one, and says what to do.
 */
import { CodedError, isCodedError, registerCodedError, type CodedErrorOptions } from '../format/index.ts';

/** What went wrong, as a stable machine-readable code. */
export type TrainerErrorCode =
  // data
  | 'DATA_EMPTY'
  | 'DATA_RAGGED'
  | 'DATA_PARSE'
  | 'LABEL_COLUMN_MISSING'
  | 'CLASS_TOO_SMALL'
  | 'IMAGE_SIZE_MISMATCH'
  | 'IMAGE_DECODE'
  | 'NON_NUMERIC'
  /** The data's examples do not have the shape the model takes (`details.expected`, `details.actual`). */
  | 'DATA_SHAPE_MISMATCH'
  /** An optional package the operation needs is not installed (`details.package`). */
  | 'DEPENDENCY_MISSING'
  // configuration
  | 'CONFIG_INVALID'
  /** The model needs an operation the training backend cannot compute as asked (`details.kernel`, `details.backend`, `details.dataFormat`, `details.dilations`); train on another backend. */
  | 'BACKEND_UNSUPPORTED'
  // checkpoints
  | 'CHECKPOINT_MISSING'
  | 'CHECKPOINT_INVALID'
  // runs
  | 'TRAINING_ABORTED'
  | 'TRAINING_DIVERGED';

/** Options of {@link TrainerError}: `details` holds `{ file, row, column, expected, actual }` where they apply. */
export type TrainerErrorOptions = CodedErrorOptions;

/** A typed trainer error. */
export class TrainerError extends CodedError<TrainerErrorCode> {
  override readonly name = 'TrainerError';
}
registerCodedError('TrainerError', TrainerError);

/** True when `value` is a {@link TrainerError}, optionally with the given code. */
export const isTrainerError = (value: unknown, code?: TrainerErrorCode): value is TrainerError => isCodedError<TrainerError>(value, 'TrainerError', code);
