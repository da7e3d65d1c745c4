/**
 * `npm run bench -- train`: what the trainer's own loop (`train()`) costs against plain
 * tfjs `model.fit` on the same backend. Both sides get the same model (same config,
 * so the same initial weights), the same MNIST training digits, batch size, Adam
 * learning rate and loss (softmax cross-entropy on logits; fit is compiled with
 * `softmaxCrossEntropyFromLogits` and the accuracy metric, since the loop also counts
 * correct predictions per batch), `shuffle: true`, no validation on either side.
 *
 * Each side runs as ONE multi-epoch call (`train({ epochs })` and `model.fit({ epochs })`,
 * as a user would call them) and the two are interleaved epoch by epoch in ABBA order
 * by pausing each in its own epoch-end hook (`onEpoch` / `onEpochEnd`, both awaited),
 * so drift on the shared machine falls on both. An epoch's time runs from the moment
 * its side gets the turn to its epoch-end hook, so it includes the loop's per-epoch
 * shuffle and fit's per-epoch set-up. The first epoch of each side is an untimed
 * warm-up. Figures are medians of the timed epochs.
 *
 * Then, unless `--compare loop-fit`, the backend comparison (train-bench-backends.ts):
 * the MNIST CNN trained by `train()` on wasm vs on cpu, ABBA, with the fixture's recipe.
 *
 * Options: `--compare <all|loop-fit|backends>` (default all); `--model <mlp|cnn>` and
 * `--backend <wasm|cpu>` pick one loop-vs-fit configuration (default: the MLP and the
 * CNN on wasm, as `npm run train` picks them); `--epochs <n>` timed epochs per side
 * (even; default 8 for the MLP, 4 for the CNN, 2 for the backend comparison);
 * `--examples <n>` training digits (default 8,000 for the MLP, 1,000 for the CNN,
 * 4,000 for the backend comparison).
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildModel, softmaxCrossEntropyFromLogits, train, type ModelConfig } from '../../trainer/index.ts';
import { selectTrainingBackend } from '../../trainer/node.ts';
import { loadCliDataset } from '../cli/cli-dataset.ts';
import { choiceFlag, intFlag } from '../cli/cli-flags.ts';
import type { Benchmark } from './benchmark.ts';
import type { ProgressLog } from './progress-log.ts';
import { percentile, round } from './stats.ts';
import { backendsTable, BACKENDS_RECIPE, compareBackends, type BackendsCase, type BackendsEntry } from './train-bench-backends.ts';
import { abbaOrder, Turns } from './train-bench-turns.ts';

const MODELS = ['mlp', 'cnn'] as const;
const BACKENDS = ['wasm', 'cpu'] as const;
const TARGET = 0.9;
const BATCH_SIZE = 64;
const LEARNING_RATE = 0.001;
const SEED = 1;

type Side = 'loop' | 'fit';

/** One configuration to measure. */
interface TrainBenchCase {
  model: (typeof MODELS)[number];
  backend: (typeof BACKENDS)[number];
  examples: number;
  epochs: number;
}

/** One row of the result. */
export interface TrainBenchEntry {
  model: string;
  backend: string;
  params: number;
  examples: number;
  batch_size: number;
  /** Timed epochs per side (after one warm-up epoch each). */
  epochs: number;
  loop_samples_per_s: number;
  fit_samples_per_s: number;
  /** loop_samples_per_s / fit_samples_per_s (medians). */
  loop_vs_fit: number;
  /** Mean training loss of each side's last epoch: both minimise the same loss, so these should be close. */
  loop_last_loss: number;
  fit_last_loss: number;
  /** Seconds of every epoch, warm-up first. */
  epoch_seconds: Record<Side, number[]>;
}

