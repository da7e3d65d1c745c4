/**
 * The model of the drift bench: the fixture MNIST CNN's recipe (scripts/make-fixtures.ts:
 * `buildCnn` seed 1, 4,000 training digits of the seed-42 stratified split, 2 epochs),
 * trained here so the bench does not depend on the state of `fixtures/`, packaged by
 * `createPackage` with the trainer's drift baseline (`imageBaseline`: bin edges from the
 * training digits, counts from the 1,000 test digits), and run through the runtime's own
 * tfjs-cpu engine session plus the manifest's softmax — the output rows a worker
 * would hand its telemetry sketch.
 *
 * The field pool is the 5,000 digits the model never trained on and the baseline never
 * counted (the other 4,000 training digits and the 1,000 validation digits), so "no
 * shift" windows are new digits from the baseline's distribution, as in the field.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, readFileSync } from 'node:fs';
import { createPackage, type BuiltPackage, type Manifest, type SigningKeyPair } from '../../../format/index.ts';
import { createEngineSession, type EngineSession } from '../../../runtime/index.ts';
import { activate } from '../../../runtime/worker/preprocess.ts';
import { buildCnn, evaluateAccuracy, gatherExamples, imageBaseline, predictProbabilities, registerFastCpuKernels, stratifiedSplit, tfjsArtifactFiles, trainBriefly } from '../../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS } from '../../../trainer/node.ts';
import type { ProgressLog } from '../progress-log.ts';

/** The recipe, as the `mnist-cnn` fixture's. */
export const DRIFT_MODEL_RECIPE = Object.freeze({
  builder: { name: 'buildCnn', options: { inputShape: [28, 28, 1] as [number, number, number], classes: 10, seed: 1 } },
  training: { epochs: 2, batchSize: 32, learningRate: 0.002, seed: 1, trainExamples: 4000 },
  split: { train: 0.8, validation: 0.1, test: 0.1, seed: 42 },
});

const PUBLISHER_KEY = 'fixtures/keys/publisher.json';

/** What the simulation needs: the package (manifest with baseline, artifact bytes), its pool, and a predict function. */
export interface DriftModel {
  pkg: BuiltPackage;
  manifest: Manifest;
  /** Field pool: `poolCount × 784` pixels (0..1) and their labels. */
  pool: { images: Float32Array; labels: Uint8Array; count: number };
  testAccuracy: number;
  /** Activated output rows (`count × 10`) of `images`, through the runtime's tfjs-cpu engine. */
  predict(images: Float32Array): Promise<Float32Array>;
  /** Median per-digit latency of {@link DriftModel.predict} so far, fed to the sketch as the latency. */
  latencyMs(): number;
  dispose(): void;
}

/** Trains the CNN, builds its package (signed with the fixture publisher key when there is one) and opens an engine session on it. */
export async function buildDriftModel(progress: ProgressLog): Promise<DriftModel> {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  registerFastCpuKernels();
  const mnist = loadMnist();
  const { training, split: splitSpec } = DRIFT_MODEL_RECIPE;
  const split = stratifiedSplit(mnist.labels, splitSpec);
  const train = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.train.subarray(0, training.trainExamples));
  const test = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.test);
  const unseen = Int32Array.from([...split.train.subarray(training.trainExamples), ...split.validation]);
  const pool = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, unseen);

  const model = buildCnn(DRIFT_MODEL_RECIPE.builder.options);
  progress.note(`training the MNIST CNN (fixture recipe: ${train.count} digits, ${training.epochs} epochs, tfjs cpu)`);
  await trainBriefly(model, { images: train.features, labels: train.labels, ...training });
  const testAccuracy = evaluateAccuracy(model, test.features, test.labels);
  const baseline = imageBaseline(train.features, test.features, {
    height: 28,
    width: 28,
    trainProbs: predictProbabilities(model, train.features),
    testProbs: predictProbabilities(model, test.features),
  });
  progress.note(`test accuracy ${testAccuracy.toFixed(3)}; baseline of ${baseline.signals.length} signals (edges from ${train.count} training digits, counts from ${test.count} test digits)`);

  const signingKey = existsSync(PUBLISHER_KEY) ? (JSON.parse(readFileSync(PUBLISHER_KEY, 'utf8')) as SigningKeyPair) : undefined;
  const pkg = await createPackage({
    manifest: {
      name: 'mnist-cnn-drift',
      version: '1.0.0',
      createdAt: new Date().toISOString(),
      task: 'image-classification',
      input: { name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 } },
      output: { name: 'logits', shape: [-1, 10], labels: Array.from({ length: 10 }, (_, d) => String(d)), activation: 'softmax' },
      metrics: { accuracy: testAccuracy, testExamples: test.count },
      baseline,
      lineage: { trainerConfig: { ...DRIFT_MODEL_RECIPE, purpose: 'npm run bench -- drift' } },
    },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: await tfjsArtifactFiles(model, { dir: 'tfjs' }) }],
    signingKey,
  });
  model.dispose();

  const artifact = pkg.manifest.artifacts[0]!;
  const session: EngineSession = await createEngineSession('tfjs-cpu', { files: pkg.files, paths: artifact.files.map((f) => f.path) });
  const perDigitMs: number[] = [];
  return {
    pkg,
    manifest: pkg.manifest,
    pool: { images: pool.features, labels: pool.labels, count: pool.count },
    testAccuracy,
    async predict(images) {
      const count = images.length / MNIST_PIXELS;
      const out = new Float32Array(count * 10);
      for (let start = 0; start < count; start += 256) {
        const n = Math.min(256, count - start);
        const began = performance.now();
        const logits = await session.run({ data: images.subarray(start * MNIST_PIXELS, (start + n) * MNIST_PIXELS), shape: [n, 28, 28, 1] });
        perDigitMs.push((performance.now() - began) / n);
        out.set(activate(pkg.manifest, logits), start * 10);
      }
      return out;
    },
    latencyMs: () => (perDigitMs.length === 0 ? 1 : [...perDigitMs].sort((a, b) => a - b)[perDigitMs.length >> 1]!),
    dispose: () => session.dispose(),
  };
}
