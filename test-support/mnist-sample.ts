/**
 * Node-only test helper (for trainer and compress tests): a small, stratified, seeded sample of the real MNIST
 * digits shaped as {@link TrainingData}, so unit tests train on real data in
 * seconds.
 */
import { gatherExamples, stratifiedSplit, type TrainingData } from '../trainer/index.ts';
import { loadMnist, MNIST_PIXELS } from '../trainer/node.ts';

/** Options of {@link mnistSample}. */
export interface MnistSampleOptions {
  /** Validation examples (0: no validation set). @defaultValue 0 */
  validation?: number;
  /** Seed of the split. @defaultValue 7 */
  seed?: number;
}

/** `train` training digits (and `validation` validation digits) from the `mnist` package. */
export function mnistSample(train: number, options: MnistSampleOptions = {}): TrainingData {
  const { validation = 0, seed = 7 } = options;
  const mnist = loadMnist();
  const split = stratifiedSplit(mnist.labels, { train: 0.8, validation: 0.1, test: 0.1, seed });
  const t = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.train.subarray(0, train));
  const data: TrainingData = { x: t.features, y: t.labels, inputShape: [28, 28, 1] };
  if (validation > 0) {
    const v = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.validation.subarray(0, validation));
    data.validation = { x: v.features, y: v.labels };
  }
  return data;
}
