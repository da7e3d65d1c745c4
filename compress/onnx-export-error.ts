/**
 * The error the ONNX exporter throws for a model it cannot convert. Check `code`,
 * never the message text.
 */
import { CodedError, registerCodedError } from '../format/index.ts';

/** Why a model could not be exported. */
export type OnnxExportErrorCode =
  /** A layer class the exporter has no conversion for. */
  | 'UNSUPPORTED_LAYER'
  /** A supported layer class with a setting the exporter cannot express (e.g. `channelsFirst`). */
  | 'UNSUPPORTED_CONFIG'
  /** The model's shape of graph (several inputs/outputs, multi-output layers) is not supported. */
  | 'UNSUPPORTED_MODEL';

/** Thrown by `exportOnnx`; `details` names the layer (`layerName`, `layerClass`) where there is one. */
export class OnnxExportError extends CodedError<OnnxExportErrorCode> {
  override readonly name = 'OnnxExportError';
  declare readonly details: { layerName?: string; layerClass?: string; [key: string]: unknown };
}
registerCodedError('OnnxExportError', OnnxExportError);
