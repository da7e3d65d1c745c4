/**
 * The backend half of `npm run bench -- train`: the same MNIST CNN trained by the
 * trainer's `train()` on tfjs-wasm (with edgeloop's convolution-gradient kernels) and on
 * the plain-JS cpu backend (with its fast kernels), in one process, epoch by epoch in
 * ABBA order. Each side switches the global tfjs backend to its own when it gets the
 * turn; tfjs moves a model's few weights to that backend on first use. Both models have
 * the same config and seed (the same initial weights) and see the same digits in the
 * same seeded order, so their loss curves should agree up to float rounding — the bench
 * reports how closely, and each side's test accuracy, as a correctness check beside the
 * speed-up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, evaluateAccuracy, train, type ModelConfig } from '../../trainer/index.ts';
import { selectTrainingBackend } from '../../trainer/node.ts';
import { loadCliDataset } from '../cli/cli-dataset.ts';
import type { ProgressLog } from './progress-log.ts';
import { percentile, round } from './stats.ts';
import { abbaOrder, Turns } from './train-bench-turns.ts';

type Backend = 'wasm' | 'cpu';

/** The mnist-cnn fixture's training recipe (scripts/make-fixtures.ts). */
export const BACKENDS_RECIPE = { batchSize: 32, learningRate: 0.002, optimizer: 'adam', seed: 1 } as const;

/** What to run. */
export interface BackendsCase {
  examples: number;
  /** Timed epochs per side (after one warm-up epoch each); even. */
  epochs: number;
}

/** One result of the comparison. */
export interface BackendsEntry {
  model: 'cnn';
  params: number;
  examples: number;
  batch_size: number;
  learning_rate: number;
  /** Timed epochs per side (after one warm-up epoch each). */
  epochs: number;
  /** Gradient steps per side, warm-up included. */
  steps: number;
  wasm_samples_per_s: number;
  cpu_samples_per_s: number;
  /** wasm_samples_per_s / cpu_samples_per_s (medians). */
  wasm_vs_cpu: number;
  /** Mean training loss per epoch (warm-up first) of each side. */
  epoch_loss: Record<Backend, number[]>;
  /** Largest |Δ| between the two sides' per-step losses, over the first 20 steps and over all. */
  max_step_loss_diff_first_20: number;
  max_step_loss_diff: number;
  /** Accuracy on the held-out test digits after training. */
  test_accuracy: Record<Backend, number>;
  /** Seconds of every epoch, warm-up first. */
  epoch_seconds: Record<Backend, number[]>;
}

