/** The loop's coded error (retraining jobs, the gate, promotion decisions). */
import { CodedError, registerCodedError, type CodedErrorOptions } from '../format/index.ts';

/** What went wrong in a loop job. */
export type LoopErrorCode =
  /** The sync endpoint could not be reached (retry later). */
  | 'ENDPOINT_UNREACHABLE'
  /** The sync endpoint refused a request (details: status, code). */
  | 'ENDPOINT_REFUSED'
  /** The parent package cannot be retrained here (no fp32 tfjs artifact, no labels, an unknown dataset). */
  | 'PARENT_UNSUPPORTED'
  /** The job's input is wrong (no such model, no parent version). */
  | 'JOB_INVALID'
  /** Too few shared examples to judge a candidate yet (the queue retries the job later). */
  | 'FEEDBACK_INSUFFICIENT';

export class LoopError extends CodedError<LoopErrorCode> {
  override readonly name = 'LoopError';
}
registerCodedError('LoopError', LoopError);

export type { CodedErrorOptions as LoopErrorOptions };
