/**
 * Writes a tfjs `layers-model` artifact whose layer kernels are quantized.
 *
 * Per layer class, the recipe names the scheme of its kernels (`kernel`,
 * `depthwise_kernel`, `pointwise_kernel`); biases, batch-norm parameters, every other
 * weight and every weight smaller than `minElements` stay float32. Storage:
 *
 * - `fp16`, `uint8-per-tensor`: tfjs's own weight-spec `quantization` field
 *   (`{ dtype: 'float16' }`, `{ dtype: 'uint8', scale, min }` with
 *   `min = −zeroPoint × scale`), so any tfjs loader reads them.
 * - `int8-per-channel`, `int8-per-tensor`, `int4-block`: tfjs has no format for these.
 *   The spec keeps `dtype: 'float32'` and gains `edgeloopQuantization: { scheme,
 *   byteLength, scaleCount, axis?, blockSize?, viewShape?, scaleDtype? }`; its bytes
 *   in the shard are the scales (little-endian) followed by the codes. Such a
 *   `model.json` must go through the runtime's `dequantizeTfjsWeights` (format's
 *   `decodeEdgeloopWeight`) before
 *   `tf.io.fromMemory`; plain tfjs cannot read it.
 *
 * int4-block kernels are blocked along their whole reduction dimension, in the 2-D view
 * of `defaultBlockView` (`viewShape`, axis 0), not along the input channels at each
 * kernel tap as in ONNX: a 3×3 convolution over 1 or 8 input channels would otherwise
 * get blocks of 1 or 8 values, each paying for a scale. Their scales, and the per-channel
 * int8 scales, are stored as float16 (`scaleDtype: 'float16'`): each scale is rounded
 * *up* to a half and the codes are computed against that rounded scale, so decoding is
 * exact to what was written and no code clamps (|x| ≤ qmax × scale still holds). A
 * kernel whose scales do not fit a half (|w| > 65504 × qmax) keeps float32 scales and,
 * for int4, the ONNX-style block axis — the format decoders before `viewShape` read.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  axisLayout,
  concatBytes,
  encodeEdgeloopWeight,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  FLOAT16_MAX,
  MAX_SHARD_BYTES,
  packInt4,
  QUANT_SCHEMES,
  quantizeTensor,
  roundHalfEven,
  type PackageFileInput,
  type QuantizedTensor,
  type QuantScheme,
} from '../../format/index.ts';
import { tfjsArtifactFiles, type TfjsArtifactOptions, type TfjsModelJson } from '../../trainer/index.ts';
import { defaultBlockAxis, defaultBlockView, defaultQuantAxis, QUANT_LAYER_CLASSES, type QuantLayerClass } from './default-quant-axis.ts';

/** Which scheme each layer class's kernels use; classes left out stay float32. */
export type QuantRecipe = Partial<Record<QuantLayerClass, QuantScheme>>;


/** One kernel quantized the way {@link quantizedTfjsArtifactFiles} stores it. */
export interface TfjsKernelQuantization {
  /** The quantized kernel; for a blocked view, `quantized.shape` is `viewShape`. Scales are exact float16 values when `scaleDtype` says so. */
  quantized: QuantizedTensor;
  /** The 2-D view the int4 blocks run in, when it differs from the kernel's shape. */
  viewShape?: number[];
  /** How the scales are stored. */
  scaleDtype: 'float32' | 'float16';
}

/** Options of {@link quantizeTfjsKernel}. */
export interface QuantizeTfjsKernelOptions {
  /** The kernel's name inside its layer. @defaultValue 'kernel' (for DepthwiseConv2D, 'depthwise_kernel') */
  weightName?: string;
  /** Block length of `int4-block`. @defaultValue 32 */
  blockSize?: number;
}

/** Options for {@link quantizedTfjsArtifactFiles}. */
export interface QuantizedTfjsArtifactOptions extends TfjsArtifactOptions {
  /** The scheme of each layer class's kernels. */
  recipe: QuantRecipe;
  /** Weights with fewer elements stay float32 (their scales would cost more than they save). @defaultValue 64 */
  minElements?: number;
  /** Block length of `int4-block` kernels. @defaultValue 32 */
  blockSize?: number;
}

/** The kernel weights of the quantizable layers, by their name inside the layer. */
const KERNEL_NAMES = new Set(['kernel', 'depthwise_kernel', 'pointwise_kernel']);

const INT4_MAX = 7;
const INT8_MAX = 127;

const TFJS_DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Serialises `model` like `tfjsArtifactFiles` (`${dir}/model.json`, then
 * `${dir}/group1-shard{i}of{n}.bin`), with the kernels of the recipe's layer classes
 * quantized by {@link quantizeTfjsKernel}.
 *
 * @throws {TypeError} when the recipe names an unknown layer class or scheme.
 * @throws {RangeError} when `shardBytes`, `minElements` or `blockSize` is not a
 *   positive integer (`minElements` may be 0), `dir` is not a relative folder, or a
 *   kernel holds NaN/±Infinity and the scheme is an integer one.
 */