/** Trains the CNN on wasm and on cpu, turn by turn (ABBA), and compares speed, loss curves and test accuracy. */
export async function compareBackends(c: BackendsCase, progress: ProgressLog): Promise<BackendsEntry> {
  const data = await loadCliDataset('mnist', { trainLimit: c.examples, log: () => undefined });
  const config: ModelConfig = { kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: BACKENDS_RECIPE.seed };
  const models = new Map<Backend, ReturnType<typeof buildModel>>();
  for (const backend of ['wasm', 'cpu'] as const) {
    const selected = await selectTrainingBackend(backend, 'cnn');
    if (selected.backend !== backend) throw new Error(`asked for ${backend} but got ${selected.backend}: ${selected.note}`);
    models.set(backend, buildModel(config));
  }
  const count = data.train.y.length;
  const totalEpochs = c.epochs + 1;
  const turns = new Turns<Backend>(abbaOrder<Backend>('wasm', 'cpu', c.epochs));
  const stepLosses: Record<Backend, number[]> = { wasm: [], cpu: [] };
  progress.note(`── cnn, wasm vs cpu: ${models.get('wasm')!.countParams()} params, ${count} digits, batch ${BACKENDS_RECIPE.batchSize}, ${c.epochs} timed epochs per side (+1 warm-up)`);
  const run = async (backend: Backend) => {
    await turns.start(backend);
    await tf.setBackend(backend);
    return train(models.get(backend)!, { x: data.train.x, y: data.train.y, inputShape: [28, 28, 1] }, {
      epochs: totalEpochs,
      batchSize: BACKENDS_RECIPE.batchSize,
      learningRate: BACKENDS_RECIPE.learningRate,
      optimizer: BACKENDS_RECIPE.optimizer,
      seed: BACKENDS_RECIPE.seed,
      onBatch: (p) => stepLosses[backend].push(p.loss),
      onEpoch: async (summary) => {
        progress.note(`  ${backend.padEnd(4)} epoch ${summary.epoch}/${totalEpochs}: loss ${summary.loss.toFixed(4)}, ${summary.samplesPerSecond.toFixed(0)} samples/s`);
        await turns.epochDone(backend);
        // Back on turn: the other side left its own backend active. (After a side's last
        // epoch epochDone returns at once while the other side trains: leave its backend be.)
        if (summary.epoch < totalEpochs) await tf.setBackend(backend);
      },
    });
  };
  try {
    const failOther = (error: unknown) => {
      turns.fail(error);
      throw error;
    };
    const [wasmResult, cpuResult] = await Promise.all([run('wasm').catch(failOther), run('cpu').catch(failOther)]);
    const accuracy = async (backend: Backend) => {
      await tf.setBackend(backend);
      return round(evaluateAccuracy(models.get(backend)!, data.test.x, data.test.y), 4);
    };
    const rate = (backend: Backend) => percentile(turns.seconds[backend].slice(1).map((s) => count / s), 50);
    const diffs = stepLosses.wasm.map((loss, i) => Math.abs(loss - stepLosses.cpu[i]!));
    return {
      model: 'cnn',
      params: models.get('wasm')!.countParams(),
      examples: count,
      batch_size: BACKENDS_RECIPE.batchSize,
      learning_rate: BACKENDS_RECIPE.learningRate,
      epochs: c.epochs,
      steps: stepLosses.wasm.length,
      wasm_samples_per_s: round(rate('wasm'), 0),
      cpu_samples_per_s: round(rate('cpu'), 0),
      wasm_vs_cpu: round(rate('wasm') / rate('cpu'), 2),
      epoch_loss: { wasm: wasmResult.history.map((h) => round(h.loss, 4)), cpu: cpuResult.history.map((h) => round(h.loss, 4)) },
      max_step_loss_diff_first_20: Number(Math.max(...diffs.slice(0, 20)).toExponential(2)),
      max_step_loss_diff: Number(Math.max(...diffs).toExponential(2)),
      test_accuracy: { wasm: await accuracy('wasm'), cpu: await accuracy('cpu') },
      epoch_seconds: { wasm: turns.seconds.wasm.map((s) => round(s, 3)), cpu: turns.seconds.cpu.map((s) => round(s, 3)) },
    };
  } finally {
    for (const model of models.values()) model.dispose();
  }
}

/** The comparison as a Markdown table. */
export function backendsTable(e: BackendsEntry): string[] {
  return [
    '| model | params | digits | batch | timed epochs per side | wasm samples/s | cpu samples/s | wasm_vs_cpu | epoch losses wasm | epoch losses cpu | max step-loss Δ (first 20 / all) | test accuracy wasm / cpu |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${e.model} | ${e.params} | ${e.examples} | ${e.batch_size} | ${e.epochs} | ${e.wasm_samples_per_s} | ${e.cpu_samples_per_s} | ${e.wasm_vs_cpu.toFixed(2)} | ${e.epoch_loss.wasm.map((l) => l.toFixed(3)).join(', ')} | ${e.epoch_loss.cpu.map((l) => l.toFixed(3)).join(', ')} | ${e.max_step_loss_diff_first_20} / ${e.max_step_loss_diff} | ${e.test_accuracy.wasm.toFixed(3)} / ${e.test_accuracy.cpu.toFixed(3)} |`,
  ];
}
