/**
 * Node-only: what `npm run train` / `npm run distill` leave in their output
 * folder. Everything an output needs is written here, in one place, so a signed
 * package and a report can be added to it later without touching the CLIs.
 *
 * ```
 * <out>/model/model.json, group1-shard*.bin   the trained tfjs layers model
 * <out>/training.json                         {@link TrainingRecord}
 * <out>/package/<name>/<version>/             the edgeloop/1 package (metrics, drift baseline, lineage),
 *                                             a registry folder: serve <out>/package/ and install from it
 * <out>/report.json, report.html              the evaluation report
 * <out>/checkpoints/                          written during training (see createDirCheckpointStore)
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { tfjsArtifactFiles } from '../package/tfjs-artifact.ts';
import type { ManifestInput, SigningKeyPair } from '../../format/index.ts';
import type { FeatureEncoding } from '../data/parse-csv-dataset.ts';
import { replaceDirAtomic, writeFileAtomic } from '../../format/node.ts';
import { buildTrainedPackage } from '../package/build-trained-package.ts';
import { writePackageDir } from '../package/write-package-dir.ts';
import type { ModelConfig } from './model-config.ts';
import type { EpochSummary, ResolvedTrainOptions } from './train-options.ts';

/** Folder of the model files inside the output folder. */
export const MODEL_DIR = 'model';
/** Name of the run record inside the output folder. */
export const TRAINING_RECORD_FILE = 'training.json';

/** The JSON record of a training or distillation run (`<out>/training.json`). */
export interface TrainingRecord {
  kind: 'train' | 'distill';
  createdAt: string;
  /** The student's / model's config; rebuild it with `buildModel`. */
  modelConfig: ModelConfig;
  /** Settings of the training loop. */
  training: Omit<ResolvedTrainOptions, 'resume'> & { temperature?: number; alpha?: number };
  dataset: {
    name: string;
    /** SHA-256 (hex) of the full data set's pixels then labels. */
    sha256: string;
    split: { train: number; validation: number; test: number; seed: number };
    trainExamples: number;
    validationExamples: number;
    testExamples: number;
    /**
     * Where your own data came from (absent for `mnist`): a CSV file and its label column,
     * or an image folder. `npm run distill` reads the same data by default.
     */
    source?: { kind: 'csv'; file: string; label: string } | { kind: 'images'; dir: string };
    /**
     * Tabular data: how each CSV column became the model's features (one-hot categories
     * included), so new rows (`npm run compress -- --data`) are encoded the same way.
     */
    encoding?: FeatureEncoding[];
  };
  /** The tfjs backend the run used. */
  backend: string;
  history: EpochSummary[];
  stoppedEarly: boolean;
  bestEpoch?: number;
  /** Accuracy on the held-out test split (0..1). */
  testAccuracy: number;
  /** For distillation: where the teacher came from and how it scored on the same test split. */
  teacher?: { dir: string; modelConfig?: ModelConfig; testAccuracy: number };
  /** Total wall-clock seconds of the run, data loading included. */
  seconds: number;
}

/** The training settings of a record: everything but `resume`, which describes the invocation, not the run. */
export function withoutResume(options: ResolvedTrainOptions): TrainingRecord['training'] {
  const { resume: _resume, ...rest } = options;
  return rest;
}

/** Paths {@link writeTrainingOutput} wrote. */
export interface TrainingOutputPaths {
  modelDir: string;
  record: string;
  /** The package's version folder, when a package was written. */
  packageDir?: string;
  reportJson?: string;
  reportHtml?: string;
}

/** What the package needs beyond the record: the data it is evaluated on and how it is named. */
export interface TrainingPackageOptions {
  name: string;
  /** @defaultValue '1.0.0' */
  version?: string;
  labels: readonly string[];
  /** The manifest input (shape with -1 batch, dtype, layout, preprocessing). */
  input: ManifestInput;
  /** Tabular models: one name per feature, for the drift baseline. */
  featureNames?: readonly string[];
  /** Training examples: the drift baseline's bin edges. */
  train: { x: Float32Array };
  /** The held-out test split: metrics and baseline counts. */
  test: { x: Float32Array; y: Uint8Array };
  /** Publisher key to sign the manifest with. */
  signingKey?: SigningKeyPair;
  /** Lineage: parent version, teacher. */
  lineage?: { parent?: string; teacher?: string };
}

/**
 * Writes the trained `model` (tfjs `model.json` + weight shards, via
 * `tfjsArtifactFiles`) to `<outDir>/model/` and `record` to
 * `<outDir>/training.json`. The model folder is assembled under a temporary name
 * and swapped in, so a crash never leaves a half-written model.
 */
export async function writeTrainingOutput(outDir: string, model: LayersModel, record: TrainingRecord, pkg?: TrainingPackageOptions): Promise<TrainingOutputPaths> {
  const modelDir = await replaceDirAtomic(join(outDir, MODEL_DIR), async (staging) => {
    for (const file of await tfjsArtifactFiles(model, { dir: '' })) {
      await mkdir(dirname(join(staging, file.path)), { recursive: true });
      await writeFile(join(staging, file.path), file.data);
    }
  });
  const recordPath = join(outDir, TRAINING_RECORD_FILE);
  await writeFileAtomic(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  if (!pkg) return { modelDir, record: recordPath };
  const built = await buildTrainedPackage({
    name: pkg.name,
    version: pkg.version,
    model,
    labels: pkg.labels,
    input: pkg.input,
    featureNames: pkg.featureNames,
    train: pkg.train,
    test: pkg.test,
    history: record.history,
    config: { kind: record.kind, model: record.modelConfig, training: record.training, backend: record.backend, dataset: record.dataset },
    lineage: { ...pkg.lineage, datasetSha256: record.dataset.sha256 },
    signingKey: pkg.signingKey,
  });
  const packageDir = await writePackageDir(join(outDir, 'package'), built, { overwrite: true });
  const reportJson = join(outDir, 'report.json');
  const reportHtml = join(outDir, 'report.html');
  await writeFileAtomic(reportJson, built.reportJson);
  await writeFileAtomic(reportHtml, built.reportHtml);
  return { modelDir, record: recordPath, packageDir, reportJson, reportHtml };
}
