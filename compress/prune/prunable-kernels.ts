/**
 * Finds the weights magnitude pruning acts on: the kernels of Dense and
 * convolution layers (biases, BatchNormalization and embeddings are left alone:
 * they are few and sensitive).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Layer classes whose kernels {@link magnitudePrune} prunes. */
export const PRUNABLE_LAYER_CLASSES: readonly string[] = ['Dense', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D'];

type Layer = LayersModel['layers'][number];
type LayerVariable = Layer['weights'][number];

/** One prunable kernel. */
export interface PrunableKernel {
  /** The layer's name. */
  layer: string;
  /** The weight's name within the layer: `kernel`, `depthwise_kernel` or `pointwise_kernel`. */
  weight: string;
  variable: LayerVariable;
}

/** The layers of `model`, nested models flattened, in order. */
export function allLayers(model: LayersModel): Layer[] {
  return model.layers.flatMap((layer) => ('layers' in layer && Array.isArray((layer as LayersModel).layers) ? allLayers(layer as LayersModel) : [layer]));
}

/** The weight's own name, without the layer scope (`dense_1/kernel` → `kernel`). */
export function weightName(variable: LayerVariable): string {
  const original = (variable as LayerVariable & { originalName?: string }).originalName ?? variable.name;
  return original.slice(original.lastIndexOf('/') + 1);
}

/**
 * The prunable kernels of `model`, in layer order; with `layers`, only those of
 * the named layers.
 *
 * @throws {RangeError} when a name in `layers` is not a prunable layer of `model`
 *   (the message lists the ones there are).
 */
export function prunableKernels(model: LayersModel, layers?: readonly string[]): PrunableKernel[] {
  const prunable = allLayers(model).filter((layer) => PRUNABLE_LAYER_CLASSES.includes(layer.getClassName()));
  if (layers !== undefined) {
    const names = prunable.map((layer) => layer.name);
    const unknown = layers.filter((name) => !names.includes(name));
    if (unknown.length > 0) {
      throw new RangeError(`layers ${unknown.join(', ')} are not prunable layers of model '${model.name}'; prunable layers: ${names.join(', ')}`);
    }
  }
  return prunable
    .filter((layer) => layers === undefined || layers.includes(layer.name))
    .flatMap((layer) =>
      layer.weights.filter((w) => /kernel$/.test(weightName(w))).map((variable) => ({ layer: layer.name, weight: weightName(variable), variable })),
    );
}
