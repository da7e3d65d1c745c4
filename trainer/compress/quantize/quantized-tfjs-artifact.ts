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
 *   byteLength, scaleCount, axis?, blockSize? }`; its bytes in the shard are the
 *   float32 scales (little-endian) followed by the codes. Such a `model.json` must go
 *   through the runtime's `dequantizeTfjsWeights` before `tf.io.fromMemory`; plain tfjs
 *   cannot read it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MAX_SHARD_BYTES, type PackageFileInput } from '../../../runtime/format/index.ts';
import { tfjsArtifactFiles, type TfjsArtifactOptions, type TfjsModelJson } from '../tfjs-artifact.ts';
import { defaultBlockAxis, defaultQuantAxis, QUANT_LAYER_CLASSES, type QuantLayerClass } from './default-quant-axis.ts';
import { QUANT_SCHEMES, quantizeTensor } from './quantize-tensor.ts';
import type { QuantizedTensor, QuantScheme } from './quantized-tensor.ts';

/** Which scheme each layer class's kernels use; classes left out stay float32. */
export type QuantRecipe = Partial<Record<QuantLayerClass, QuantScheme>>;

/** The `edgeloopQuantization` extension of a tfjs weight spec (read by the runtime's `dequantizeTfjsWeights`). */
export interface EdgeloopWeightQuantization {
  scheme: 'int8-per-channel' | 'int8-per-tensor' | 'int4-block';
  /** Bytes of the entry in the weight data: `4 × scaleCount` scale bytes, then the codes. */
  byteLength: number;
  /** Number of float32 scales at the start of the entry. */
  scaleCount: number;
  /** int8-per-channel: the channel axis; int4-block: the blocked axis (non-negative). */
  axis?: number;
  /** int4-block: values per block along `axis`. */
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

const TFJS_DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Serialises `model` like `tfjsArtifactFiles` (`${dir}/model.json`, then
 * `${dir}/group1-shard{i}of{n}.bin`), with the kernels of the recipe's layer classes
 * quantized. Axes follow `defaultQuantAxis` / `defaultBlockAxis`.
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
    const axisOptions = { weightName: owner.weightName };
    const axis = scheme === 'int4-block' ? defaultBlockAxis(owner.layerClass, spec.shape, axisOptions) : defaultQuantAxis(owner.layerClass, spec.shape, axisOptions);
    const encoded = encodeWeight(spec, quantizeTensor(values, spec.shape, scheme, { axis, blockSize }));
    specs.push(encoded.spec);
    parts.push(encoded.bytes);
  }

  const data = concat(parts);
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

/** The spec and shard bytes of one quantized weight. */
function encodeWeight(spec: tf.io.WeightsManifestEntry, q: QuantizedTensor): { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array } {
  switch (q.scheme) {
    case 'fp16':
      return { spec: { ...spec, quantization: { dtype: 'float16' } }, bytes: q.data };
    case 'uint8-per-tensor': {
      const scale = q.scales[0];
      const min = -(q.zeroPoints?.[0] ?? 0) * scale;
      return { spec: { ...spec, quantization: { dtype: 'uint8', scale, min } }, bytes: q.data };
    }
    default: {
      const bytes = new Uint8Array(q.scales.length * 4 + q.data.byteLength);
      const view = new DataView(bytes.buffer);
      q.scales.forEach((s, i) => view.setFloat32(i * 4, s, true));
      bytes.set(q.data, q.scales.length * 4);
      const edgeloopQuantization: EdgeloopWeightQuantization = {
        scheme: q.scheme,
        byteLength: bytes.byteLength,
        scaleCount: q.scales.length,
        ...(q.axis === undefined || q.scheme === 'int8-per-tensor' ? {} : { axis: q.axis }),
        ...(q.blockSize === undefined ? {} : { blockSize: q.blockSize }),
      };
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

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
