/**
 * The Node-only part of the trainer: reading the `mnist` package's files and image
 * folders on disk, and writing packages to a registry folder. Everything environment-agnostic is in
 * `trainer/index.ts`.
 */

// ### Data
export { loadMnist, MNIST_PIXELS, type MnistData } from './data/mnist-node.ts';
export { listImageFolder, loadImageFolder, loadUnlabelledImages, type ImageFolderListing, type LoadImageFolderOptions, type UnlabelledImages } from './data/load-image-folder.ts';

// ### Packages on disk
export { writePackageDir, type WritePackageDirOptions } from './package/write-package-dir.ts';

// ### Training output on disk
export { CHECKPOINT_FILE, createDirCheckpointStore, type DirCheckpointStore } from './train/checkpoint-dir.ts';
export { MODEL_DIR, TRAINING_RECORD_FILE, withoutResume, writeTrainingOutput, type TrainingOutputPaths, type TrainingRecord } from './train/write-training-output.ts';
export { loadModelDir } from './train/load-model-dir.ts';
export { TRAINING_BACKENDS, selectTrainingBackend, type SelectedBackend } from './train/select-training-backend.ts';
