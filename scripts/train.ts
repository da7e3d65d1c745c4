/**
 * Trains a model on a data set in Node and writes `<out>/model` (tfjs) and
 * `<out>/training.json`, checkpointing every epoch to `<out>/checkpoints` so an
 * interrupted run continues with `--resume`.
 *
 * Usage: see USAGE below (`npm run train -- --help`).
 */
import { parseArgs } from 'node:util';
import { evaluateAccuracy } from '../trainer/eval/evaluate-accuracy.ts';
import { TrainerError } from '../trainer/errors.ts';
import { CLI_DATASETS, loadCliDataset } from '../trainer/train/cli-dataset.ts';
import { choiceFlag, intFlag, intListFlag, lrScheduleFromFlag, numberFlag, requiredFlag } from '../trainer/train/cli-flags.ts';
import { prepareCheckpoints, runCli, withInterrupt } from '../trainer/train/cli-run.ts';
import { LR_SCHEDULE_KINDS } from '../trainer/train/lr-schedule.ts';
import { buildModel, type ModelConfig } from '../trainer/train/model-config.ts';
import { selectTrainingBackend, TRAINING_BACKENDS } from '../trainer/train/select-training-backend.ts';
import { createTerminalProgress } from '../trainer/train/terminal-progress.ts';
import { OPTIMIZERS, resolveTrainOptions, type TrainOptions } from '../trainer/train/train-options.ts';
import { train } from '../trainer/train/training-loop.ts';
import { withoutResume, writeTrainingOutput } from '../trainer/train/write-training-output.ts';
import { readSigningKey } from '../trainer/train/cli-flags.ts';

/** Model kinds that fit the CLI's data sets (MobileNetV2 needs RGB images of 32 px or more). */
const CLI_MODELS = ['mlp', 'cnn'] as const;

const USAGE = `usage: npm run train -- --model <${CLI_MODELS.join('|')}> --out <dir> [options]

  --dataset <${CLI_DATASETS.join('|')}>   data set (default mnist; split 80/10/10, stratified)
  --model <${CLI_MODELS.join('|')}>          model to train (required)
  --out <dir>                 output folder (required): model/, training.json, checkpoints/
  --epochs <n>                passes over the training split (default 5)
  --batch-size <n>            examples per step (default 64)
  --lr <x>                    base learning rate (default 0.001)
  --optimizer <${OPTIMIZERS.join('|')}>     (default adam)
  --lr-schedule <${LR_SCHEDULE_KINDS.join('|')}>
                              (default constant; step halves every ⌈epochs/3⌉ epochs, exponential decays 0.9/epoch)
  --patience <n>              stop early after n epochs without validation-loss improvement (default off)
  --hidden <n,n,…>            hidden layer sizes of the mlp (default 128)
  --seed <n>                  seed of the initial weights and the shuffle (default 1)
  --split-seed <n>            seed of the train/validation/test split (default 42)
  --train-limit <n>           use only the first n training examples
  --backend <${TRAINING_BACKENDS.join('|')}>   tfjs backend (default auto: wasm for mlp, cpu for cnn)
  --resume                    continue from <out>/checkpoints (same flags as the interrupted run)
  --name <name>               package name (default mnist-<model>); the package goes to <out>/package/<name>/<version>/
  --version <semver>          package version (default 1.0.0)
  --key <publisher.json>      sign the package with this { publicKey, privateKey } key pair (e.g. fixtures/keys/publisher.json)`;

