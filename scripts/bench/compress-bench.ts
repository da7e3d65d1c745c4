/**
 * `npm run bench -- compress`: what each compression variant costs and saves on an
 * MNIST CNN the bench trains itself (fixed seed, the trainer's split). For each variant
 * the weights are stored as the compressor stores them in a tfjs artifact, decoded as
 * the runtime decodes them, and the model is run on the 1,000 held-out digits; compared
 * with the fp32 model of the same run: bytes of the weight shards, accuracy drop (points)
 * and top-1 agreement. The same variants as ONNX (what onnxruntime-web runs) are sized
 * too, graph overhead included.
 *
 * Then a MobileNetV2 (α 0.35, MNIST at 32×32 RGB, trained on tfjs-wasm; recipe in
 * `compress-mobilenet.ts`): per ONNX variant and backend `{ variant, backend,
 * bytes_ratio, p50_ratio, agreement }`, p50_ratio against the fp32 ONNX model on the
 * same backend, interleaved in one run, with a second fp32 session as the noise control.
 *
 * Options: `--epochs <n>` (default 3), `--mobilenet-train <n>` digits (default 8000,
 * all the training digits), `--mobilenet-epochs <n>` (default 3; the defaults reach
 * ~97 % in 6.5–8 min on 2 cores), `--mobilenet-rounds <n>` timed calls per variant
 * (default 3000, in blocks of 10; one call is ~1 ms), `--no-mobilenet`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import {
  cloneModel,
  compareOutputs,
  exportOnnx,
  fineTunePruned,
  loadTfjsArtifact,
  magnitudePrune,
  predictRows,
  quantizedTfjsArtifactFiles,
  type QuantRecipe,
  type QuantScheme,
} from '../../compress/index.ts';
import { buildModel, registerFastCpuKernels, train, type ModelConfig } from '../../trainer/index.ts';
import { loadCliDataset } from '../cli/cli-dataset.ts';
import type { Benchmark } from './benchmark.ts';
import { mobileNetRows, type MobileNetEntry } from './compress-mobilenet.ts';
import { round } from './stats.ts';

interface Variant {
  variant: string;
  scheme: QuantScheme;
  prune?: number;
  target: { bytesRatio: number; accDropPt: number };
}

const VARIANTS: Variant[] = [
  { variant: 'fp16', scheme: 'fp16', target: { bytesRatio: 0.51, accDropPt: 0.1 } },
  { variant: 'int8-per-channel', scheme: 'int8-per-channel', target: { bytesRatio: 0.27, accDropPt: 0.5 } },
  { variant: 'uint8-per-tensor', scheme: 'uint8-per-tensor', target: { bytesRatio: Infinity, accDropPt: Infinity } },
  { variant: 'int4-block32', scheme: 'int4-block', target: { bytesRatio: 0.16, accDropPt: 1.5 } },
  { variant: 'int8-pruned-50', scheme: 'int8-per-channel', prune: 0.5, target: { bytesRatio: 0.27, accDropPt: 0.5 } },
];

export interface CompressEntry {
  variant: string;
  bytes_ratio: number;
  acc_drop_pt: number;
  top1_agreement: number;
  onnx_bytes_ratio: number;
}

export const compressBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        epochs: { type: 'string', default: '3' },
        'mobilenet-train': { type: 'string', default: '8000' },
        'mobilenet-epochs': { type: 'string', default: '3' },
        'mobilenet-rounds': { type: 'string', default: '3000' },
        'no-mobilenet': { type: 'boolean', default: false },
      },
    });
    const epochs = Number(values.epochs);
    if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`--epochs must be a positive integer (got ${values.epochs})`);
    const started = performance.now();
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    registerFastCpuKernels();
    const data = await loadCliDataset('mnist');
    const config: ModelConfig = { kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: 1 };
    const model = buildModel(config);
    progress.note(`training the MNIST CNN (${model.countParams()} parameters), ${epochs} epochs on ${data.info.trainExamples} digits, cpu`);
    await train(model, data.train, { epochs, batchSize: 64, learningRate: 0.002, seed: 1, onEpoch: (e) => progress.note(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, val acc ${e.valAccuracy?.toFixed(4)}`) });
    const reference = await predictRows(model, data.test.x, [28, 28, 1]);
    const fp32Weights = weightBytes(await quantizedTfjsArtifactFiles(model, { dir: 'm', recipe: {} }));
    const fp32Onnx = exportOnnx(model).byteLength;

    const entries: CompressEntry[] = [];
    for (const v of VARIANTS) {
      let candidate = model;
      if (v.prune !== undefined) {
        candidate = await cloneModel(model);
        const masks = await magnitudePrune(candidate, { sparsity: v.prune });
        await fineTunePruned(candidate, masks, data.train, { epochs: 1, batchSize: 64, learningRate: 0.0005, seed: 1 });
      }
      const recipe: QuantRecipe = { Dense: v.scheme, Conv2D: v.scheme, DepthwiseConv2D: v.scheme, SeparableConv2D: v.scheme };
      const files = await quantizedTfjsArtifactFiles(candidate, { dir: 'm', recipe });
      const decoded = await loadTfjsArtifact(new Map(files.map((f) => [f.path, f.data])), files.map((f) => f.path));
      const outputs = await predictRows(decoded, data.test.x, [28, 28, 1]);
      decoded.dispose();
      const onnxBytes = exportOnnx(candidate, { quantization: { recipe, int4Storage: 'int4-blocked' } }).byteLength;
      const cmp = compareOutputs(reference, outputs, 10, { labels: data.test.y });
      const entry: CompressEntry = {
        variant: v.variant,
        bytes_ratio: round(weightBytes(files) / fp32Weights, 4),
        acc_drop_pt: round(100 * cmp.accuracyDrop!, 2),
        top1_agreement: round(cmp.top1Agreement, 4),
        onnx_bytes_ratio: round(onnxBytes / fp32Onnx, 4),
      };
      progress.note(`${v.variant}: ${JSON.stringify(entry)}`);
      entries.push(entry);
      if (candidate !== model) candidate.dispose();
    }
    const fp32Accuracy = compareOutputs(reference, reference, 10, { labels: data.test.y }).accuracy!;
    const byName = Object.fromEntries(entries.map((e) => [e.variant, e]));
    const met = (v: Variant) => {
      const e = byName[v.variant]!;
      if (v.variant === 'uint8-per-tensor') return '(baseline)';
      let ok = e.bytes_ratio <= v.target.bytesRatio && e.acc_drop_pt <= v.target.accDropPt;
      if (v.variant === 'int8-per-channel') ok &&= e.acc_drop_pt <= byName['uint8-per-tensor']!.acc_drop_pt && e.top1_agreement >= byName['uint8-per-tensor']!.top1_agreement;
      return ok ? 'yes' : '**no**';
    };
    const table = [
      `MNIST CNN, ${model.countParams()} parameters, fp32 test accuracy ${(fp32Accuracy * 100).toFixed(2)} % on ${data.info.testExamples} digits; fp32 weights ${fp32Weights} bytes (tfjs shards), ${fp32Onnx} bytes (ONNX file)`,
      '',
      '| variant | bytes_ratio (tfjs weights) | acc_drop_pt | top1_agreement | ONNX file ratio | target | met |',
      '|---|--:|--:|--:|--:|---|:-:|',
      ...VARIANTS.map((v) => {
        const e = byName[v.variant]!;
        const target = v.variant === 'uint8-per-tensor' ? 'comparison' : `≤ ${v.target.bytesRatio}, ≤ ${v.target.accDropPt} pt${v.variant === 'int8-per-channel' ? ', ≥ uint8' : ''}`;
        return `| ${e.variant} | ${e.bytes_ratio.toFixed(4)} | ${e.acc_drop_pt.toFixed(2)} | ${e.top1_agreement.toFixed(4)} | ${e.onnx_bytes_ratio.toFixed(4)} | ${target} | ${met(v)} |`;
      }),
    ].join('\n');
    model.dispose();
    const mobilenet = values['no-mobilenet']
      ? undefined
      : await mobileNetRows(data, {
          trainExamples: Number(values['mobilenet-train']),
          testExamples: Math.min(1000, data.info.testExamples),
          epochs: Number(values['mobilenet-epochs']),
          rounds: Number(values['mobilenet-rounds']),
          note: (m) => progress.note(m),
        });
    const mobileTable = mobilenet === undefined ? [] : [
      '',
      `MobileNetV2 α 0.35, 32×32 RGB digits, ${mobilenet.params} parameters, fp32 ONNX p50 ${mobilenet.fp32P50Ms.toFixed(3)} ms, fp32 test accuracy ${(mobilenet.fp32Accuracy * 100).toFixed(2)} % (last-epoch train accuracy ${(mobilenet.trainAccuracy * 100).toFixed(2)} %; trained ${mobilenet.trainSeconds.toFixed(0)} s on tfjs-wasm, ${mobilenet.trainExamples} digits × ${mobilenet.epochs} epochs); ONNX on ort-wasm in Node, one thread, p50 ÷ the fp32 ONNX p50 of the same run`,
      '',
      '| variant | backend | bytes_ratio | p50_ratio | p50_ratio after a switch | agreement | target | met |',
      '|---|---|--:|--:|--:|--:|---|:-:|',
      ...mobilenet.entries.map(
        (e) =>
          `| ${e.variant} | ${e.backend} | ${e.bytes_ratio.toFixed(4)} | ${e.p50_ratio.toFixed(3)} | ${e.p50_ratio_after_switch.toFixed(3)} | ${e.agreement.toFixed(4)} | ${mobileTarget(e, mobilenet.entries).join(' | ')} |`,
      ),
    ];
    return {
      json: {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: round(totalmem() / 2 ** 30, 1), os: `${platform()} ${release()}`, node: process.version },
        model: { config, params: model.countParams(), epochs, fp32Accuracy, fp32WeightBytes: fp32Weights, fp32OnnxBytes: fp32Onnx },
        entries,
        ...(mobilenet === undefined ? {} : { mobilenet }),
        seconds: round((performance.now() - started) / 1000, 1),
      },
      table: [table, ...mobileTable].join('\n'),
    };
  },
};

/**
 * Target and verdict of a MobileNetV2 row. Within the control's distance from 1.0
 * (at least 2 %) a ratio over 1.0 is 'noise': two sessions of the same fp32 model
 * differ that much in one run.
 */
function mobileTarget(e: MobileNetEntry, entries: MobileNetEntry[]): [target: string, met: string] {
  if (e.variant === 'fp32-control') return ['noise control', '–'];
  if (e.variant === 'int8-weights-dequantize-per-run') return ['comparison (written only for targets with a GPU backend)', '–'];
  if (e.variant === 'int8-static-qdq') return ['≤ 0.8, ≥ 0.99', e.p50_ratio <= 0.8 && e.agreement >= 0.99 ? 'yes' : '**no**'];
  const control = entries.find((c) => c.variant === 'fp32-control')?.p50_ratio ?? 1;
  return ['≤ 1.0', e.p50_ratio <= 1 ? 'yes' : e.p50_ratio <= 1 + Math.max(0.02, Math.abs(control - 1)) ? 'noise' : '**no**'];
}

function weightBytes(files: Array<{ path: string; data: Uint8Array }>): number {
  return files.filter((f) => f.path.endsWith('.bin')).reduce((sum, f) => sum + f.data.byteLength, 0);
}
