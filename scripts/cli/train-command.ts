/**
 * `edgeloop train` (`npm run train`): trains a model on a data set in Node and writes
 * `<out>/model` (tfjs) and `<out>/training.json`, checkpointing every epoch to
 * `<out>/checkpoints` so an interrupted run continues with `--resume`.
 *
 * Usage: see `usage` below (`npm run train -- --help`).
 */
import { buildModel, resolveTrainOptions, train, TrainerError, type ModelConfig } from '../../trainer/index.ts';
import { selectTrainingBackend, withoutResume } from '../../trainer/node.ts';
import { CLI_DATASETS, loadCliDataset } from './cli-dataset.ts';
import { choiceFlag, intListFlag, requiredFlag } from './cli-flags.ts';
import { parseFlags, prepareCheckpoints, runCli } from './cli-run.ts';
import type { CliCommand } from './cli-command.ts';
import { createTerminalProgress } from './terminal-progress.ts';
import { describeOutput, runFlags, runResumable, trainingFlagsUsage, trainOptionsFromFlags, TRAINING_FLAG_OPTIONS, writeRunOutput } from './training-cli.ts';

/** Model kinds that fit the CLI's data sets (MobileNetV2 needs RGB images of 32 px or more). */
const CLI_MODELS = ['mlp', 'cnn'] as const;
const LEARNING_RATE = 0.001;

const usage = (prog: string) => `usage: ${prog} --model <${CLI_MODELS.join('|')}> --out <dir> [options]

  --model <${CLI_MODELS.join('|')}>          model to train (required)
  --out <dir>                 output folder (required): model/, training.json, checkpoints/
  --hidden <n,n,…>            hidden layer sizes of the mlp (default 128)
  --name <name>               package name (default mnist-<model>); the package goes to <out>/package/<name>/<version>/
${trainingFlagsUsage({ learningRate: LEARNING_RATE })}`;

async function main(args: readonly string[], usageText: string): Promise<void> {
  const started = performance.now();
  const f = parseFlags({ ...TRAINING_FLAG_OPTIONS, model: { type: 'string' } }, usageText, args);
  if (!f) return;
  const dataset = choiceFlag('dataset', f.dataset, CLI_DATASETS, 'mnist');
  const kind = choiceFlag('model', f.model, CLI_MODELS);
  const out = requiredFlag('out', f.out, '/tmp/mnist-run');
  const trainOptions = trainOptionsFromFlags(f, { learningRate: LEARNING_RATE });
  if (f.hidden !== undefined && kind !== 'mlp') {
    throw new TrainerError('CONFIG_INVALID', `--hidden applies to --model mlp only`, { details: { field: 'hidden' } });
  }
  const seed = trainOptions.seed!;
  const modelConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape: [28, 28, 1], hidden: intListFlag('hidden', f.hidden, [128]), classes: 10, seed }
      : { kind, inputShape: [28, 28, 1], classes: 10, seed };
  const { backendChoice, trainLimit, splitSeed, resume } = runFlags(f, { splitSeed: 42 });

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const data = await loadCliDataset(dataset, { splitSeed, trainLimit });
  console.log(
    `${dataset}: ${data.info.trainExamples} train / ${data.info.validationExamples} validation / ${data.info.testExamples} test; ` +
      `model ${JSON.stringify(modelConfig)}; backend ${backend}`,
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
    name: f.name ?? `mnist-${kind}`,
    flags: f,
  });
  console.log(`test accuracy ${(testAccuracy * 100).toFixed(2)} % on ${data.info.testExamples} held-out digits`);
  console.log(describeOutput(paths, started));
}

/** `edgeloop train`. */
export const trainCommand: CliCommand = {
  run: (args, prog) => runCli(() => main(args, usage(prog)), usage(prog)),
};
