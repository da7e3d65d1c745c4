/**
 * A real, signed `edgeloop/1` package for publishing in the endpoint's tests: a
 * nearest-centroid MNIST classifier (one dense 784→10 layer whose weights are the
 * class means of the `mnist` package's 10,000 digits), with its measured accuracy as
 * the metric and a drift baseline (`mean_intensity`, `confidence`) of the same digits. Built with
 * `createPackage`, so the bytes are exactly what the trainer would publish.
 */
import { createPackage, type BaselineSignal, type BuiltPackage, type SigningKeyPair } from '../format/index.ts';
import { loadMnist, MNIST_PIXELS } from '../trainer/node.ts';

/** Options of {@link buildMnistPackage}. */
export interface BuildMnistPackageOptions {
  /** @defaultValue 'mnist-centroid' */
  name?: string;
  /** @defaultValue '1.0.0' */
  version?: string;
  /** Signs with this key; unsigned without one. */
  signingKey?: SigningKeyPair;
  /**
   * Part of the manifest: two packages of one name and version that differ here have
   * different bytes (the republish-conflict case).
   * @defaultValue '2026-11-01T10:00:00.000Z'
   */
  createdAt?: string;
  /** The drift baseline's signals, instead of the measured `mean_intensity` and `confidence`. */
  baselineSignals?: BaselineSignal[];
}

interface CentroidModel {
  weights: Float32Array;
  bias: Float32Array;
  accuracy: number;
  intensityCounts: number[];
  confidenceCounts: number[];
}

const INTENSITY_EDGES = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 1];
/** Top-1 softmax confidence bins: the signal the runtime's sketch also computes. */
const CONFIDENCE_EDGES = [0, 0.5, 0.9, 1];
let model: CentroidModel | undefined;

/** Class means as a linear layer: score_c = x·μ_c − ½‖μ_c‖², i.e. nearest centroid in L2. */
function centroidModel(): CentroidModel {
  if (model) return model;
  const { images, labels, count } = loadMnist();
  const sums = new Float64Array(10 * MNIST_PIXELS);
  const perClass = new Array<number>(10).fill(0);
  const intensityCounts = new Array<number>(INTENSITY_EDGES.length - 1).fill(0);
  for (let i = 0; i < count; i++) {
    const c = labels[i];
    perClass[c]++;
    let mean = 0;
    for (let p = 0; p < MNIST_PIXELS; p++) {
      const v = images[i * MNIST_PIXELS + p];
      sums[c * MNIST_PIXELS + p] += v;
      mean += v;
    }
    mean /= MNIST_PIXELS;
    const bin = INTENSITY_EDGES.findIndex((edge, b) => b > 0 && mean < edge);
    intensityCounts[bin === -1 ? intensityCounts.length - 1 : bin - 1]++;
  }
  // tfjs dense kernels are [inputs, units], row-major.
  const weights = new Float32Array(MNIST_PIXELS * 10);
  const bias = new Float32Array(10);
  for (let c = 0; c < 10; c++) {
    let norm = 0;
    for (let p = 0; p < MNIST_PIXELS; p++) {
      const mu = sums[c * MNIST_PIXELS + p] / perClass[c];
      weights[p * 10 + c] = mu;
      norm += mu * mu;
    }
    bias[c] = -norm / 2;
  }
  let correct = 0;
  const confidenceCounts = new Array<number>(CONFIDENCE_EDGES.length - 1).fill(0);
  const scores = new Float64Array(10);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < 10; c++) {
      let score = bias[c];
      for (let p = 0; p < MNIST_PIXELS; p++) score += images[i * MNIST_PIXELS + p] * weights[p * 10 + c];
      scores[c] = score;
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    if (best === labels[i]) correct++;
    let total = 0;
    for (let c = 0; c < 10; c++) total += Math.exp(scores[c] - bestScore);
    const confidence = 1 / total;
    const bin = CONFIDENCE_EDGES.findIndex((edge, b) => b > 0 && confidence < edge);
    confidenceCounts[bin === -1 ? confidenceCounts.length - 1 : bin - 1]++;
  }
  model = { weights, bias, accuracy: correct / count, intensityCounts, confidenceCounts };
  return model;
}

/** Builds (and signs, with a key) the nearest-centroid MNIST package. */
export async function buildMnistPackage(options: BuildMnistPackageOptions = {}): Promise<BuiltPackage> {
  const { weights, bias, accuracy, intensityCounts, confidenceCounts } = centroidModel();
  const weightBytes = new Uint8Array(weights.byteLength + bias.byteLength);
  weightBytes.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), 0);
  weightBytes.set(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength), weights.byteLength);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'edgeloop sync tests',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'centroid',
        layers: [
          { class_name: 'Dense', config: { name: 'dense', units: 10, activation: 'linear', use_bias: true, batch_input_shape: [null, MNIST_PIXELS] } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [MNIST_PIXELS, 10], dtype: 'float32' },
          { name: 'dense/bias', shape: [10], dtype: 'float32' },
        ],
      },
    ],
  };
  return createPackage({
    manifest: {
      name: options.name ?? 'mnist-centroid',
      version: options.version ?? '1.0.0',
      createdAt: options.createdAt ?? '2026-11-01T10:00:00.000Z',
      task: 'image-classification',
      input: { name: 'image', shape: [-1, MNIST_PIXELS], dtype: 'float32', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 } },
      output: { name: 'scores', shape: [-1, 10], labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], activation: 'softmax' },
      metrics: { accuracy },
      baseline: {
        signals: options.baselineSignals ?? [
          { name: 'mean_intensity', edges: INTENSITY_EDGES, counts: intensityCounts },
          { name: 'confidence', edges: CONFIDENCE_EDGES, counts: confidenceCounts },
        ],
      },
      lineage: { trainerConfig: { method: 'nearest-centroid', digits: 10_000 } },
    },
    artifacts: [
      {
        id: 'tfjs-fp32',
        engine: 'tfjs',
        precision: 'fp32',
        target: 'generic',
        files: [
          { path: 'tfjs-fp32/model.json', data: new TextEncoder().encode(JSON.stringify(modelJson)) },
          { path: 'tfjs-fp32/group1-shard1of1.bin', data: weightBytes },
        ],
      },
    ],
    signingKey: options.signingKey,
  });
}

/** The publish request body of docs/SYNC-API.md: base64 of the manifest, the signature and every file. */
export interface PublishBody {
  manifest: string;
  signature?: string;
  files: Record<string, string>;
}

/** Turns a built package into the `PUT /v1/models/:name/versions/:version` body. */
export function publishBody(pkg: BuiltPackage): PublishBody {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const body: PublishBody = { manifest: b64(pkg.manifestBytes), files: {} };
  if (pkg.signature) body.signature = b64(pkg.signature);
  for (const [path, data] of pkg.files) body.files[path] = b64(data);
  return body;
}