export async function quantizedTfjsArtifactFiles(model: LayersModel, options: QuantizedTfjsArtifactOptions): Promise<PackageFileInput[]> {
  const { dir, recipe, shardBytes = MAX_SHARD_BYTES, minElements = 64, blockSize = 32 } = options;
  checkRecipe(recipe);
  if (!Number.isInteger(shardBytes) || shardBytes <= 0) throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  if (!Number.isInteger(minElements) || minElements < 0) throw new RangeError(`minElements must be a non-negative integer, got ${minElements}`);
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);

  const [jsonFile, ...plainShards] = await tfjsArtifactFiles(model, { dir, shardBytes: Number.MAX_SAFE_INTEGER });
  const prefix = jsonFile.path.slice(0, jsonFile.path.length - 'model.json'.length);
  const modelJson = JSON.parse(new TextDecoder().decode(jsonFile.data)) as TfjsModelJson;
  const weights = plainShards[0]?.data ?? new Uint8Array(0);
  const owners = kernelOwners(model);

  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of modelJson.weightsManifest[0]?.weights ?? []) {
    const count = spec.shape.reduce((n, d) => n * d, 1);
    const size = TFJS_DTYPE_BYTES[spec.dtype];
    if (size === undefined) throw new TypeError(`weight '${spec.name}' has dtype ${spec.dtype}, which a layers model should not save`);
    const bytes = weights.subarray(offset, offset + count * size);
    offset += count * size;
    const owner = owners.get(spec.name);
    const scheme = owner === undefined ? undefined : recipe[owner.layerClass];
    if (owner === undefined || scheme === undefined || spec.dtype !== 'float32' || count < minElements) {
      specs.push(spec);
      parts.push(bytes);
      continue;
    }
    const values = new Float32Array(bytes.slice().buffer);
    const encoded = encodeWeight(spec, quantizeTfjsKernel(values, spec.shape, owner.layerClass, scheme, { weightName: owner.weightName, blockSize }));
    specs.push(encoded.spec);
    parts.push(encoded.bytes);
  }

  const data = concatBytes(parts);
  const shardCount = Math.ceil(data.byteLength / shardBytes);
  const shards: PackageFileInput[] = [];
  for (let i = 0; i < shardCount; i++) {
    const start = i * shardBytes;
    shards.push({ path: `${prefix}group1-shard${i + 1}of${shardCount}.bin`, data: data.slice(start, Math.min(start + shardBytes, data.byteLength)) });
  }
  const quantizedJson: TfjsModelJson = {
    ...modelJson,
    weightsManifest: [{ paths: shards.map((s) => s.path.slice(prefix.length)), weights: specs }],
  };
  return [{ path: jsonFile.path, data: new TextEncoder().encode(JSON.stringify(quantizedJson)) }, ...shards];
}

/**
 * The manifest `precision` of an artifact written with `recipe`: its narrowest
 * scheme (`int4` < `int8` < `fp16`), or `fp32` when the recipe quantizes nothing.
 */
export function recipePrecision(recipe: QuantRecipe): 'fp32' | 'fp16' | 'int8' | 'int4' {
  const schemes = Object.values(recipe);
  if (schemes.includes('int4-block')) return 'int4';
  if (schemes.some((s) => s === 'int8-per-channel' || s === 'int8-per-tensor' || s === 'uint8-per-tensor')) return 'int8';
  return schemes.includes('fp16') ? 'fp16' : 'fp32';
}

/**
 * Quantizes one kernel of `layerClass` (row-major `values` of `shape`) with `scheme` as
 * the tfjs artifact stores it: per-channel scales on `defaultQuantAxis`; int4 blocks
 * along axis 0 of `defaultBlockView`; int4-block and int8-per-channel scales rounded up
 * to float16 unless one does not fit.
 *
 * @throws {RangeError} as `quantizeTensor` does (bad `blockSize`, NaN/±Infinity for an
 *   integer scheme), or when a depthwise kernel is not 4-D.
 */
