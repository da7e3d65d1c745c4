/**
 * What the importer reads about one model input or output, whatever the engine: its
 * name, its shape (-1 for a dynamic dimension) and its element type in edgeloop's
 * spelling (the engines' own spellings are mapped here).
 */
import { TENSOR_DTYPES, type TensorDtype } from '../manifest.ts';

/** One named input or output of a model, as its file describes it. */
export interface TensorInfo {
  name: string;
  /** Dimensions, batch first where there is one; -1 for a dynamic (named or unknown) dimension. */
  shape: number[];
  /** The element type: a `TensorDtype`, or the engine's name for one packages cannot carry (e.g. `string`). */
  dtype: string;
  /** Set when the shape could not be read: the layer or node where inference stopped. */
  unknownAt?: string;
}

/** ONNX `TensorProto.DataType` codes → names (https://onnx.ai/onnx/api/mapping.html). */
const ONNX_ELEM_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  21: 'uint4',
  22: 'int4',
};

/** The name of an ONNX element type code (`elem-type-<n>` for codes this table lacks). */
export function onnxDtypeName(code: number): string {
  return ONNX_ELEM_TYPES[code] ?? `elem-type-${code}`;
}

/** TensorFlow `DataType` names (graph-model signatures) → names. */
const TF_DTYPES: Readonly<Record<string, string>> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float16',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_UINT8: 'uint8',
  DT_INT8: 'int8',
  DT_INT16: 'int16',
  DT_UINT16: 'uint16',
  DT_BOOL: 'bool',
  DT_STRING: 'string',
  DT_COMPLEX64: 'complex64',
};

/** The name of a TensorFlow dtype as a graph model's signature spells it (`DT_FLOAT`), or a tfjs one (`float32`). */
export function tfDtypeName(value: unknown): string {
  if (typeof value !== 'string') return 'float32';
  return TF_DTYPES[value] ?? value;
}

/** True for a dtype edgeloop packages can describe (`TENSOR_DTYPES`). */
export function isTensorDtype(dtype: string): dtype is TensorDtype {
  return (TENSOR_DTYPES as readonly string[]).includes(dtype);
}

/** `[-1, 3, 224, 224]` as text. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
