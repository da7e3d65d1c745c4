/**
 * `edgeloop train` (`npm run train`): trains a model in Node on the MNIST demo digits, a
 * CSV file (`--data`, `--label`) or an image folder (`--images`), and writes
 * `<out>/model` (tfjs) and `<out>/training.json`, checkpointing every epoch to
 * `<out>/checkpoints` so an interrupted run continues with `--resume`.
 *
 * Usage: see `usage` below (`npm run train -- --help`).
 */
import { buildModel, resolveTrainOptions, train, TrainerError, type ModelConfig } from '../../trainer/index.ts';
import { selectTrainingBackend, withoutResume } from '../../trainer/node.ts';
import { loadCliDataset } from './cli-dataset.ts';
import { dataSourceFromFlags, describeSource, IMAGE_SIZE_FLAG_OPTIONS } from './cli-data-flags.ts';
import { choiceFlag, intListFlag, requiredFlag } from './cli-flags.ts';
import { parseFlags, prepareCheckpoints, runCli } from './cli-run.ts';
import type { CliCommand } from './cli-command.ts';
import { createTerminalProgress } from './terminal-progress.ts';
import { describeOutput, runFlags, runResumable, trainingFlagsUsage, trainOptionsFromFlags, TRAINING_FLAG_OPTIONS, writeRunOutput } from './training-cli.ts';

/** Model kinds the CLI trains: an MLP for any data, a CNN for images (MobileNetV2 needs RGB images of 32 px or more). */
const CLI_MODELS = ['mlp', 'cnn'] as const;
const LEARNING_RATE = 0.001;

const usage = (prog: string) => `usage: ${prog} --model <${CLI_MODELS.join('|')}> --out <dir> [--data <file.csv> --label <column> | --images <folder> | --dataset mnist] [options]

  --model <${CLI_MODELS.join('|')}>           model to train (required; cnn needs images)
  --out <dir>                 output folder (required): model/, training.json, package/, report.html, checkpoints/
  --hidden <n,n,…>            hidden layer sizes of the mlp (default 128)
  --name <name>               package name (default <data name>-<model>, e.g. mnist-cnn); the package goes to <out>/package/<name>/<version>/
${trainingFlagsUsage({ learningRate: LEARNING_RATE, sized: true })}

examples:
  ${prog} --model mlp --data customers.csv --label churned --out runs/churn
  ${prog} --model cnn --images photos/ --size 64 --out runs/pets`;

async function main(args: readonly string[], usageText: string): Promise<void> {
  const started = performance.now();
  const f = parseFlags({ ...TRAINING_FLAG_OPTIONS, ...IMAGE_SIZE_FLAG_OPTIONS, model: { type: 'string' } }, usageText, args);
  if (!f) return;
  const source = dataSourceFromFlags(f);
  const kind = choiceFlag('model', f.model, CLI_MODELS);
  const out = requiredFlag('out', f.out, '/tmp/mnist-run');
  const trainOptions = trainOptionsFromFlags(f, { learningRate: LEARNING_RATE });
  if (f.hidden !== undefined && kind !== 'mlp') {
    throw new TrainerError('CONFIG_INVALID', `--hidden applies to --model mlp only`, { details: { field: 'hidden' } });
  }
  if (kind === 'cnn' && source.kind === 'csv') {
    throw new TrainerError('CONFIG_INVALID', '--model cnn takes images; a table (--data) trains with --model mlp', { details: { field: 'model' } });
  }
  const seed = trainOptions.seed!;
  const { backendChoice, trainLimit, splitSeed, resume } = runFlags(f, { splitSeed: 42 });

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const data = await loadCliDataset(source, { splitSeed, trainLimit });
  const inputShape = data.train.inputShape;
  const modelConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape, hidden: intListFlag('hidden', f.hidden, [128]), classes: data.classes, seed }
      : { kind, inputShape: inputShape as [number, number, number], classes: data.classes, seed };
  console.log(
    `${describeSource(source)}: ${data.info.trainExamples} train / ${data.info.validationExamples} validation / ${data.info.testExamples} test ${data.noun}, ` +
      `${data.classes} classes; model ${JSON.stringify(modelConfig)}; backend ${backend}`,
  );
  const checkpoints = await prepareCheckpoints(out, resume, console.log);
  const model = buildModel(modelConfig);
  const progress = createTerminalProgress(process.stdout);
  const result = await runResumable('training', checkpoints, (signal) => train(model, data.train, { ...trainOptions, ...progress, signal, checkpoints, resume }));
  const { testAccuracy, paths } = await writeRunOutput(out, model, {
    kind: 'train',
    modelConfig,
    training: withoutResume(resolveTrainOptions(trainOptions, true)),
    data,
    backend,
    result,
    started,
    name: f.name ?? `${data.stem}-${kind}`,
    flags: f,
  });
  console.log(`test accuracy ${(testAccuracy * 100).toFixed(2)} % on ${data.info.testExamples} held-out ${data.noun}`);
  console.log(describeOutput(paths, started));
}

/** `edgeloop train`. */
export const trainCommand: CliCommand = {
  run: (args, prog) => runCli(() => main(args, usage(prog)), usage(prog)),
};
