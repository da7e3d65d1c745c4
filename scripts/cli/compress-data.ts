/**
 * Node-only: the data `edgeloop compress` evaluates a package on, made to fit its
 * manifest. Your labelled images (`--images`, sub-folders named after the model's labels)
 * or CSV rows (`--data`, `--label`), unlabelled images (a folder without sub-folders, or
 * `--unlabelled`: agreement with the fp32 model only), the data the package was trained
 * on when its lineage names it, or the MNIST digits for MNIST packages.
 */
import { describeShape, imageInputSize, imagesToModelInput, matchClassNames, rowsToModelInput, CompressError, type CompressJob, type EvaluationSet } from '../../compress/index.ts';
import type { EdgeTarget } from '../../devices/index.ts';
import { targetRecipes } from '../../devices/index.ts';
import type { Manifest } from '../../format/index.ts';
import { gatherExamples, splitByClass, TrainerError, type FeatureEncoding } from '../../trainer/index.ts';
import { listImageFolder } from '../../trainer/node.ts';
import { loadCliDataset } from './cli-dataset.ts';
import { describeSource, type DataSource } from './cli-data-flags.ts';
import { isLabelled, readCsvFile, readImages, type ReportLine } from './cli-user-data.ts';

/** What {@link compressData} gives the job, and how to describe it. */
export interface CompressData {
  test: CompressJob['test'];
  train?: CompressJob['train'];
  /** One line for the log: what the artifacts are measured on. */
  summary: string;
}

/** The training run's record in the manifest's lineage (`npm run train` writes it), when there is one. */
function trainedOn(manifest: Manifest): { source?: DataSource; seed?: number; encoding?: FeatureEncoding[] } {
  const dataset = (manifest.lineage?.trainerConfig as { dataset?: Record<string, unknown> } | undefined)?.dataset;
  if (!dataset) return {};
  const s = dataset.source as { kind?: string; file?: string; label?: string; dir?: string } | undefined;
  const source: DataSource | undefined =
    s?.kind === 'csv' && typeof s.file === 'string' && typeof s.label === 'string'
      ? { kind: 'csv', file: s.file, label: s.label }
      : s?.kind === 'images' && typeof s.dir === 'string'
        ? { kind: 'images', dir: s.dir }
        : dataset.name === 'mnist'
          ? { kind: 'mnist' }
          : undefined;
  const seed = (dataset.split as { seed?: unknown } | undefined)?.seed;
  return { source, seed: typeof seed === 'number' ? seed : undefined, encoding: Array.isArray(dataset.encoding) ? (dataset.encoding as FeatureEncoding[]) : undefined };
}

/** True when a target's recipe prunes and fine-tunes, which needs labelled training examples. */
const needsFineTune = (targets: readonly EdgeTarget[]) => targets.some((t) => targetRecipes(t).some(({ recipe }) => recipe.pruning !== 'none' && recipe.pruning.fineTuneEpochs > 0));

/**
 * Loads the evaluation data for `manifest` from `source` (`undefined`: the data its
 * lineage records, else MNIST). A data set that cannot fit the model's input is refused
 * before anything heavy is loaded.
 *
 * @throws CompressError `DATA_SHAPE_MISMATCH` naming the data's shape and the model's;
 *   `DATA_LABELS_MISMATCH` for a class the model does not know.
 * @throws TrainerError the CSV reader's and image loader's codes.
 */
