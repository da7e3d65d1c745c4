/**
 * The compressor's one error class. Every failure of the ONNX exporter and of the
 * compress driver is a `CompressError` with a `code`; check `error.code` (or
 * {@link isCompressError}), never the message text. Codes cross the compressor's
 * worker (format's `installErrorTransfer`).
 */
import { CodedError, isCodedError, registerCodedError, type CodedErrorOptions } from '../format/index.ts';

/** What went wrong, as a stable machine-readable code. */
export type CompressErrorCode =
  /** A layer class the ONNX exporter has no conversion for (`details.layerName`, `details.layerClass`). */
  | 'UNSUPPORTED_LAYER'
  /** A supported layer class with a setting the exporter cannot express (e.g. `channelsFirst`). */
  | 'UNSUPPORTED_CONFIG'
  /** The model's shape of graph (several inputs/outputs, multi-output layers) is not supported. */
  | 'UNSUPPORTED_MODEL'
  /** A target's size budget cannot be met; nothing was built (`details.failures`). */
  | 'BUDGET_EXCEEDED'
  /** The package to compress lacks what the compressor needs (an fp32 tfjs artifact, a listed file). */
  | 'PACKAGE_INVALID'
  /** A recipe asks for something the pipeline cannot do (e.g. structured pruning). */
  | 'RECIPE_INVALID'
  /** A recipe fine-tunes after pruning but the job has no training data. */
  | 'TRAINING_DATA_MISSING'
  /** The evaluation or training data do not have the model's input shape (`details.expected`, `details.actual`). */
  | 'DATA_SHAPE_MISMATCH'
  /** The data's labels do not fit the model's classes (a class it does not know, a count that differs). */
  | 'DATA_LABELS_MISMATCH';

/** Options of {@link CompressError}: `details` names the layer, artifact or field where there is one. */
export type CompressErrorOptions = CodedErrorOptions;

/** A typed compressor error. */
export class CompressError extends CodedError<CompressErrorCode> {
  override readonly name = 'CompressError';
  declare readonly details: { layerName?: string; layerClass?: string; [key: string]: unknown };
}
registerCodedError('CompressError', CompressError);

/** True when `value` is a {@link CompressError}, optionally with the given code. */
export const isCompressError = (value: unknown, code?: CompressErrorCode): value is CompressError => isCodedError<CompressError>(value, 'CompressError', code);
