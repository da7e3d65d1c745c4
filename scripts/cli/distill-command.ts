/**
 * `edgeloop distill` (`npm run distill`): distils a trained teacher (an `npm run train` output folder) into a smaller
 * student on the same data set, and writes the student like `npm run train` does:
 * `<out>/model`, `<out>/training.json` (with the teacher's test accuracy for
 * comparison), checkpoints in `<out>/checkpoints`.
 *
 * Usage: see `usage` below (`npm run distill -- --help`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeShape } from '../../compress/index.ts';
import { buildModel, distill, evaluateAccuracy, resolveTrainOptions, TrainerError, type ModelConfig } from '../../trainer/index.ts';
import { loadModelDir, selectTrainingBackend, TRAINING_RECORD_FILE, withoutResume, type TrainingRecord } from '../../trainer/node.ts';
import { loadCliDataset } from './cli-dataset.ts';
import { dataSourceFromFlags, describeSource, type DataSource } from './cli-data-flags.ts';
import { choiceFlag, intListFlag, numberFlag, requiredFlag } from './cli-flags.ts';
import { parseFlags, prepareCheckpoints, runCli } from './cli-run.ts';
import type { CliCommand } from './cli-command.ts';
import { createTerminalProgress } from './terminal-progress.ts';
import { describeOutput, runFlags, runResumable, trainingFlagsUsage, trainOptionsFromFlags, TRAINING_FLAG_OPTIONS, writeRunOutput } from './training-cli.ts';

const STUDENTS = ['mlp', 'cnn'] as const;
const LEARNING_RATE = 0.002;

const usage = (prog: string) => `usage: ${prog} --teacher <dir> --out <dir> [options]

  --teacher <dir>             an npm run train output folder (or a folder with model.json)
  --student <${STUDENTS.join('|')}>        student model (default mlp)
  --hidden <n,n,…>            hidden layer sizes of an mlp student (default 32)
  --temperature <T>           softmax temperature (default 4)
  --alpha <a>                 weight of the teacher term, 0..1 (default 0.7)
  --out <dir>                 output folder (required)
  --name <name>               package name (default <data name>-student)
  (the data — --dataset, --data/--label or --images — and --split-seed default to the teacher's;
   images are drawn at the teacher's input size and channels)
${trainingFlagsUsage({ learningRate: LEARNING_RATE })}

example:
  ${prog} --teacher runs/pets --student cnn --out runs/pets-small      (the teacher's --images folder)`;

async function readTeacherRecord(dir: string): Promise<TrainingRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, TRAINING_RECORD_FILE), 'utf8')) as TrainingRecord;
  } catch {
    // A bare model folder has no record; the teacher still works, only its lineage is unknown.
    return undefined;
  }
}

async function main(args: readonly string[], usageText: string): Promise<void> {
  const started = performance.now();
  const f = parseFlags({ ...TRAINING_FLAG_OPTIONS, teacher: { type: 'string' }, student: { type: 'string' }, temperature: { type: 'string' }, alpha: { type: 'string' } }, usageText, args);
  if (!f) return;
  const teacherDir = requiredFlag('teacher', f.teacher, '/tmp/mnist-cnn');
  const out = requiredFlag('out', f.out, '/tmp/mnist-student');
  const kind = choiceFlag('student', f.student, STUDENTS, 'mlp');
  const trainOptions = trainOptionsFromFlags(f, { learningRate: LEARNING_RATE });
  const seed = trainOptions.seed!;
  const temperature = numberFlag('temperature', f.temperature, 4, 0);
  const alpha = numberFlag('alpha', f.alpha, 0.7);
  if (alpha < 0 || alpha > 1) throw new TrainerError('CONFIG_INVALID', `--alpha must be in 0..1 (got '${f.alpha}')`, { details: { field: 'alpha' } });
  if (f.hidden !== undefined && kind !== 'mlp') throw new TrainerError('CONFIG_INVALID', '--hidden applies to --student mlp only', { details: { field: 'hidden' } });
  const teacherRecord = await readTeacherRecord(teacherDir);
  // The teacher's split by default, so its test examples stay unseen by the student too.
  const { backendChoice, trainLimit, splitSeed, resume } = runFlags(f, { splitSeed: teacherRecord?.dataset.split.seed ?? 42 });

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const teacher = await loadModelDir(teacherDir);
  const teacherShape = teacher.inputs[0]!.shape.slice(1) as number[];
  const source = withTeacherSize(dataSourceFromFlags(f, recordedSource(teacherRecord)), teacherShape);
  const data = await loadCliDataset(source, { splitSeed, trainLimit });
  const teacherClasses = teacher.outputs[0]!.shape[teacher.outputs[0]!.shape.length - 1] as number;
  if (describeShape(data.train.inputShape) !== describeShape(teacherShape) || teacherClasses !== data.classes) {
    throw new TrainerError(
      'DATA_SHAPE_MISMATCH',
      `the data (${describeSource(source)}) are ${describeShape(data.train.inputShape)} with ${data.classes} classes but the teacher takes ${describeShape(teacherShape)} with ${teacherClasses} classes: ` +
        'distil on the data the teacher was trained on (--data/--label or --images as for npm run train)',
      { details: { expected: { shape: teacherShape, classes: teacherClasses }, actual: { shape: data.train.inputShape, classes: data.classes } } },
    );
  }
  const inputShape = data.train.inputShape;
  const studentConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape, hidden: intListFlag('hidden', f.hidden, [32]), classes: data.classes, seed }
      : { kind, inputShape: inputShape as [number, number, number], classes: data.classes, seed };
  if (kind === 'cnn' && inputShape.length !== 3) throw new TrainerError('CONFIG_INVALID', '--student cnn takes images; a table trains an mlp student', { details: { field: 'student' } });
  const teacherAccuracy = evaluateAccuracy(teacher, data.test.x, data.test.y);
  console.log(
    `teacher ${teacherDir} (${teacher.countParams()} parameters): test accuracy ${(teacherAccuracy * 100).toFixed(2)} %; ` +
      `student ${JSON.stringify(studentConfig)}; T ${temperature}, alpha ${alpha}; backend ${backend}`,
  );
  const checkpoints = await prepareCheckpoints(out, resume, console.log);
  const student = buildModel(studentConfig);
  console.log(`student has ${student.countParams()} parameters; ${data.info.trainExamples} training ${data.noun}`);
  const progress = createTerminalProgress(process.stdout);
  const result = await runResumable('distillation', checkpoints, (signal) =>
    distill({ teacher, student, data: data.train, temperature, alpha, ...trainOptions, ...progress, signal, checkpoints, resume }),
  );
  const { testAccuracy, paths } = await writeRunOutput(out, student, {
    kind: 'distill',
    modelConfig: studentConfig,
    training: { ...withoutResume(resolveTrainOptions(trainOptions, true)), temperature, alpha },
    data,
    backend,
    result,
    started,
    name: f.name ?? `${data.stem}-student`,
    flags: f,
    teacher: { dir: teacherDir, modelConfig: teacherRecord?.modelConfig, testAccuracy: teacherAccuracy },
  });
  console.log(`student test accuracy ${(testAccuracy * 100).toFixed(2)} % (teacher ${(teacherAccuracy * 100).toFixed(2)} %) on ${data.info.testExamples} held-out ${data.noun}`);
  console.log(describeOutput(paths, started));
}

/** The data the teacher was trained on, as its `training.json` records it (`mnist` when it says nothing). */
function recordedSource(record: TrainingRecord | undefined): DataSource | undefined {
  const source = record?.dataset.source;
  if (!source) return undefined;
  return source.kind === 'csv' ? { kind: 'csv', file: source.file, label: source.label } : { kind: 'images', dir: source.dir };
}

/** Images are drawn at the teacher's input size and channels. */
function withTeacherSize(source: DataSource, shape: readonly number[]): DataSource {
  if (source.kind !== 'images' || shape.length !== 3) return source;
  const [height, width, channels] = shape as [number, number, number];
  return { ...source, size: { width, height }, channels: channels === 1 ? 1 : 3 };
}

/** `edgeloop distill`. */
export const distillCommand: CliCommand = {
  run: (args, prog) => runCli(() => main(args, usage(prog)), usage(prog)),
};
