/**
 * The Node-only part of the trainer: reading the `mnist` package's files and
 * writing packages to a registry folder. Everything environment-agnostic is in
 * `trainer/index.ts`.
 */

// ### Data
export { loadMnist, MNIST_PIXELS, type MnistData } from './data/mnist-node.ts';

// ### Packages on disk
export { writePackageDir, type WritePackageDirOptions } from './package/write-package-dir.ts';
