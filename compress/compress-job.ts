/**
 * The compress driver: the one path from a package in memory to its compressed form,
 * for the CLI (`scripts/compress.ts`) and the browser worker (`createCompressor()`)
 * alike. It resolves the edge targets first (an unknown id fails before any work),
 * checks every file against the manifest, loads the fp32 tfjs artifact, runs
 * {@link compressPackage} and releases the model. The caller says how to run an
 * artifact (`createArtifactRunner` over the onnxruntime-web module it imported) and
 * where to put the result.
 */
import { getEdgeTarget } from '../devices/index.ts';
import { parseManifest, verifyFileBytes, type SigningKeyPair } from '../format/index.ts';
import type { LabelledSet } from '../trainer/index.ts';
import { loadTfjsArtifact, type RunArtifact } from './artifact-io.ts';
import { CompressError } from './compress-error.ts';
import { compressPackage, type CompressedPackage } from './compress-package.ts';
import { checkEvaluationSet, type EvaluationSet } from './evaluation-data.ts';

/** The tasks the compressor evaluates: classifiers, whose outputs have a top-1 class to agree on. */
const COMPRESSIBLE_TASKS: readonly string[] = ['image-classification', 'tabular-classification'];

/** A compression job: a package in memory, the edge targets to build for, the held-out data. */
export interface CompressJob {
  manifestBytes: Uint8Array;
  /** Every file the manifest lists, by its path in the package. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Edge target ids of devices/targets.json (e.g. `['phone-wasm', 'tiny']`). */
  targets: readonly string[];
  /**
   * Held-out examples (model-input values) for accuracy and agreement; without labels,
   * agreement with the fp32 model only. `shape` (one example's) is checked against the
   * model's input.
   */
  test: EvaluationSet;
  /** Training examples, for recipes that prune and fine-tune. */
  train?: LabelledSet & Pick<EvaluationSet, 'shape' | 'source'>;
}

/** Options of {@link runCompressJob}. */
export interface CompressJobOptions {
  /** Runs each new artifact on the test split (see `createArtifactRunner`). */
  runArtifact: RunArtifact;
  /** Re-signs the manifest; without it the re-built package is unsigned. @defaultValue unsigned */
  signingKey?: SigningKeyPair;
  /** One line per step (recipe, fine-tune, result). @defaultValue no progress */
  onProgress?: (message: string) => void;
  /** Where the files were read from (a folder or URL), named in integrity errors. @defaultValue none */
  source?: string;
}

/**
 * Compresses the package of `job` for its targets.
 *
 * @throws EdgeTargetError `TARGET_UNKNOWN` for a target id that devices/targets.json lacks.
 * @throws EdgeloopError `INTEGRITY_MISMATCH` for a file that does not match the manifest.
 * @throws CompressError `PACKAGE_INVALID` when a listed file is missing, there is no fp32
 *   tfjs artifact or the model is not a classifier; `DATA_SHAPE_MISMATCH` (naming both
 *   shapes) when the data do not fit the model's input, `DATA_LABELS_MISMATCH` when their
 *   labels do not fit its classes — both before any work; `BUDGET_EXCEEDED`,
 *   `UNSUPPORTED_LAYER` (and the exporter's other codes) as {@link compressPackage}.
 */
export async function runCompressJob(job: CompressJob, options: CompressJobOptions): Promise<CompressedPackage> {
  const { runArtifact, signingKey, onProgress, source } = options;
  const targets = job.targets.map((id) => getEdgeTarget(id));
  const manifest = parseManifest(job.manifestBytes);
  const fp32 = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
  if (!fp32) throw new CompressError('PACKAGE_INVALID', `${manifest.name}@${manifest.version} has no fp32 tfjs artifact to compress from`, { details: { field: 'artifacts' } });
  if (!COMPRESSIBLE_TASKS.includes(manifest.task)) {
    throw new CompressError('PACKAGE_INVALID', `${manifest.name}@${manifest.version} is a ${manifest.task} model; the compressor evaluates classifiers (${COMPRESSIBLE_TASKS.join(', ')}) by their top-1 class`, {
      details: { field: 'task', task: manifest.task },
    });
  }
  const classes = manifest.output.shape[manifest.output.shape.length - 1]!;
  const { shape: inputShape } = checkEvaluationSet(job.test, manifest.input.shape.slice(1), classes);
  if (job.train) checkEvaluationSet({ source: 'the training data', ...job.train }, manifest.input.shape.slice(1), classes);
  for (const file of manifest.artifacts.flatMap((a) => a.files)) {
    const data = job.files.get(file.path);
    if (!data) throw new CompressError('PACKAGE_INVALID', `the package lacks ${file.path}, which its manifest lists`, { details: { path: file.path } });
    await verifyFileBytes(file, data, source === undefined ? {} : { url: `${source.replace(/\/$/, '')}/${file.path}` });
  }
  const model = await loadTfjsArtifact(job.files, fp32.files.map((f) => f.path)).catch((cause: unknown) => {
    // A tfjs graph model (converted from a SavedModel) has no layers to quantize or prune.
    throw new CompressError('PACKAGE_INVALID', `${manifest.name}@${manifest.version}: its ${fp32.id} artifact does not load as a tfjs layers model (${(cause as Error).message}); the compressor rebuilds layers models only`, {
      details: { field: 'artifacts', artifact: fp32.id },
      cause,
    });
  });
  try {
    return await compressPackage({
      manifest,
      files: job.files,
      model,
      targets,
      test: job.test,
      train: job.train && { ...job.train, inputShape },
      runArtifact,
      signingKey,
      onProgress,
    });
  } finally {
    model.dispose();
  }
}
