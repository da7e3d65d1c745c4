/**
 * The importer's shape inference against tfjs itself: for each model, the inputs and
 * outputs `modelSignature` reads from the saved topology must equal the shapes tfjs
 * computes when it builds the model (null → -1).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { modelSignature } from './tfjs-layers-shapes.ts';

const L = tfl.layers;
const dims = (shape: Array<number | null>) => shape.map((d) => (d === null ? -1 : d));

function functional(): tfl.LayersModel {
  const image = tfl.input({ shape: [32, 32, 3], name: 'image' });
  const meta = tfl.input({ shape: [4], name: 'meta' });
  const padded = L.zeroPadding2d({ padding: [[1, 2], [0, 1]] }).apply(image) as tfl.SymbolicTensor;
  const a = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_a' }).apply(padded) as tfl.SymbolicTensor;
  const b = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 1 }).apply(a) as tfl.SymbolicTensor;
  const c = L.batchNormalization().apply(L.conv2d({ filters: 8, kernelSize: 1 }).apply(b) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const sum = L.add().apply([a, c]) as tfl.SymbolicTensor;
  const pooled = L.globalAveragePooling2d({}).apply(L.reLU().apply(sum) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const joined = L.concatenate().apply([pooled, L.dense({ units: 6 }).apply(meta) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  const scores = L.dense({ units: 3, activation: 'softmax', name: 'scores' }).apply(joined) as tfl.SymbolicTensor;
  const map = L.upSampling2d({ size: [2, 2] }).apply(L.maxPooling2d({ poolSize: 2 }).apply(a) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [image, meta], outputs: [scores, map], name: 'two_heads' });
}

const MODELS: Array<[string, () => tfl.LayersModel]> = [
  [
    'sequential CNN (valid padding, strides, pooling, flatten)',
    () =>
      tfl.sequential({
        layers: [
          L.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, strides: 2, activation: 'relu' }),
          L.averagePooling2d({ poolSize: 3, strides: 1 }),
          L.dropout({ rate: 0.1 }),
          L.flatten(),
          L.dense({ units: 10 }),
        ],
      }),
  ],
  ['sequential with an explicit input layer and a dynamic image size', () => tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [null, null, 3] }), L.conv2d({ filters: 4, kernelSize: 3 }), L.globalMaxPooling2d({}), L.dense({ units: 2, activation: 'sigmoid' })] })],
  ['tabular MLP with softmax', () => tfl.sequential({ layers: [L.dense({ inputShape: [13], units: 16, activation: 'relu' }), L.dense({ units: 3 }), L.softmax()] })],
  [
    'text model (embedding, LSTM, reshape, conv1d)',
    () =>
      tfl.sequential({
        layers: [
          L.embedding({ inputDim: 100, outputDim: 8, inputLength: 12 }),
          L.conv1d({ filters: 6, kernelSize: 3, padding: 'same' }),
          L.maxPooling1d({ poolSize: 2 }),
          L.lstm({ units: 5, returnSequences: true, recurrentInitializer: 'glorotUniform' }),
          L.reshape({ targetShape: [-1, 10] }),
          L.globalAveragePooling1d(),
          L.dense({ units: 4 }),
        ],
      }),
  ],
  ['functional model with two inputs and two outputs (add, concatenate, depthwise, padding, upsampling)', functional],
];

describe('layers shape inference', () => {
  it.each(MODELS)('%s', (_, build) => {
    const model = build();
    const topology = model.toJSON(undefined, false) as unknown as Parameters<typeof modelSignature>[0];
    const signature = modelSignature(topology);
    // Symbolic tensors are named after their layer: `image`, `scores/scores` (`inputNames` is empty for a Sequential).
    const layerOf = (t: tfl.SymbolicTensor) => t.name.split('/')[0];
    expect(signature.inputs.map((i) => [i.name, i.shape])).toEqual(model.inputs.map((t) => [layerOf(t), dims(t.shape)]));
    expect(signature.outputs.map((o) => [o.name, o.shape, o.unknownAt])).toEqual(model.outputs.map((t) => [layerOf(t), dims(t.shape), undefined]));
    model.dispose();
  });

  it('reads the last activation, and names the layer where it cannot go on', () => {
    const model = tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    expect(modelSignature(model.toJSON(undefined, false) as never).activations).toEqual(['softmax']);
    const json = model.toJSON(undefined, false) as unknown as { config: { layers: Array<{ class_name: string }> } };
    json.config.layers.push({ class_name: 'MysteryLayer', config: { name: 'mystery' } } as never);
    expect(modelSignature(json as never).outputs[0]).toMatchObject({ name: 'mystery', unknownAt: 'mystery (MysteryLayer)' });
  });
});
