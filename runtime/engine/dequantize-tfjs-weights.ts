/**
 * Decodes the edgeloop weight quantizations of a tfjs artifact into plain float32, so
 * that `tf.io.fromMemory` + `loadLayersModel` can load it.
 *
 * tfjs's weights manifest only knows `quantization: { dtype: 'uint8' | 'uint16' |
 * 'float16' }` (one scale and min per tensor). The compressor stores the schemes tfjs
 * lacks — symmetric int8 per tensor or per output channel, block-wise int4 — as a
 * weight spec with the extension field `edgeloopQuantization`, whose layout and codec
 * are the format room's ({@link EdgeloopWeightQuantization}, `decodeEdgeloopWeight`;
 * byte by byte in docs/PACKAGE-FORMAT.md, "Weight quantization"). Entries without the
 * field (float32, tfjs-native quantization, other dtypes) pass through byte for byte;
 * tfjs decodes its own.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { concatBytes, decodeEdgeloopWeight, edgeloopEntryLayout, EdgeloopError, type EdgeloopWeightQuantization } from '../../format/index.ts';

export type { EdgeloopWeightQuantization } from '../../format/index.ts';

/** A tfjs weight spec that may carry {@link EdgeloopWeightQuantization}. */
export type EdgeloopWeightSpec = TfCore.io.WeightsManifestEntry & { edgeloopQuantization?: EdgeloopWeightQuantization };

/** The result of {@link dequantizeTfjsWeights}: what `tf.io.fromMemory` takes. */
export interface DequantizedTfjsWeights {
  weightSpecs: TfCore.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const TFJS_QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * Replaces every weight with `edgeloopQuantization` by a plain float32 weight of the
 * same name and shape, rebuilding `weightData` around it. Without such weights the
 * inputs come back unchanged (no copy when `weightData` is one ArrayBuffer).
 *
 * @throws {EdgeloopError} `MODEL_LOAD_FAILED` when a spec is malformed or the weight
 *   data is shorter than the specs say.
 */
export function dequantizeTfjsWeights(
  weightSpecs: readonly EdgeloopWeightSpec[],
  weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array,
): DequantizedTfjsWeights {
  const bytes = joinWeightData(weightData);
  if (!weightSpecs.some((spec) => spec.edgeloopQuantization !== undefined)) {
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const buffer = weightData instanceof ArrayBuffer ? weightData : owns ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
    return { weightSpecs: weightSpecs.slice(), weightData: buffer };
  }
  const parts: Uint8Array[] = [];
  const specs: TfCore.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of weightSpecs) {
    const length = entryByteLength(spec, bytes, offset);
    if (offset + length > bytes.byteLength) {
      fail(`weight '${spec.name}' needs bytes ${offset}–${offset + length} but the weight data has ${bytes.byteLength}`, spec);
    }
    const entry = bytes.subarray(offset, offset + length);
    offset += length;
    const quant = spec.edgeloopQuantization;
    if (quant === undefined) {
      specs.push(spec);
      parts.push(entry);
      continue;
    }
    const { edgeloopQuantization: _, ...plain } = spec;
    specs.push({ ...plain, dtype: 'float32' });
    const values = codec(spec, () => decodeEdgeloopWeight(spec.shape, quant, entry));
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return { weightSpecs: specs, weightData: concatBytes(parts).buffer };
}

/** Bytes `spec` occupies at `offset`, after checking an edgeloop entry is self-consistent. */
function entryByteLength(spec: EdgeloopWeightSpec, bytes: Uint8Array, offset: number): number {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`weight '${spec.name}' has an invalid shape`, spec);
  const count = spec.shape.reduce((n, d) => n * d, 1);
  const quant = spec.edgeloopQuantization;
  if (quant !== undefined) {
    if (spec.quantization !== undefined) fail(`weight '${spec.name}' has both quantization and edgeloopQuantization`, spec);
    return codec(spec, () => edgeloopEntryLayout(spec.shape, quant)).byteLength;
  }
  if (spec.quantization !== undefined) {
    const size = TFJS_QUANT_BYTES[spec.quantization.dtype];
    if (size === undefined) fail(`weight '${spec.name}' has unknown tfjs quantization dtype '${spec.quantization.dtype}'`, spec);
    return count * size;
  }
  if (spec.dtype === 'string') {
    // tfjs strings: each value is a uint32 (little-endian) byte length, then the bytes.
    let length = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) {
      if (offset + length + 4 > bytes.byteLength) fail(`weight '${spec.name}' runs past the end of the weight data`, spec);
      length += 4 + view.getUint32(offset + length, true);
    }
    return length;
  }
  const size = DTYPE_BYTES[spec.dtype];
  if (size === undefined) fail(`weight '${spec.name}' has unknown dtype '${spec.dtype}'`, spec);
  return count * size;
}

/** Runs a format codec call, turning its RangeError into this loader's MODEL_LOAD_FAILED. */
function codec<T>(spec: EdgeloopWeightSpec, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) fail(`weight '${spec.name}' ${error.message}`, spec, error);
    throw error;
  }
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | Uint8Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return Array.isArray(data) ? concatBytes(data) : new Uint8Array(data);
}

function fail(message: string, spec: EdgeloopWeightSpec, cause?: unknown): never {
  throw new EdgeloopError('MODEL_LOAD_FAILED', `${message}; the tfjs artifact is corrupt or was written by a newer compressor`, {
    details: { weight: spec.name },
    cause,
  });
}