export function quantizeTfjsKernel(
  values: Float32Array,
  shape: readonly number[],
  layerClass: QuantLayerClass,
  scheme: QuantScheme,
  options: QuantizeTfjsKernelOptions = {},
): TfjsKernelQuantization {
  const { weightName, blockSize = 32 } = options;
  if (scheme === 'int4-block') {
    const { viewShape, axis } = defaultBlockView(layerClass, shape, { weightName });
    const q = quantizeTensor(values, viewShape, scheme, { axis, blockSize });
    const scales = float16CeilScales(q.scales);
    if (scales === undefined) {
      const legacyAxis = defaultBlockAxis(layerClass, shape, { weightName });
      return { quantized: quantizeTensor(values, shape, scheme, { axis: legacyAxis, blockSize }), scaleDtype: 'float32' };
    }
    const { dim, inner } = axisLayout(viewShape, axis);
    const blocks = Math.ceil(dim / blockSize);
    const codes = requantize(values, scales, INT4_MAX, (i) => {
      const j = i % inner;
      const rest = (i - j) / inner;
      const c = rest % dim;
      return (((rest - c) / dim) * blocks + Math.floor(c / blockSize)) * inner + j;
    });
    const same = viewShape.length === shape.length && viewShape.every((d, i) => d === shape[i]);
    return { quantized: { ...q, data: packInt4(codes), scales }, scaleDtype: 'float16', ...(same ? {} : { viewShape }) };
  }
  const axis = defaultQuantAxis(layerClass, shape, { weightName });
  const q = quantizeTensor(values, shape, scheme, { axis, blockSize });
  const scales = scheme === 'int8-per-channel' ? float16CeilScales(q.scales) : undefined;
  if (scales === undefined) return { quantized: q, scaleDtype: 'float32' };
  const { dim, inner } = axisLayout(shape, axis);
  const codes = requantize(values, scales, INT8_MAX, (i) => Math.floor(i / inner) % dim);
  return { quantized: { ...q, data: new Uint8Array(codes.buffer), scales }, scaleDtype: 'float16' };
}

/**
 * Each scale rounded up to the nearest float16 value (so `|x| ≤ qmax × scale` survives
 * the rounding), or undefined when one exceeds the largest half.
 */
function float16CeilScales(scales: Float32Array): Float32Array | undefined {
  const out = new Float32Array(scales.length);
  for (let i = 0; i < scales.length; i++) {
    if (!(scales[i] <= FLOAT16_MAX)) return undefined;
    let bits = float32ToFloat16Bits(scales[i]);
    // Scales are positive, so the next bit pattern is the next larger half.
    if (float16BitsToFloat32(bits) < scales[i]) bits++;
    out[i] = float16BitsToFloat32(bits);
  }
  return out;
}

/** Symmetric codes of `values` against `scales[scaleOf(i)]`, ties to even, clamped to ±`qmax`. */
function requantize(values: Float32Array, scales: Float32Array, qmax: number, scaleOf: (i: number) => number): Int8Array {
  const codes = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const code = roundHalfEven(values[i] / scales[scaleOf(i)]);
    codes[i] = code < -qmax ? -qmax : code > qmax ? qmax : code;
  }
  return codes;
}

/** The spec and shard bytes of one quantized weight. */
function encodeWeight(spec: tf.io.WeightsManifestEntry, kernel: TfjsKernelQuantization): { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array } {
  const q = kernel.quantized;
  switch (q.scheme) {
    case 'fp16':
      return { spec: { ...spec, quantization: { dtype: 'float16' } }, bytes: q.data };
    case 'uint8-per-tensor': {
      const scale = q.scales[0];
      const min = -(q.zeroPoints?.[0] ?? 0) * scale;
      return { spec: { ...spec, quantization: { dtype: 'uint8', scale, min } }, bytes: q.data };
    }
    default: {
      // The format's encoder: scales (float16 ones exactly), then codes; `viewShape` when the kernel was blocked in a 2-D view.
      const { quantization: edgeloopQuantization, bytes } = encodeEdgeloopWeight(q, { scaleDtype: kernel.scaleDtype, weightShape: spec.shape });
      return { spec: { ...spec, edgeloopQuantization } as tf.io.WeightsManifestEntry, bytes };
    }
  }
}

interface KernelOwner {
  layerClass: QuantLayerClass;
  weightName: string;
}

/** Saved weight name → the quantizable layer class and kernel name it belongs to (nested models included). */
function kernelOwners(model: LayersModel): Map<string, KernelOwner> {
  const owners = new Map<string, KernelOwner>();
  const visit = (layers: LayersModel['layers']): void => {
    for (const layer of layers) {
      const nested = (layer as { layers?: unknown }).layers;
      if (Array.isArray(nested)) visit(nested as LayersModel['layers']);
      const layerClass = layer.getClassName();
      if (!(QUANT_LAYER_CLASSES as readonly string[]).includes(layerClass)) continue;
      for (const weight of layer.weights) {
        const weightName = weight.originalName.slice(weight.originalName.lastIndexOf('/') + 1);
        if (KERNEL_NAMES.has(weightName)) owners.set(weight.originalName, { layerClass: layerClass as QuantLayerClass, weightName });
      }
    }
  };
  visit(model.layers);
  return owners;
}

function checkRecipe(recipe: QuantRecipe): void {
  for (const [layerClass, scheme] of Object.entries(recipe)) {
    if (!(QUANT_LAYER_CLASSES as readonly string[]).includes(layerClass)) {
      throw new TypeError(`recipe names layer class '${layerClass}'; quantizable classes are ${QUANT_LAYER_CLASSES.join(', ')}`);
    }
    if (scheme !== undefined && !QUANT_SCHEMES.includes(scheme)) {
      throw new TypeError(`recipe.${layerClass} is '${String(scheme)}'; expected one of ${QUANT_SCHEMES.join(', ')}`);
    }
  }
}
