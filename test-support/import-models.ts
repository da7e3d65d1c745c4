/**
 * Models to import, made by the tests (docs/IMPORT.md): a tfjs layers CNN as the trainer
 * saves it, the same with tfjs's own uint8 weight quantization (the weights manifest
 * written by hand, as tensorflowjs_converter --quantize_uint8 writes it), a tfjs graph
 * model (as tensorflowjs_converter writes one, optionally float16-quantized), and ONNX image
 * classifiers written with `onnx-proto`: NCHW input with a dynamic height and width,
 * optionally with external data, at any opset.
 */
import * as onnxProtoModule from 'onnx-proto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { float32ToFloat16Bits, type PackageFileInput } from '../format/index.ts';
import { buildCnn, createSeededRandom, tfjsArtifactFiles } from '../trainer/index.ts';

const onnx: typeof onnxProtoModule.onnx = onnxProtoModule.onnx ?? (onnxProtoModule as unknown as { default: typeof onnxProtoModule }).default.onnx;

/** Writes package-style files (`path` relative to `dir`) to disk. */
export async function writeFiles(dir: string, files: readonly PackageFileInput[]): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.data);
  }
}

/** The trainer's MNIST CNN (random weights, seed 1) saved as tfjs does: `model.json` + one shard. */
export async function trainerCnnFiles(): Promise<{ files: PackageFileInput[]; model: ReturnType<typeof buildCnn> }> {
  const model = buildCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
  return { files: await tfjsArtifactFiles(model, { dir: '' }), model };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8'; scale: number; min: number };
}

/**
 * Re-encodes a float32 tfjs artifact with tfjs's uint8 affine quantization on every
 * weight (`value = code × scale + min`), in the layout tfjs-converter writes: one uint8
 * per element, `quantization: { dtype: 'uint8', scale, min }` in the weights manifest.
 */
export function quantizeUint8Files(files: readonly PackageFileInput[]): PackageFileInput[] {
  const json = JSON.parse(new TextDecoder().decode(files[0]!.data)) as { weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }> };
  const group = json.weightsManifest[0]!;
  const joined = new Uint8Array(files.slice(1).reduce((n, f) => n + f.data.byteLength, 0));
  let at = 0;
  for (const file of files.slice(1)) {
    joined.set(file.data, at);
    at += file.data.byteLength;
  }
  const floats = new Float32Array(joined.buffer);
  const codes: number[] = [];
  let offset = 0;
  for (const spec of group.weights) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = floats.subarray(offset, offset + count);
    offset += count;
    let min = Math.min(...values);
    const max = Math.max(...values);
    if (max === min) min -= 1;
    const scale = (max - min) / 255;
    for (const v of values) codes.push(Math.max(0, Math.min(255, Math.round((v - min) / scale))));
    spec.quantization = { dtype: 'uint8', scale, min };
  }
  group.paths = ['group1-shard1of1.bin'];
  return [
    { path: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
    { path: 'group1-shard1of1.bin', data: Uint8Array.from(codes) },
  ];
}

/** Options of {@link onnxClassifier}. */
export interface OnnxClassifierOptions {
  /** @defaultValue 13 */
  opset?: number;
  /** @defaultValue 8 */
  irVersion?: number;
  /** Store the convolution's weights in this external-data file instead of the model. */
  externalData?: string;
}

/** The classifier's class count and channel count. */
export const ONNX_CLASSIFIER = { classes: 5, channels: 3, filters: 4 } as const;

/**
 * An image classifier in ONNX: `pixels` float32 [N, 3, H, W] (NCHW, dynamic N, H, W) →
 * Conv 3×3 (4 filters, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm → `logits`
 * [N, 5]. Weights are seeded random numbers. Returns the `.onnx` bytes and, with
 * `externalData`, the data file's bytes.
 */
export function onnxClassifier(options: OnnxClassifierOptions = {}): { model: Uint8Array; data?: Uint8Array } {
  const { classes, channels, filters } = ONNX_CLASSIFIER;
  const random = createSeededRandom(7);
  const floats = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const raw = (values: Float32Array) => new Uint8Array(values.buffer.slice(0));
  const convWeights = raw(floats(filters * channels * 9));
  const tensor = (name: string, dims: number[], values: Uint8Array, external?: string): onnxProtoModule.onnx.ITensorProto =>
    external
      ? { name, dims, dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: external }, { key: 'offset', value: '0' }, { key: 'length', value: String(values.byteLength) }] }
      : { name, dims, dataType: 1, rawData: values };
  const vi = (name: string, dims: Array<number | string>) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: options.irVersion ?? 8,
    producerName: 'edgeloop-test',
    opsetImport: [{ domain: '', version: options.opset ?? 13 }],
    graph: {
      name: 'classifier',
      node: [
        { opType: 'Conv', input: ['pixels', 'conv_w', 'conv_b'], output: ['conv'], attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [3, 3] }] },
        { opType: 'Relu', input: ['conv'], output: ['relu'] },
        { opType: 'GlobalAveragePool', input: ['relu'], output: ['pool'] },
        { opType: 'Flatten', input: ['pool'], output: ['flat'] },
        { opType: 'Gemm', input: ['flat', 'fc_w', 'fc_b'], output: ['logits'] },
      ],
      initializer: [
        tensor('conv_w', [filters, channels, 3, 3], convWeights, options.externalData),
        tensor('conv_b', [filters], raw(floats(filters))),
        tensor('fc_w', [filters, classes], raw(floats(filters * classes))),
        tensor('fc_b', [classes], raw(floats(classes))),
      ],
      input: [vi('pixels', ['N', channels, 'H', 'W'])],
      output: [vi('logits', ['N', classes])],
    },
  });
  return { model: new Uint8Array(onnx.ModelProto.encode(model).finish()), ...(options.externalData ? { data: convWeights } : {}) };
}

/** The weights of {@link tfjsGraphModelFiles}: x [N, 4] · W [4, 3] → softmax. */
export const GRAPH_WEIGHTS = Float32Array.of(0.5, -1, 0.25, 1, 0, -0.5, -0.75, 2, 0.125, 0.5, 0.5, -2);

/**
 * A tfjs graph model as tensorflowjs_converter writes one (GraphDef nodes, a signature,
 * a weights manifest): `x` float32 [-1, 4] → MatMul → Softmax → `Identity` [-1, 3]; with
 * `float16`, its weight stored with tfjs's `quantization: { dtype: 'float16' }`.
 */
export function tfjsGraphModelFiles(options: { float16?: boolean } = {}): PackageFileInput[] {
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const float = { type: 'DT_FLOAT' };
  const json = {
    format: 'graph-model',
    generatedBy: '2.15.0',
    convertedBy: 'edgeloop test',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims(-1, 4) } } },
        { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(4, 3) } } } },
        { name: 'logits', op: 'MatMul', input: ['x', 'w'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } },
        { name: 'Identity', op: 'Identity', input: ['probs'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    signature: {
      inputs: { 'x:0': { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 4) } },
      outputs: { 'Identity:0': { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 3) } },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [4, 3], dtype: 'float32', ...(options.float16 ? { quantization: { dtype: 'float16' } } : {}) }] }],
  };
  const weights = options.float16 ? new Uint8Array(Uint16Array.from(GRAPH_WEIGHTS, (v) => float32ToFloat16Bits(v)).buffer) : new Uint8Array(GRAPH_WEIGHTS.buffer.slice(0));
  return [
    { path: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
    { path: 'group1-shard1of1.bin', data: weights },
  ];
}
