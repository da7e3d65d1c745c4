/**
 * Structured pruning: remove whole output units (Dense) and filters (Conv2D) with
 * the smallest L1 kernel norm (Li et al., "Pruning Filters for Efficient ConvNets",
 * https://arxiv.org/abs/1608.08710), and rebuild a smaller model. Unlike magnitude
 * pruning this makes the artifact and the compute smaller on every engine.
 *
 * Supported: Sequential models whose Dense / Conv2D (channels-last) layers feed the
 * next Dense / Conv2D layer through only channel-preserving layers (pooling,
 * Dropout, activations, ZeroPadding2D, global pooling, Flatten) — the MLP and CNN
 * of `buildMlp` / `buildCnn`. A layer is only shrunk where the next layer's input
 * can shrink with it; the last Dense / Conv2D layer (the model's outputs) and
 * layers followed by anything else (BatchNormalization, Add, …) keep their width.
 * Functional models (MobileNetV2's residual blocks) are not supported.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Layers a pruned layer's output may pass through on its way to the next Dense / Conv2D. */
const CHANNEL_PRESERVING = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'Dropout',
  'SpatialDropout1D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'Flatten',
]);

const SHRINKABLE = new Set(['Dense', 'Conv2D']);

/** Options of {@link structuredChannelPrune}. */
export interface StructuredChannelPruneOptions {
  /** Fraction of each shrinkable layer's units / filters to remove, 0 ≤ s < 1 (rounded; at least one stays). */
  sparsity: number;
  /** Names of the layers to shrink. @defaultValue every shrinkable layer */
  layers?: readonly string[];
}

/** What happened to one shrunk layer. */
export interface ChannelPruneEntry {
  layer: string;
  /** Units / filters before. */
  before: number;
  /** Units / filters after. */
  after: number;
  /** Indices (in the original layer) of the units / filters that were kept, ascending. */
  kept: number[];
}

/** The result of {@link structuredChannelPrune}. */
export interface StructuredChannelPruneResult {
  /** The new, smaller model (same layer names and input / output shapes); the original is untouched. */
  model: LayersModel;
  /** One entry per shrunk layer. */
  layers: ChannelPruneEntry[];
  paramsBefore: number;
  paramsAfter: number;
}

type Layer = LayersModel['layers'][number];
type LayerJson = { class_name: string; config: Record<string, unknown> };

/** Names of the layers of a Sequential `model` that can be shrunk. */
export function shrinkableLayers(model: LayersModel): string[] {
  const layers = model.layers;
  return layers
    .filter((layer, i) => {
      if (!SHRINKABLE.has(layer.getClassName()) || !channelsLast(layer)) return false;
      for (let j = i + 1; j < layers.length; j++) {
        const kind = layers[j].getClassName();
        if (SHRINKABLE.has(kind)) return channelsLast(layers[j]);
        if (!CHANNEL_PRESERVING.has(kind)) return false;
      }
      return false;
    })
    .map((layer) => layer.name);
}

function channelsLast(layer: Layer): boolean {
  const format = (layer.getConfig() as { dataFormat?: string }).dataFormat;
  return format === undefined || format === 'channelsLast';
}

/**
 * Removes the `round(sparsity × n)` units / filters with the smallest L1 kernel norm
 * from each shrinkable layer (see the module comment) and the matching input rows of
 * the layer after it, and returns the rebuilt model with the remaining weights
 * copied over. Units whose kernel column and bias are zero contribute nothing
 * downstream (ReLU(0) = 0), so removing them leaves the outputs unchanged.
 *
 * @throws {RangeError} when `model` is not Sequential, `sparsity` is outside
 *   [0, 1), or `layers` names a layer that cannot be shrunk.
 */
export async function structuredChannelPrune(model: LayersModel, options: StructuredChannelPruneOptions): Promise<StructuredChannelPruneResult> {
  const { sparsity } = options;
  if (model.getClassName() !== 'Sequential') {
    throw new RangeError(`structuredChannelPrune supports Sequential models; '${model.name}' is a ${model.getClassName()} — use magnitudePrune for it`);
  }
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) throw new RangeError(`sparsity must be a fraction in [0, 1), got ${sparsity}`);
  const shrinkable = shrinkableLayers(model);
  const unknown = (options.layers ?? []).filter((name) => !shrinkable.includes(name));
  if (unknown.length > 0) {
    throw new RangeError(`layers ${unknown.join(', ')} cannot be shrunk in model '${model.name}'; shrinkable layers: ${shrinkable.join(', ') || 'none'}`);
  }
  const selected = new Set(options.layers ?? shrinkable);

  const topology = model.toJSON(null, false) as unknown as { config: { layers: LayerJson[] } };
  const configOf = (name: string) => topology.config.layers.find((l) => l.config.name === name)!.config;
  const created: tf.Tensor[] = [];
  const track = <T extends tf.Tensor>(t: T): T => (created.push(t), t);
  const newWeights = new Map<string, tf.Tensor[]>();
  const entries: ChannelPruneEntry[] = [];
  try {
    // Indices along the last axis of the tensor flowing out of the previous layer that survive, or undefined for all.
    let flowing: number[] | undefined;
    let previous: Layer | undefined;
    for (const layer of model.layers) {
      const kind = layer.getClassName();
      let weights = layer.getWeights();
      if (SHRINKABLE.has(kind)) {
        let [kernel, bias] = weights;
        const inAxis = kernel.rank - 2;
        const outAxis = kernel.rank - 1;
        if (flowing !== undefined) kernel = track(tf.gather(kernel, flowing, inAxis));
        flowing = undefined;
        if (selected.has(layer.name)) {
          const n = kernel.shape[outAxis];
          const axes = kernel.shape.slice(0, -1).map((_, i) => i);
          const normTensor = track(tf.tidy(() => tf.sum(tf.abs(kernel), axes)));
          const norms = await normTensor.data();
          const remove = Math.min(Math.round(sparsity * n), n - 1);
          const byNorm = Array.from({ length: n }, (_, i) => i).sort((a, b) => norms[a] - norms[b] || a - b);
          const kept = byNorm.slice(remove).sort((a, b) => a - b);
          kernel = track(tf.gather(kernel, kept, outAxis));
          if (bias !== undefined) bias = track(tf.gather(bias, kept));
          configOf(layer.name)[kind === 'Dense' ? 'units' : 'filters'] = kept.length;
          entries.push({ layer: layer.name, before: n, after: kept.length, kept });
          flowing = kept;
        }
        weights = bias === undefined ? [kernel] : [kernel, bias];
      } else if (kind === 'Flatten' && flowing !== undefined) {
        // Flatten of [..., c] lays out position p, channel ch at p·c + ch.
        const inputShape = previous!.outputShape as number[];
        const channels = inputShape[inputShape.length - 1];
        const positions = inputShape.slice(1, -1).reduce((a, b) => a * b, 1);
        const keptChannels: number[] = flowing;
        flowing = Array.from({ length: positions }, (_, p) => keptChannels.map((ch) => p * channels + ch)).flat();
      }
      newWeights.set(layer.name, weights);
      previous = layer;
    }
    const pruned = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
    for (const layer of pruned.layers) {
      const weights = newWeights.get(layer.name);
      if (weights !== undefined && weights.length > 0) layer.setWeights(weights);
    }
    return { model: pruned, layers: entries, paramsBefore: model.countParams(), paramsAfter: pruned.countParams() };
  } finally {
    tf.dispose(created);
  }
}