async function measure(c: TrainBenchCase, progress: ProgressLog): Promise<TrainBenchEntry> {
  const { backend, note } = await selectTrainingBackend(c.backend, c.model);
  if (note !== undefined) throw new Error(`asked for ${c.backend} but got ${backend}: ${note}`);
  const data = await loadCliDataset('mnist', { trainLimit: c.examples });
  const config: ModelConfig =
    c.model === 'mlp' ? { kind: 'mlp', inputShape: [28, 28, 1], hidden: [128], classes: 10, seed: SEED } : { kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: SEED };
  const loopModel = buildModel(config);
  const fitModel = buildModel(config);
  const count = data.train.y.length;
  const x = tf.tensor(data.train.x, [count, 28, 28, 1], 'float32');
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.train.y, 'int32'), 10), 'float32'));
  const totalEpochs = c.epochs + 1;
  const turns = new Turns<Side>(abbaOrder<Side>('loop', 'fit', c.epochs));
  progress.note(`── ${c.model} on ${backend}: ${loopModel.countParams()} params, ${count} digits, ${c.epochs} timed epochs per side (+1 warm-up)`);
  try {
    fitModel.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: softmaxCrossEntropyFromLogits, metrics: [tfl.metrics.categoricalAccuracy] });
    const runLoop = async () => {
      await turns.start('loop');
      return train(loopModel, { x: data.train.x, y: data.train.y, inputShape: [28, 28, 1] }, {
        epochs: totalEpochs,
        batchSize: BATCH_SIZE,
        learningRate: LEARNING_RATE,
        optimizer: 'adam',
        seed: SEED,
        onEpoch: async (summary) => {
          progress.note(`  loop epoch ${summary.epoch}/${totalEpochs}: loss ${summary.loss.toFixed(3)}`);
          await turns.epochDone('loop');
        },
      });
    };
    const runFit = async () =>
      fitModel.fit(x, y, {
        epochs: totalEpochs,
        batchSize: BATCH_SIZE,
        shuffle: true,
        verbose: 0,
        callbacks: {
          onTrainBegin: async () => turns.start('fit'),
          onEpochEnd: async (epoch, logs) => {
            progress.note(`  fit  epoch ${epoch + 1}/${totalEpochs}: loss ${(logs?.loss ?? Number.NaN).toFixed(3)}`);
            await turns.epochDone('fit');
          },
        },
      });
    const failOther = (error: unknown) => {
      turns.fail(error);
      throw error;
    };
    const [loopResult, fitHistory] = await Promise.all([runLoop().catch(failOther), runFit().catch(failOther)]);
    const rate = (side: Side) => percentile(turns.seconds[side].slice(1).map((s) => count / s), 50);
    const loopRate = rate('loop');
    const fitRate = rate('fit');
    const fitLosses = fitHistory.history.loss as number[];
    return {
      model: c.model,
      backend,
      params: loopModel.countParams(),
      examples: count,
      batch_size: BATCH_SIZE,
      epochs: c.epochs,
      loop_samples_per_s: round(loopRate, 0),
      fit_samples_per_s: round(fitRate, 0),
      loop_vs_fit: round(loopRate / fitRate),
      loop_last_loss: round(loopResult.history[loopResult.history.length - 1]!.loss, 4),
      fit_last_loss: round(fitLosses[fitLosses.length - 1]!, 4),
      epoch_seconds: { loop: turns.seconds.loop.map((s) => round(s, 3)), fit: turns.seconds.fit.map((s) => round(s, 3)) },
    };
  } finally {
    tf.dispose([x, y]);
    loopModel.dispose();
    fitModel.dispose();
  }
}

const COMPARISONS = ['all', 'loop-fit', 'backends'] as const;

/** What the command line asks for: loop-vs-fit cases and, maybe, the backend comparison. */
interface TrainBenchPlan {
  cases: TrainBenchCase[];
  backends?: BackendsCase;
}

