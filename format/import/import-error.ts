/**
 * The model importer's error class (`importModel`, `npm run import`). Every refused
 * import is an `ImportError` with a `code`; nothing is written when one is thrown.
 * Check `error.code` (or {@link isImportError}), never the message text.
 */
import { CodedError, isCodedError, type CodedErrorOptions } from '../coded-error.ts';
import { registerCodedError } from '../error-transfer.ts';

/** What went wrong, as a stable machine-readable code. */
export type ImportErrorCode =
  /** The model file (or a file it names) cannot be read (`details.path`). */
  | 'IMPORT_NOT_FOUND'
  /** `model.json` is not JSON, or not a tfjs layers or graph model. */
  | 'IMPORT_NOT_TFJS'
  /** A weight shard named in `model.json`'s `weightsManifest` is missing (`details.path`). */
  | 'IMPORT_MISSING_SHARD'
  /** The shards hold fewer or more bytes than the weights manifest describes. */
  | 'IMPORT_SHARD_SIZE'
  /** The file is not an ONNX `ModelProto` (or has no graph). */
  | 'IMPORT_NOT_ONNX'
  /** The ONNX opset or IR version is outside what onnxruntime-web runs (`details.opset`, `details.supported`). */
  | 'IMPORT_UNSUPPORTED_OPSET'
  /** An ONNX external-data file is missing or shorter than its tensors (`details.path`). */
  | 'IMPORT_MISSING_EXTERNAL_DATA'
  /** A file name the package format cannot hold (outside the model's folder, odd characters). */
  | 'IMPORT_BAD_PATH'
  /** Something the model does not say and no flag gave (`details.flag`), e.g. the image layout. */
  | 'IMPORT_FLAG_MISSING'
  /** A flag that does not fit the model (`details.flag`), e.g. 5 labels for 10 outputs. */
  | 'IMPORT_FLAG_INVALID'
  /** A model edgeloop cannot describe: an unknown shape, a string input, no outputs. */
  | 'IMPORT_UNSUPPORTED_MODEL'
  /** The registry already holds this name and version; versions are immutable. */
  | 'IMPORT_VERSION_EXISTS'
  /** `--check`: no backend ran the written package, or their outputs disagree. */
  | 'IMPORT_CHECK_FAILED';

/** Options of {@link ImportError}. */
export type ImportErrorOptions = CodedErrorOptions;

/** A typed import error. */
export class ImportError extends CodedError<ImportErrorCode> {
  override readonly name = 'ImportError';
}
registerCodedError('ImportError', ImportError);

/** True when `value` is an {@link ImportError}, optionally with the given code. */
export const isImportError = (value: unknown, code?: ImportErrorCode): value is ImportError => isCodedError<ImportError>(value, 'ImportError', code);
