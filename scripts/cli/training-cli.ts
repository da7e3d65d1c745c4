/**
 * What `npm run train` and `npm run distill` share: the training-loop flags (parsed
 * into {@link TrainOptions}), the run flags (backend, split, limit, resume), the
 * package flags, the help lines that describe them, running the loop so Ctrl-C stops
 * it with a "run again with --resume" message, and writing the run's output folder.
 */
import type { ParseArgsConfig } from 'node:util';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { evaluateAccuracy, LR_SCHEDULE_KINDS, OPTIMIZERS, TrainerError, type TrainOptions, type TrainResult } from '../../trainer/index.ts';
import { TRAINING_BACKENDS, writeTrainingOutput, type DirCheckpointStore, type TrainingOutputPaths, type TrainingRecord } from '../../trainer/node.ts';
import type { CliDataset } from './cli-dataset.ts';
import { DATA_FLAG_OPTIONS, dataFlagsUsage } from './cli-data-flags.ts';
import { choiceFlag, intFlag, lrScheduleFromFlag, numberFlag, readSigningKey } from './cli-flags.ts';
import { withInterrupt } from './cli-run.ts';

/** The `parseArgs` options both training CLIs take. */
export const TRAINING_FLAG_OPTIONS = {
  ...DATA_FLAG_OPTIONS,
  out: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  'lr-schedule': { type: 'string' },
  patience: { type: 'string' },
  hidden: { type: 'string' },
  seed: { type: 'string' },
  'split-seed': { type: 'string' },
  'train-limit': { type: 'string' },
  backend: { type: 'string' },
  resume: { type: 'boolean' },
  name: { type: 'string' },
  version: { type: 'string' },
  key: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** The values of {@link TRAINING_FLAG_OPTIONS} as `parseArgs` returns them. */
export type TrainingFlagValues = { [K in keyof typeof TRAINING_FLAG_OPTIONS]?: (typeof TRAINING_FLAG_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * Help lines of the flags in {@link TRAINING_FLAG_OPTIONS} (without `--out`, `--hidden`,
 * `--name`, which each CLI words itself); `sized` adds the image size flags.
 */
export function trainingFlagsUsage(defaults: { learningRate: number; sized?: boolean }): string {
  return `${dataFlagsUsage({ sized: defaults.sized === true })}
                              (every data set is split 80/10/10 per class, stratified and seeded)
  --epochs <n>                passes over the training split (default 5)
  --batch-size <n>            examples per step (default 64)
  --lr <x>                    base learning rate (default ${defaults.learningRate})
  --optimizer <${OPTIMIZERS.join('|')}>     (default adam)
  --lr-schedule <${LR_SCHEDULE_KINDS.join('|')}>
                              (default constant; step halves every ⌈epochs/3⌉ epochs, exponential decays 0.9/epoch)
  --patience <n>              stop early after n epochs without validation-loss improvement (default off)
  --seed <n>                  seed of the initial weights and the shuffle (default 1)
  --split-seed <n>            seed of the train/validation/test split (default 42)
  --train-limit <n>           use only the first n training examples
  --backend <${TRAINING_BACKENDS.join('|')}>   tfjs backend (default auto: wasm for every model, cpu if wasm does not start)
  --resume                    continue from <out>/checkpoints (same flags as the interrupted run)
  --version <semver>          package version (default 1.0.0)
  --key <publisher.json>      sign the package with this { publicKey, privateKey } key pair (e.g. fixtures/keys/publisher.json)`;
}

/** The training-loop options the flags ask for; `learningRate` is the default of `--lr`. */
export function trainOptionsFromFlags(f: TrainingFlagValues, defaults: { learningRate: number }): TrainOptions {
  const epochs = intFlag('epochs', f.epochs, 5);
  const patience = f.patience === undefined ? undefined : intFlag('patience', f.patience, 1);
  return {
    epochs,
    batchSize: intFlag('batch-size', f['batch-size'], 64),
    learningRate: numberFlag('lr', f.lr, defaults.learningRate, 0),
    optimizer: choiceFlag('optimizer', f.optimizer, OPTIMIZERS, 'adam'),
    lrSchedule: lrScheduleFromFlag(choiceFlag('lr-schedule', f['lr-schedule'], LR_SCHEDULE_KINDS, 'constant'), epochs),
    seed: intFlag('seed', f.seed, 1, 0),
    earlyStopping: patience === undefined ? undefined : { patience },
  };
}

/** The run flags: backend, how many training examples, the split seed (`splitSeed` is the default of `--split-seed`). */
export function runFlags(f: TrainingFlagValues, defaults: { splitSeed: number }) {
  return {
    backendChoice: choiceFlag('backend', f.backend, TRAINING_BACKENDS, 'auto'),
    trainLimit: f['train-limit'] === undefined ? undefined : intFlag('train-limit', f['train-limit'], 1),
    splitSeed: intFlag('split-seed', f['split-seed'], defaults.splitSeed, 0),
    resume: f.resume === true,
  };
}

/**
 * Runs a training loop with Ctrl-C as its abort signal; a stopped run says how to
 * continue it (`what`: "training", "distillation").
 */
export async function runResumable<T>(what: string, checkpoints: DirCheckpointStore, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withInterrupt((signal) =>
    task(signal).catch((error: unknown) => {
      if (error instanceof TrainerError && error.code === 'TRAINING_ABORTED') {
        throw new TrainerError('TRAINING_ABORTED', `${what} stopped; run the same command plus --resume to continue from ${checkpoints.file}`, {
          details: error.details,
          cause: error,
        });
      }
      throw error;
    }),
  );
}

/** What {@link writeRunOutput} records about a finished run, beyond what it measures itself. */
export interface FinishedRun {
  kind: TrainingRecord['kind'];
  modelConfig: TrainingRecord['modelConfig'];
  training: TrainingRecord['training'];
  data: CliDataset;
  backend: string;
  result: TrainResult;
  /** `performance.now()` when the CLI started. */
  started: number;
  /** Package name, and the flags `--version`, `--key`. */
  name: string;
  flags: Pick<TrainingFlagValues, 'version' | 'key'>;
  teacher?: TrainingRecord['teacher'];
}

/**
 * Says how the run ended, measures the model's test accuracy and writes the output
 * folder (model, training.json, the package, the report).
 */
export async function writeRunOutput(out: string, model: LayersModel, run: FinishedRun): Promise<{ testAccuracy: number; paths: TrainingOutputPaths }> {
  const { result, data } = run;
  if (result.resumedFromEpoch > 0) console.log(`(resumed after epoch ${result.resumedFromEpoch})`);
  if (result.stoppedEarly) console.log(`stopped early; kept the weights of epoch ${result.bestEpoch}`);
  const testAccuracy = evaluateAccuracy(model, data.test.x, data.test.y);
  const paths = await writeTrainingOutput(
    out,
    model,
    {
      kind: run.kind,
      createdAt: new Date().toISOString(),
      modelConfig: run.modelConfig,
      training: run.training,
      dataset: data.info,
      backend: run.backend,
      history: result.history,
      stoppedEarly: result.stoppedEarly,
      bestEpoch: result.bestEpoch,
      testAccuracy,
      ...(run.teacher ? { teacher: run.teacher } : {}),
      seconds: (performance.now() - run.started) / 1000,
    },
    {
      name: run.name,
      version: run.flags.version,
      labels: data.labels,
      input: data.input,
      featureNames: data.featureNames,
      train: data.train,
      test: data.test,
      signingKey: run.flags.key === undefined ? undefined : await readSigningKey(run.flags.key),
      ...(run.teacher ? { lineage: { teacher: run.teacher.dir } } : {}),
    },
  );
  return { testAccuracy, paths };
}

/** The last line of a run: what it wrote, and how long it took. */
export function describeOutput(paths: TrainingOutputPaths, started: number): string {
  return `wrote ${paths.modelDir}/, ${paths.record}, the package ${paths.packageDir}/ and ${paths.reportHtml} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
}