function parsePlan(args: readonly string[]): TrainBenchPlan {
  const { values: f } = parseArgs({
    args: [...args],
    options: { compare: { type: 'string' }, model: { type: 'string' }, backend: { type: 'string' }, epochs: { type: 'string' }, examples: { type: 'string' } },
  });
  const compare = f.compare === undefined ? 'all' : choiceFlag('compare', f.compare, COMPARISONS);
  const model = f.model === undefined ? undefined : choiceFlag('model', f.model, MODELS);
  const backend = f.backend === undefined ? undefined : choiceFlag('backend', f.backend, BACKENDS);
  if (compare === 'backends' && (model !== undefined || backend !== undefined)) {
    throw new RangeError('--compare backends trains the CNN on both backends; --model and --backend pick loop-vs-fit cases');
  }
  const epochs = f.epochs === undefined ? undefined : intFlag('epochs', f.epochs, 0, 2);
  if (epochs !== undefined && epochs % 2 !== 0) throw new RangeError(`--epochs must be even (ABBA order; got ${epochs})`);
  const examples = f.examples === undefined ? undefined : intFlag('examples', f.examples, 0, 1);
  const defaults: TrainBenchCase[] = [
    { model: 'mlp', backend: 'wasm', examples: 8000, epochs: 8 },
    { model: 'cnn', backend: 'wasm', examples: 1000, epochs: 4 },
  ];
  const cases =
    compare === 'backends'
      ? []
      : defaults.filter((d) => model === undefined || d.model === model).map((d) => ({ ...d, backend: backend ?? d.backend, examples: examples ?? d.examples, epochs: epochs ?? d.epochs }));
  // The comparison runs with the loop-vs-fit cases unless those were narrowed to one configuration.
  const withBackends = compare === 'backends' || (compare === 'all' && model === undefined && backend === undefined);
  return { cases, backends: withBackends ? { examples: examples ?? 4000, epochs: epochs ?? 2 } : undefined };
}

/** The `train` benchmark of scripts/bench/run.ts. */
export const trainBenchmark: Benchmark = {
  async run(args, progress) {
    const started = performance.now();
    const plan = parsePlan(args);
    const entries: TrainBenchEntry[] = [];
    for (const c of plan.cases) entries.push(await measure(c, progress));
    const backends: BackendsEntry | undefined = plan.backends && (await compareBackends(plan.backends, progress));
    const wallSeconds = (performance.now() - started) / 1000;
    const loopFit = [
      `| model | backend | params | digits | timed epochs per side | loop samples/s | fit samples/s | loop_vs_fit | ≥ ${TARGET} | last-epoch loss loop / fit |`,
      '|---|---|--:|--:|--:|--:|--:|--:|:-:|--:|',
      ...entries.map(
        (e) =>
          `| ${e.model} | ${e.backend} | ${e.params} | ${e.examples} | ${e.epochs} | ${e.loop_samples_per_s} | ${e.fit_samples_per_s} | ${e.loop_vs_fit.toFixed(3)} | ${e.loop_vs_fit >= TARGET ? 'yes' : '**no**'} | ${e.loop_last_loss.toFixed(3)} / ${e.fit_last_loss.toFixed(3)} |`,
      ),
      '',
    ];
    const lines = [
      ...(entries.length > 0 ? loopFit : []),
      ...(backends ? [`The trainer's loop on wasm vs on cpu (Adam ${backends.learning_rate}, batch ${backends.batch_size}, seed ${BACKENDS_RECIPE.seed}, ABBA):`, '', ...backendsTable(backends), ''] : []),
      `Wall time ${wallSeconds.toFixed(0)} s.`,
    ];
    return {
      json: {
        date: new Date().toISOString(),
        machine: {
          cpus: [...new Set(cpus().map((cpu) => cpu.model))],
          cores: cpus().length,
          memory_gib: round(totalmem() / 2 ** 30, 1),
          os: `${platform()} ${release()}`,
          node: process.version,
        },
        wall_seconds: round(wallSeconds, 1),
        settings: { batch_size: BATCH_SIZE, learning_rate: LEARNING_RATE, optimizer: 'adam', seed: SEED, order: 'warm-up loop, warm-up fit, then ABBA' },
        target: { loop_vs_fit_min: TARGET },
        entries,
        ...(backends ? { backends: { recipe: BACKENDS_RECIPE, order: 'warm-up wasm, warm-up cpu, then ABBA', ...backends } } : {}),
      },
      table: lines.join('\n'),
    };
  },
};
