/**
 * Distils a trained teacher (an `npm run train` output folder) into a smaller
 * student on the same data set, and writes the student like `npm run train` does:
 * `<out>/model`, `<out>/training.json` (with the teacher's test accuracy for
 * comparison), checkpoints in `<out>/checkpoints`.
 *
 * Usage: see USAGE below (`npm run distill -- --help`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateAccuracy } from '../trainer/eval/evaluate-accuracy.ts';
import { TrainerError } from '../trainer/errors.ts';
import { CLI_DATASETS, loadCliDataset } from '../trainer/train/cli-dataset.ts';
import { choiceFlag, intFlag, intListFlag, lrScheduleFromFlag, numberFlag, requiredFlag } from '../trainer/train/cli-flags.ts';
import { prepareCheckpoints, runCli, withInterrupt } from '../trainer/train/cli-run.ts';
import { distill } from '../trainer/train/distillation.ts';
import { loadModelDir } from '../trainer/train/load-model-dir.ts';
import { LR_SCHEDULE_KINDS } from '../trainer/train/lr-schedule.ts';
import { buildModel, type ModelConfig } from '../trainer/train/model-config.ts';
import { selectTrainingBackend, TRAINING_BACKENDS } from '../trainer/train/select-training-backend.ts';
import { createTerminalProgress } from '../trainer/train/terminal-progress.ts';
import { OPTIMIZERS, resolveTrainOptions, type TrainOptions } from '../trainer/train/train-options.ts';
import { TRAINING_RECORD_FILE, withoutResume, writeTrainingOutput, type TrainingRecord } from '../trainer/train/write-training-output.ts';
import { readSigningKey } from '../trainer/train/cli-flags.ts';

const STUDENTS = ['mlp', 'cnn'] as const;

const USAGE = `usage: npm run distill -- --teacher <dir> --out <dir> [options]

  --teacher <dir>             an npm run train output folder (or a folder with model.json)
  --student <${STUDENTS.join('|')}>        student model (default mlp)
  --hidden <n,n,…>            hidden layer sizes of an mlp student (default 32)
  --temperature <T>           softmax temperature (default 4)
  --alpha <a>                 weight of the teacher term, 0..1 (default 0.7)
  --dataset <${CLI_DATASETS.join('|')}>   data set (default: the teacher's, else mnist)
  --out <dir>                 output folder (required)
  --epochs <n>  --batch-size <n>  --lr <x>  --optimizer <${OPTIMIZERS.join('|')}>  --lr-schedule <${LR_SCHEDULE_KINDS.join('|')}>
  --patience <n>  --seed <n>  --split-seed <n>  --train-limit <n>  --backend <${TRAINING_BACKENDS.join('|')}>  --resume
  --name <name> (default mnist-student)  --version <semver> (default 1.0.0)  --key <publisher.json> (sign the package)
                              as for npm run train`;

async function readTeacherRecord(dir: string): Promise<TrainingRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, TRAINING_RECORD_FILE), 'utf8')) as TrainingRecord;
  } catch {
    // A bare model folder has no record; the teacher still works, only its lineage is unknown.
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values: f } = parseArgs({
    options: {
      teacher: { type: 'string' },
      student: { type: 'string' },
      hidden: { type: 'string' },
      temperature: { type: 'string' },
      alpha: { type: 'string' },
      dataset: { type: 'string' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      'lr-schedule': { type: 'string' },
      patience: { type: 'string' },
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
  const teacherDir = requiredFlag('teacher', f.teacher, '/tmp/mnist-cnn');
  const out = requiredFlag('out', f.out, '/tmp/mnist-student');
  const kind = choiceFlag('student', f.student, STUDENTS, 'mlp');
  const seed = intFlag('seed', f.seed, 1, 0);
  const temperature = numberFlag('temperature', f.temperature, 4, 0);
  const alpha = numberFlag('alpha', f.alpha, 0.7);
  if (alpha < 0 || alpha > 1) throw new TrainerError('CONFIG_INVALID', `--alpha must be in 0..1 (got '${f.alpha}')`, { details: { field: 'alpha' } });
  if (f.hidden !== undefined && kind !== 'mlp') throw new TrainerError('CONFIG_INVALID', '--hidden applies to --student mlp only', { details: { field: 'hidden' } });
  const teacherRecord = await readTeacherRecord(teacherDir);
  const dataset = choiceFlag('dataset', f.dataset ?? teacherRecord?.dataset.name, CLI_DATASETS, 'mnist');
  const epochs = intFlag('epochs', f.epochs, 5);
  const patience = f.patience === undefined ? undefined : intFlag('patience', f.patience, 1);
  const studentConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape: [28, 28, 1], hidden: intListFlag('hidden', f.hidden, [32]), classes: 10, seed }
      : { kind, inputShape: [28, 28, 1], classes: 10, seed };
  const trainOptions: TrainOptions = {
    epochs,
    batchSize: intFlag('batch-size', f['batch-size'], 64),
    learningRate: numberFlag('lr', f.lr, 0.002, 0),
    optimizer: choiceFlag('optimizer', f.optimizer, OPTIMIZERS, 'adam'),
    lrSchedule: lrScheduleFromFlag(choiceFlag('lr-schedule', f['lr-schedule'], LR_SCHEDULE_KINDS, 'constant'), epochs),
    seed,
    earlyStopping: patience === undefined ? undefined : { patience },
  };
  const backendChoice = choiceFlag('backend', f.backend, TRAINING_BACKENDS, 'auto');
  const trainLimit = f['train-limit'] === undefined ? undefined : intFlag('train-limit', f['train-limit'], 1);
  // The teacher's split by default, so its test digits stay unseen by the student too.
  const splitSeed = intFlag('split-seed', f['split-seed'], teacherRecord?.dataset.split.seed ?? 42, 0);

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const teacher = await loadModelDir(teacherDir);
  const data = await loadCliDataset(dataset, { splitSeed, trainLimit });
  const teacherAccuracy = evaluateAccuracy(teacher, data.test.x, data.test.y);
  console.log(
    `teacher ${teacherDir} (${teacher.countParams()} parameters): test accuracy ${(teacherAccuracy * 100).toFixed(2)} %; ` +
      `student ${JSON.stringify(studentConfig)}; T ${temperature}, alpha ${alpha}; backend ${backend}`,
  );
  const checkpoints = await prepareCheckpoints(out, f.resume === true, console.log);
  const student = buildModel(studentConfig);
  console.log(`student has ${student.countParams()} parameters; ${data.info.trainExamples} training digits`);
  const progress = createTerminalProgress(process.stdout);
  const result = await withInterrupt((signal) =>
    distill({ teacher, student, data: data.train, temperature, alpha, ...trainOptions, ...progress, signal, checkpoints, resume: f.resume === true }).catch(
      (error: unknown) => {
        if (error instanceof TrainerError && error.code === 'TRAINING_ABORTED') {
          throw new TrainerError('TRAINING_ABORTED', `distillation stopped; run the same command plus --resume to continue from ${checkpoints.file}`, {
            details: error.details,
            cause: error,
          });
        }
        throw error;
      },
    ),
  );
  if (result.resumedFromEpoch > 0) console.log(`(resumed after epoch ${result.resumedFromEpoch})`);
  if (result.stoppedEarly) console.log(`stopped early; kept the weights of epoch ${result.bestEpoch}`);

  const testAccuracy = evaluateAccuracy(student, data.test.x, data.test.y);
  const paths = await writeTrainingOutput(out, student, {
    kind: 'distill',
    createdAt: new Date().toISOString(),
    modelConfig: studentConfig,
    training: { ...withoutResume(resolveTrainOptions(trainOptions, true)), temperature, alpha },
    dataset: data.info,
    backend,
    history: result.history,
    stoppedEarly: result.stoppedEarly,
    bestEpoch: result.bestEpoch,
    testAccuracy,
    teacher: { dir: teacherDir, modelConfig: teacherRecord?.modelConfig, testAccuracy: teacherAccuracy },
    seconds: (performance.now() - started) / 1000,
  }, {
    name: f.name ?? 'mnist-student',
    version: f.version,
    labels: Array.from({ length: 10 }, (_, d) => String(d)),
    // The runtime gets raw 0..255 pixels (canvas, ImageData); the model was trained on 0..1.
    input: { name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 } },
    train: data.train,
    test: data.test,
    signingKey: f.key === undefined ? undefined : await readSigningKey(f.key),
    lineage: { teacher: teacherDir },
  });
  console.log(`student test accuracy ${(testAccuracy * 100).toFixed(2)} % (teacher ${(teacherAccuracy * 100).toFixed(2)} %) on ${data.info.testExamples} held-out digits`);
  console.log(`wrote ${paths.modelDir}/, ${paths.record}, the package ${paths.packageDir}/ and ${paths.reportHtml} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await runCli(main, USAGE);