async function main(): Promise<void> {
  const started = performance.now();
  const { values: f } = parseArgs({
    options: {
      dataset: { type: 'string' },
      model: { type: 'string' },
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (f.help) {
    console.log(USAGE);
    return;
  }
  const dataset = choiceFlag('dataset', f.dataset, CLI_DATASETS, 'mnist');
  const kind = choiceFlag('model', f.model, CLI_MODELS);
  const out = requiredFlag('out', f.out, '/tmp/mnist-run');
  const epochs = intFlag('epochs', f.epochs, 5);
  const seed = intFlag('seed', f.seed, 1, 0);
  if (f.hidden !== undefined && kind !== 'mlp') {
    throw new TrainerError('CONFIG_INVALID', `--hidden applies to --model mlp only`, { details: { field: 'hidden' } });
  }
  const modelConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape: [28, 28, 1], hidden: intListFlag('hidden', f.hidden, [128]), classes: 10, seed }
      : { kind, inputShape: [28, 28, 1], classes: 10, seed };
  const patience = f.patience === undefined ? undefined : intFlag('patience', f.patience, 1);
  const trainOptions: TrainOptions = {
    epochs,
    batchSize: intFlag('batch-size', f['batch-size'], 64),
    learningRate: numberFlag('lr', f.lr, 0.001, 0),
    optimizer: choiceFlag('optimizer', f.optimizer, OPTIMIZERS, 'adam'),
    lrSchedule: lrScheduleFromFlag(choiceFlag('lr-schedule', f['lr-schedule'], LR_SCHEDULE_KINDS, 'constant'), epochs),
    seed,
    earlyStopping: patience === undefined ? undefined : { patience },
  };
  const backendChoice = choiceFlag('backend', f.backend, TRAINING_BACKENDS, 'auto');
  const trainLimit = f['train-limit'] === undefined ? undefined : intFlag('train-limit', f['train-limit'], 1);
  const splitSeed = intFlag('split-seed', f['split-seed'], 42, 0);

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const data = await loadCliDataset(dataset, { splitSeed, trainLimit });
  console.log(
    `${dataset}: ${data.info.trainExamples} train / ${data.info.validationExamples} validation / ${data.info.testExamples} test; ` +
      `model ${JSON.stringify(modelConfig)}; backend ${backend}`,
  );
  const checkpoints = await prepareCheckpoints(out, f.resume === true, console.log);
  const model = buildModel(modelConfig);
  const progress = createTerminalProgress(process.stdout);
  const result = await withInterrupt((signal) =>
    train(model, data.train, { ...trainOptions, ...progress, signal, checkpoints, resume: f.resume === true }).catch((error: unknown) => {
      if (error instanceof TrainerError && error.code === 'TRAINING_ABORTED') {
        throw new TrainerError('TRAINING_ABORTED', `training stopped; run the same command plus --resume to continue from ${checkpoints.file}`, {
          details: error.details,
          cause: error,
        });
      }
      throw error;
    }),
  );
  if (result.resumedFromEpoch > 0) console.log(`(resumed after epoch ${result.resumedFromEpoch})`);
  if (result.stoppedEarly) console.log(`stopped early; kept the weights of epoch ${result.bestEpoch}`);

  const testAccuracy = evaluateAccuracy(model, data.test.x, data.test.y);
  const paths = await writeTrainingOutput(out, model, {
    kind: 'train',
    createdAt: new Date().toISOString(),
    modelConfig,
    training: withoutResume(resolveTrainOptions(trainOptions, true)),
    dataset: data.info,
    backend,
    history: result.history,
    stoppedEarly: result.stoppedEarly,
    bestEpoch: result.bestEpoch,
    testAccuracy,
    seconds: (performance.now() - started) / 1000,
  }, {
    name: f.name ?? `mnist-${kind}`,
    version: f.version,
    labels: Array.from({ length: 10 }, (_, d) => String(d)),
    // The runtime gets raw 0..255 pixels (canvas, ImageData); the model was trained on 0..1.
    input: { name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 } },
    train: data.train,
    test: data.test,
    signingKey: f.key === undefined ? undefined : await readSigningKey(f.key),
  });
  console.log(`test accuracy ${(testAccuracy * 100).toFixed(2)} % on ${data.info.testExamples} held-out digits`);
  console.log(`wrote ${paths.modelDir}/, ${paths.record}, the package ${paths.packageDir}/ and ${paths.reportHtml} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await runCli(main, USAGE);
