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

/** A compression job: a package in memory, the edge targets to build for, the held-out data. */
export interface CompressJob {
  manifestBytes: Uint8Array;
  /** Every file the manifest lists, by its path in the package. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Edge target ids of devices/targets.json (e.g. `['phone-wasm', 'tiny']`). */
  targets: readonly string[];
  /** Held-out examples (model-input values) for accuracy and agreement. */
  test: LabelledSet;
  /** Training examples, for recipes that prune and fine-tune. */
  train?: LabelledSet;
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
 * @throws CompressError `PACKAGE_INVALID` when a listed file is missing or there is no fp32
 *   tfjs artifact; `BUDGET_EXCEEDED`, `UNSUPPORTED_LAYER` (and the exporter's other codes)
 *   as {@link compressPackage}.
 */
export async function runCompressJob(job: CompressJob, options: CompressJobOptions): Promise<CompressedPackage> {
  const { runArtifact, signingKey, onProgress, source } = options;
  const targets = job.targets.map((id) => getEdgeTarget(id));
  const manifest = parseManifest(job.manifestBytes);
  const fp32 = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
  if (!fp32) throw new CompressError('PACKAGE_INVALID', `${manifest.name}@${manifest.version} has no fp32 tfjs artifact to compress from`, { details: { field: 'artifacts' } });
  for (const file of manifest.artifacts.flatMap((a) => a.files)) {
    const data = job.files.get(file.path);
    if (!data) throw new CompressError('PACKAGE_INVALID', `the package lacks ${file.path}, which its manifest lists`, { details: { path: file.path } });
    await verifyFileBytes(file, data, source === undefined ? {} : { url: `${source.replace(/\/$/, '')}/${file.path}` });
  }
  const model = await loadTfjsArtifact(job.files, fp32.files.map((f) => f.path));
  const inputShape = manifest.input.shape.slice(1);
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
