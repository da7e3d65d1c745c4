/**
 * Deterministic tfjs-layers model builders. Every model outputs LOGITS (the last
 * Dense layer is linear); the runtime applies the manifest's output activation.
 * Initial weights come from seeded initializers, so the same options always build
 * the same weights.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { createSeededRandom } from '../data/seeded-random.ts';

/** Options for {@link buildMlp}. */
export interface MlpOptions {
  /** Input shape without the batch dimension. @defaultValue [28, 28, 1] */
  inputShape?: number[];
  /** Units of each hidden (ReLU) layer. @defaultValue [128] */
  hidden?: number[];
  /** Number of output classes. @defaultValue 10 */
  classes?: number;
  /** Seed of the weight initializers. @defaultValue 0 */
  seed?: number;
}

/** Options for {@link buildCnn}. */
export interface CnnOptions {
  /** Input shape `[height, width, channels]`. @defaultValue [28, 28, 1] */
  inputShape?: [number, number, number];
  /** Number of output classes. @defaultValue 10 */
  classes?: number;
  /** Seed of the weight initializers. @defaultValue 0 */
  seed?: number;
}

/** Options for {@link buildMobileNetV2}. */
export interface MobileNetV2Options {
  /** Height and width of the square RGB input. @defaultValue 224 */
  inputSize?: number;
  /** Width multiplier (Keras `alpha`). @defaultValue 1.0 */
  alpha?: number;
  /** Number of output classes. @defaultValue 1000 */
  classes?: number;
  /** Seed of the weight initializers. @defaultValue 0 */
  seed?: number;
  /**
   * Momentum of the batch-normalisation moving statistics (Keras' MobileNetV2 uses
   * 0.999, which needs thousands of steps; a short fine-tune wants ~0.9).
   * @defaultValue 0.999
   */
  batchNormMomentum?: number;
  /**
   * Start the γ of the last BatchNormalization of every residual block at 0 (the
   * "zero-γ" trick, Goyal et al. 2017, torchvision's `zero_init_residual`), so each
   * block starts as the identity and the untrained network is shallow. Trained from
   * scratch on 32×32 digits this cut the steps to a given accuracy several-fold
   * (88 % vs 64 % test accuracy after the same 188 steps). Other weights are the
   * same either way.
   * @defaultValue false
   */
  zeroInitResidual?: boolean;
}

/** Hands out distinct 31-bit initializer seeds derived from one model seed. */
function seedSource(seed: number): () => number {
  const random = createSeededRandom(seed);
  return () => Math.floor(random() * 0x7fffffff);
}

function checkPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${what} must be a positive integer, got ${value}`);
}

/**
 * Builds `Flatten → (Dense relu)×hidden → Dense(classes, linear)` as a Sequential
 * model named `mlp` (no Flatten for a rank-1 `inputShape`: a row of tabular features).
 *
 * @throws {RangeError} when a size is not a positive integer.
 */
export function buildMlp(options: MlpOptions = {}): LayersModel {
  const { inputShape = [28, 28, 1], hidden = [128], classes = 10, seed = 0 } = options;
  inputShape.forEach((d, i) => checkPositiveInt(d, `inputShape[${i}]`));
  hidden.forEach((u, i) => checkPositiveInt(u, `hidden[${i}]`));
  checkPositiveInt(classes, 'classes');
  const nextSeed = seedSource(seed);
  const model = tfl.sequential({ name: 'mlp' });
  // Images are flattened; a row of tabular features (rank 1) already is flat, and Flatten refuses it.
  const flat = inputShape.length === 1;
  if (!flat) model.add(tfl.layers.flatten({ inputShape, name: 'flatten' }));
  hidden.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
        name: `dense_${i + 1}`,
        ...(flat && i === 0 ? { inputShape } : {}),
      }),
    );
  });
  if (flat && hidden.length === 0) model.add(tfl.layers.inputLayer({ inputShape, name: 'features' }));
  model.add(logitsLayer(classes, nextSeed()));
  return model;
}

/** The classifier head every builder ends with: `Dense(classes, linear)` named `logits`. */
function logitsLayer(classes: number, seed: number) {
  return tfl.layers.dense({ units: classes, activation: 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: 'logits' });
}

/**
 * Builds the small MNIST CNN as a Sequential model named `cnn`:
 * `Conv2D(8, 3×3, relu) → MaxPool 2 → Conv2D(16, 3×3, relu) → MaxPool 2 → Flatten →
 * Dense(classes, linear)`.
 *
 * @throws {RangeError} when a size is not a positive integer.
 */
export function buildCnn(options: CnnOptions = {}): LayersModel {
  const { inputShape = [28, 28, 1], classes = 10, seed = 0 } = options;
  inputShape.forEach((d, i) => checkPositiveInt(d, `inputShape[${i}]`));
  checkPositiveInt(classes, 'classes');
  const nextSeed = seedSource(seed);
  const conv = (filters: number, name: string, first: boolean) =>
    tfl.layers.conv2d({
      ...(first ? { inputShape } : {}),
      filters,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
      name,
    });
  const model = tfl.sequential({ name: 'cnn' });
  model.add(conv(8, 'conv_1', true));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool_1' }));
  model.add(conv(16, 'conv_2', false));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool_2' }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(logitsLayer(classes, nextSeed()));
  return model;
}

/** Keras `_make_divisible`: round `v` to a multiple of `divisor`, never below 90 % of `v`. */
export function makeDivisible(v: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** `(expansion, filters, blocks, first stride)` of each MobileNetV2 stage (Sandler et al., table 2). */
const MOBILENET_V2_STAGES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * Builds a Keras-style MobileNetV2 (functional model named `mobilenetv2`) with
 * random, seeded weights: `ZeroPadding → Conv 3×3/2 → BN → ReLU6`, 17 inverted
 * residual blocks (1×1 expand, 3×3 depthwise, 1×1 linear project, `Add` where
 * shapes allow), `Conv 1×1 (1280) → BN → ReLU6 → GlobalAveragePooling2D → Dense
 * (classes, linear)`. Layer names follow `keras.applications.MobileNetV2`.
 * BatchNormalization statistics are seeded random values near (γ 1, β 0, μ 0,
 * σ² 1) rather than the exact identity, so an untrained model still exercises
 * every term of the inference formula.
 *
 * @throws {RangeError} when a size is not a positive integer or `alpha` ≤ 0.
 */
export function buildMobileNetV2(options: MobileNetV2Options = {}): LayersModel {
  const { inputSize = 224, alpha = 1.0, classes = 1000, seed = 0, batchNormMomentum = 0.999, zeroInitResidual = false } = options;
  checkPositiveInt(inputSize, 'inputSize');
  checkPositiveInt(classes, 'classes');
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`alpha must be a positive number, got ${alpha}`);
  const nextSeed = seedSource(seed);
  const glorot = () => tfl.initializers.glorotUniform({ seed: nextSeed() });
  const uniform = (minval: number, maxval: number) =>
    tfl.initializers.randomUniform({ minval, maxval, seed: nextSeed() });

  const batchNorm = (x: SymbolicTensor, name: string, zeroGamma = false) => {
    // The seed is drawn either way, so `zeroInitResidual` changes no other weight.
    const gamma = uniform(0.8, 1.2);
    return tfl.layers
      .batchNormalization({
        epsilon: 1e-3,
        momentum: batchNormMomentum,
        gammaInitializer: zeroGamma ? tfl.initializers.zeros() : gamma,
        betaInitializer: uniform(-0.1, 0.1),
        movingMeanInitializer: uniform(-0.1, 0.1),
        movingVarianceInitializer: uniform(0.8, 1.2),
        name,
      })
      .apply(x) as SymbolicTensor;
  };
  const relu6 = (x: SymbolicTensor, name: string) => tfl.layers.reLU({ maxValue: 6, name }).apply(x) as SymbolicTensor;
  const conv1x1 = (x: SymbolicTensor, filters: number, name: string) =>
    tfl.layers
      .conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: glorot(), name })
      .apply(x) as SymbolicTensor;
  // Keras `imagenet_utils.correct_pad`: pad so a 3×3 stride-2 'valid' conv matches TF 'same'.
  const correctPad = (x: SymbolicTensor): [[number, number], [number, number]] => {
    const [, h, w] = x.shape;
    const adjust = (d: number | null) => (d === null ? 1 : 1 - (d % 2));
    return [
      [1 - adjust(h), 1],
      [1 - adjust(w), 1],
    ];
  };

  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x = tfl.layers.zeroPadding2d({ padding: correctPad(input), name: 'Conv1_pad' }).apply(input) as SymbolicTensor;
  x = tfl.layers
    .conv2d({
      filters: makeDivisible(32 * alpha),
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      kernelInitializer: glorot(),
      name: 'Conv1',
    })
    .apply(x) as SymbolicTensor;
  x = relu6(batchNorm(x, 'bn_Conv1'), 'Conv1_relu');

  let blockId = 0;
  for (const [expansion, filters, blocks, firstStride] of MOBILENET_V2_STAGES) {
    for (let b = 0; b < blocks; b++, blockId++) {
      const stride = b === 0 ? firstStride : 1;
      const inChannels = x.shape[3] as number;
      const outChannels = makeDivisible(Math.trunc(filters * alpha));
      const prefix = blockId === 0 ? 'expanded_conv_' : `block_${blockId}_`;
      const blockInput = x;
      if (blockId !== 0) {
        x = relu6(batchNorm(conv1x1(x, expansion * inChannels, `${prefix}expand`), `${prefix}expand_BN`), `${prefix}expand_relu`);
      }
      if (stride === 2) {
        x = tfl.layers.zeroPadding2d({ padding: correctPad(x), name: `${prefix}pad` }).apply(x) as SymbolicTensor;
      }
      x = tfl.layers
        .depthwiseConv2d({
          kernelSize: 3,
          strides: stride,
          padding: stride === 1 ? 'same' : 'valid',
          useBias: false,
          depthwiseInitializer: glorot(),
          name: `${prefix}depthwise`,
        })
        .apply(x) as SymbolicTensor;
      x = relu6(batchNorm(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
      const residual = inChannels === outChannels && stride === 1;
      x = batchNorm(conv1x1(x, outChannels, `${prefix}project`), `${prefix}project_BN`, residual && zeroInitResidual);
      if (residual) {
        x = tfl.layers.add({ name: `${prefix}add` }).apply([blockInput, x]) as SymbolicTensor;
      }
    }
  }

  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha) : 1280;
  x = relu6(batchNorm(conv1x1(x, lastFilters, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as SymbolicTensor;
  const logits = logitsLayer(classes, nextSeed()).apply(x) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'mobilenetv2' });
}