export async function compressData(manifest: Manifest, source: DataSource | undefined, targets: readonly EdgeTarget[], options: { trainLimit?: number; unlabelled?: boolean; log: ReportLine }): Promise<CompressData> {
  const { trainLimit, log } = options;
  const modelShape = manifest.input.shape.slice(1);
  const recorded = trainedOn(manifest);
  const chosen = source ?? recorded.source ?? { kind: 'mnist' };
  const image = imageInputSize(manifest.input);
  if (options.unlabelled && chosen.kind !== 'images') {
    throw new TrainerError('CONFIG_INVALID', '--unlabelled applies to an image folder: add --images <folder>', { details: { field: 'unlabelled' } });
  }

  if (chosen.kind === 'mnist' && describeShape(modelShape) !== '28×28×1') {
    throw mismatch('the mnist digits are 28×28×1', modelShape, manifest, 'pass your own data: --images <folder> (resized to the model input) or --data <file.csv> --label <column>');
  }
  if (chosen.kind === 'images' && (!image || (image.channels !== 1 && image.channels !== 3))) {
    throw mismatch(`--images ${chosen.dir} holds pictures`, modelShape, manifest, 'a table model evaluates on --data <file.csv> --label <column>');
  }
  if (chosen.kind === 'csv' && image) throw mismatch(`--data ${chosen.file} holds table rows`, modelShape, manifest, 'an image model evaluates on --images <folder>');

  // The package's own training data: the same held-out split the trainer measured it on.
  if (source === undefined || chosen.kind === 'mnist') {
    const sized = chosen.kind === 'images' && image ? { ...chosen, size: { width: image.width, height: image.height }, channels: image.channels as 1 | 3 } : chosen;
    const data = await loadCliDataset(sized, { splitSeed: recorded.seed ?? 42, trainLimit, log });
    const shape = data.train.inputShape;
    return {
      test: { ...data.test, shape, source: `the ${data.noun} of ${describeSource(chosen)}` },
      train: { ...data.train, shape, source: `the training ${data.noun} of ${describeSource(chosen)}` },
      summary: `${data.info.testExamples} held-out labelled ${data.noun} of ${describeSource(chosen)} (the training run's test split)`,
    };
  }

  let set: EvaluationSet;
  if (chosen.kind === 'csv') {
    const table = await readCsvFile(chosen.file, chosen.label, log, recorded.encoding);
    const mapped = matchClassNames(table.classes, manifest.output, `${chosen.file} (column "${chosen.label}")`);
    set = { x: rowsToModelInput(table.features, manifest.input), y: Uint8Array.from(table.labels, (c) => mapped[c]!), shape: [table.featureNames.length], source: `the rows of ${chosen.file}` };
  } else {
    const { width, height, channels } = image!;
    const labelled = !options.unlabelled && (await listImageFolder(chosen.dir)).hasClassFolders;
    const images = await readImages(chosen.dir, { size: { width, height }, channels: channels as 1 | 3, labelled }, log);
    const y = isLabelled(images) ? remap(images.labels, matchClassNames(images.classes, manifest.output, `the folders of ${chosen.dir}`)) : undefined;
    set = { x: imagesToModelInput(images.images, manifest.input), ...(y ? { y } : {}), shape: modelShape, source: `the images of ${chosen.dir}` };
  }
  const count = set.x.length / set.shape!.reduce((a, b) => a * b, 1);
  if (!set.y) {
    return { test: set, summary: `${count} unlabelled examples (${set.source}): agreement with the fp32 model only, no accuracy without labels` };
  }
  if (!needsFineTune(targets)) return { test: set, summary: `${count} labelled examples (${set.source})` };
  // A pruning recipe fine-tunes: hold 20 % out for the evaluation, fine-tune on the rest.
  const size = set.x.length / count;
  const parts = splitByClass(set.y, { train: 0.8, validation: 0, test: 0.2, seed: recorded.seed ?? 42 });
  const train = gatherExamples(set.x, set.y, size, trainLimit === undefined ? parts.train : parts.train.subarray(0, trainLimit));
  const test = gatherExamples(set.x, set.y, size, parts.test);
  return {
    test: { x: test.features, y: test.labels, shape: set.shape, source: set.source },
    train: { x: train.features, y: train.labels, shape: set.shape, source: set.source },
    summary: `${test.count} held-out labelled examples (${set.source}); ${train.count} more to fine-tune pruned models`,
  };
}

function remap(labels: ArrayLike<number>, mapped: readonly number[]): Uint8Array {
  return Uint8Array.from(labels, (c) => mapped[c]!);
}

function mismatch(what: string, modelShape: readonly number[], manifest: Manifest, todo: string): CompressError {
  return new CompressError('DATA_SHAPE_MISMATCH', `${what} but the model ${manifest.name}@${manifest.version} takes ${describeShape(modelShape)}: ${todo}`, {
    details: { expected: [...modelShape], actual: what },
  });
}
