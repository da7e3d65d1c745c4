/**
 * The bounds `validateManifest` enforces, in one place, so writers (the trainer, the
 * compressor) can stay inside them instead of finding out at publish time.
 */
import { MAX_NAME_LENGTH } from './naming.ts';

/** The bounds the validator enforces, for writers that want to stay inside them. */
export const MANIFEST_LIMITS = Object.freeze({
  /** Longest `name`, artifact `id`, `target`: 64 characters. */
  maxIdLength: MAX_NAME_LENGTH,
  /** Most dimensions of an input or output shape. */
  maxDims: 8,
  /** Most named inputs, and most named outputs, of a model. */
  maxTensors: 256,
  /** Largest single dimension. */
  maxDimSize: 2 ** 31 - 1,
  /** Most entries of `preprocessing.mean` / `std`. */
  maxChannels: 65_536,
  /** Largest `preprocessing.resize` width or height. */
  maxResize: 8192,
  /** Most output labels. */
  maxLabels: 10_000,
  /** Most artifacts. */
  maxArtifacts: 64,
  /** Most files of one artifact. */
  maxFilesPerArtifact: 1000,
  /** Longest file path, in characters. */
  maxPathLength: 255,
  /** Largest single file, in bytes (2 GiB). */
  maxFileBytes: 2 ** 31,
  /** Largest sum of all files, in bytes (4 GiB). */
  maxTotalBytes: 2 ** 32,
  /** Most metrics. */
  maxMetrics: 256,
  /** Most baseline signals. */
  maxSignals: 1024,
  /** Most histogram bins of one signal (edges are one more). */
  maxBins: 1024,
  /** Deepest nesting of objects/arrays in `lineage.trainerConfig`. */
  maxTrainerConfigDepth: 32,
});
