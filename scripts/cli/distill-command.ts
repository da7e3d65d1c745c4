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
import { buildModel, distill, evaluateAccuracy, resolveTrainOptions, TrainerError, type ModelConfig } from '../../trainer/index.ts';
import { loadModelDir, selectTrainingBackend, TRAINING_RECORD_FILE, withoutResume, type TrainingRecord } from '../../trainer/node.ts';
import { CLI_DATASETS, loadCliDataset } from './cli-dataset.ts';
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
  --name <name>               package name (default mnist-student)
  (--dataset and --split-seed default to the teacher's)
${trainingFlagsUsage({ learningRate: LEARNING_RATE })}`;

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
  const dataset = choiceFlag('dataset', f.dataset ?? teacherRecord?.dataset.name, CLI_DATASETS, 'mnist');
  const studentConfig: ModelConfig =
    kind === 'mlp'
      ? { kind, inputShape: [28, 28, 1], hidden: intListFlag('hidden', f.hidden, [32]), classes: 10, seed }
      : { kind, inputShape: [28, 28, 1], classes: 10, seed };
  // The teacher's split by default, so its test digits stay unseen by the student too.
  const { backendChoice, trainLimit, splitSeed, resume } = runFlags(f, { splitSeed: teacherRecord?.dataset.split.seed ?? 42 });

  const { backend, note } = await selectTrainingBackend(backendChoice, kind);
  if (note !== undefined) console.log(note);
  const teacher = await loadModelDir(teacherDir);
  const data = await loadCliDataset(dataset, { splitSeed, trainLimit });
  const teacherAccuracy = evaluateAccuracy(teacher, data.test.x, data.test.y);
  console.log(
    `teacher ${teacherDir} (${teacher.countParams()} parameters): test accuracy ${(teacherAccuracy * 100).toFixed(2)} %; ` +
      `student ${JSON.stringify(studentConfig)}; T ${temperature}, alpha ${alpha}; backend ${backend}`,
  );
  const checkpoints = await prepareCheckpoints(out, resume, console.log);
  const student = buildModel(studentConfig);
  console.log(`student has ${student.countParams()} parameters; ${data.info.trainExamples} training digits`);
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
    name: f.name ?? 'mnist-student',
    flags: f,
    teacher: { dir: teacherDir, modelConfig: teacherRecord?.modelConfig, testAccuracy: teacherAccuracy },
  });
  console.log(`student test accuracy ${(testAccuracy * 100).toFixed(2)} % (teacher ${(teacherAccuracy * 100).toFixed(2)} %) on ${data.info.testExamples} held-out digits`);
  console.log(describeOutput(paths, started));
}

/** `edgeloop distill`. */
export const distillCommand: CliCommand = {
  run: (args, prog) => runCli(() => main(args, usage(prog)), usage(prog)),
};
