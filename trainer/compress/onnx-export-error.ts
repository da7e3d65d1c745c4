/**
 * The error the ONNX exporter throws for a model it cannot convert. Check `code`,
 * never the message text.
 */

/** Why a model could not be exported. */
export type OnnxExportErrorCode =
  /** A layer class the exporter has no conversion for. */
  | 'UNSUPPORTED_LAYER'
  /** A supported layer class with a setting the exporter cannot express (e.g. `channelsFirst`). */
  | 'UNSUPPORTED_CONFIG'
  /** The model's shape of graph (several inputs/outputs, multi-output layers) is not supported. */
  | 'UNSUPPORTED_MODEL';

/** Thrown by `exportOnnx`; `details` names the layer (`layerName`, `layerClass`) where there is one. */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
  readonly code: OnnxExportErrorCode;
  readonly details: { layerName?: string; layerClass?: string; [key: string]: unknown };

  constructor(code: OnnxExportErrorCode, message: string, details: OnnxExportError['details'] = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
