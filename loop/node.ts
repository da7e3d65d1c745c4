/**
 * The loop's Node-only face: training data sources that read files or npm packages.
 */
import { concatBytes, sha256Hex, type Manifest } from '../format/index.ts';
import { gatherExamples, stratifiedSplit } from '../trainer/index.ts';
import { loadMnist, MNIST_PIXELS } from '../trainer/node.ts';
import { LoopError } from './loop-error.ts';
import type { LabelledRows, TrainingDataSource } from './retrain/retrain-job.ts';

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * The `mnist` package's 10,000 digits, split as the parent was (its lineage's
 * `trainerConfig.split`), for parents trained on exactly those digits (its lineage's
 * `datasetSha256`); any other parent is `PARENT_UNSUPPORTED`.
 */
export function mnistTrainingData(): TrainingDataSource {
  let cached: Promise<{ hash: string; mnist: ReturnType<typeof loadMnist> }> | undefined;
  return async (parent: Manifest) => {
    cached ??= (async () => {
      const mnist = loadMnist();
      return { hash: await sha256Hex(concatBytes([bytesOf(mnist.images), mnist.labels])), mnist };
    })();
    const { hash, mnist } = await cached;
    const lineage = parent.lineage;
    const split = lineage?.trainerConfig?.split as { train: number; validation: number; test: number; seed: number } | undefined;
    if (lineage?.datasetSha256 !== hash || !split) {
      throw new LoopError('PARENT_UNSUPPORTED', `${parent.name}@${parent.version} was not trained on the mnist package's digits with a recorded split (lineage.datasetSha256 ${lineage?.datasetSha256 ?? 'missing'}); give the worker its own data source`, {
        details: { datasetSha256: lineage?.datasetSha256 ?? null },
      });
    }
    const indices = stratifiedSplit(mnist.labels, split);
    const rows = (which: ArrayLike<number>): LabelledRows => {
      const g = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, which);
      return { x: g.features, y: g.labels };
    };
    return { train: rows(indices.train), test: rows(indices.test) };
  };
}
