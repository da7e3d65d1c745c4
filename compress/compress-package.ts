/**
 * The compressor's pipeline: for each edge target, prune (optionally, with a short
 * fine-tune through the trainer), quantize and write one artifact (tfjs or ONNX) into
 * the package, check it against the target's size budget, run it on the test split
 * and compare with the fp32 model (accuracy on labelled data; top-1 agreement and
 * output differences always, and only those on unlabelled data),
 * then re-sign the manifest with the new artifacts and their metrics. Nothing is
 * returned — so nothing is written — when any budget cannot be met.
 *
 * Environment-agnostic: the caller provides how to run an artifact (`runArtifact`),
 * since onnxruntime-web is imported differently in Node and in the browser worker.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { sizeBudgetBytes, targetRecipes, recipePrecision as targetPrecision, type CompressionRecipe, type EdgeTarget } from '../devices/index.ts';
import { createPackage, type Artifact, type BuiltPackage, type Manifest, type SigningKeyPair } from '../format/index.ts';
import type { TrainingData } from '../trainer/index.ts';
import { cloneModel, predictRows, type RunArtifact } from './artifact-io.ts';
import { targetArtifactFields } from './target-artifact-fields.ts';
import { compareOutputs, type OutputComparison } from './compare-outputs.ts';
import { CompressError } from './compress-error.ts';
import { checkEvaluationSet, type EvaluationSet } from './evaluation-data.ts';
import { exportOnnxWithReport } from './onnx-export.ts';
import { fineTunePruned } from './prune/fine-tune-pruned.ts';
import { magnitudePrune } from './prune/magnitude-prune.ts';
import { sparsityReport } from './prune/sparsity-report.ts';
import { quantizedTfjsArtifactFiles, type QuantRecipe } from './quantize/quantized-tfjs-artifact.ts';

export type { RunArtifact } from './artifact-io.ts';

/** Input of {@link compressPackage}. */
export interface CompressPackageInput {
  /** The package to add artifacts to (its manifest and files). */
  manifest: Manifest;
  files: ReadonlyMap<string, Uint8Array>;
  /** The fp32 model (loaded from the package's tfjs artifact). */
  model: LayersModel;
  targets: readonly EdgeTarget[];
  /**
   * Held-out examples: accuracy (when labelled), agreement, output differences. Without
   * labels (`y`) each artifact is measured by its agreement with the fp32 model only.
   */
  test: EvaluationSet;
  /** Training data for a pruning recipe's fine-tune. */
  train?: TrainingData;
  runArtifact: RunArtifact;
  signingKey?: SigningKeyPair;
  onProgress?: (message: string) => void;
}

/** One artifact's line of `compress-report.json`. */
export interface CompressReportEntry {
  target: string;
  artifact: string;
  engine: 'tfjs' | 'onnx';
  precision: Artifact['precision'];
  recipe: CompressionRecipe;
  when?: string;
  bytes: number;
  fp32Bytes: number;
  bytesRatio: number;
  budgetBytes: number;
  /**
   * What the artifact was measured on: `labelled` data give accuracies; `unlabelled` data
   * only the agreement with the fp32 model (`top1Agreement`, output differences).
   */
  evaluation: { examples: number; labels: 'labelled' | 'unlabelled' };
  /** Top-1 accuracy on the labelled evaluation data (absent on unlabelled data). */
  accuracy?: number;
  /** The fp32 model's accuracy on the same data (absent on unlabelled data). */
  fp32Accuracy?: number;
  /** Percentage points lost against fp32 (absent on unlabelled data). */
  accuracyDropPt?: number;
  /** Fraction of examples whose top-1 class is the fp32 model's. */
  top1Agreement: number;
  maxAbsDiff: number;
  meanAbsDiff: number;
  sparsity?: number;
  notes: string[];
  /** p50 ms per backend, filled in by a Chromium measurement (`npm run compress -- --latency`). */
  latencyP50Ms?: Record<string, number>;
}

/** What {@link compressPackage} produces. */
export interface CompressedPackage {
  built: BuiltPackage;
  report: { format: 'edgeloop-compress-report/1'; package: string; createdAt: string; entries: CompressReportEntry[] };
}

/**
 * Builds one artifact per target recipe (and per fallback recipe), evaluates each
 * against `model`, and re-builds the package with them (see the file header). Each new
 * artifact carries `device`, `requires` and `fallbackWhen` as {@link targetArtifactFields}
 * derives them from its target.
 *
 * @throws CompressError `BUDGET_EXCEEDED` (nothing built) when a target's size budget
 *   cannot be met; `PACKAGE_INVALID` when the package has no fp32 tfjs artifact;
 *   `UNSUPPORTED_LAYER` (and friends) when an ONNX recipe meets a layer the exporter
 *   cannot convert; `RECIPE_INVALID` / `TRAINING_DATA_MISSING` for a pruning recipe it cannot run.
 */
export async function compressPackage(input: CompressPackageInput): Promise<CompressedPackage> {
  const { manifest, model, test, onProgress = () => undefined } = input;
  const tfjsArtifact = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
  if (!tfjsArtifact) throw new CompressError('PACKAGE_INVALID', `${manifest.name}@${manifest.version} has no fp32 tfjs artifact to compress from`, { details: { field: 'artifacts' } });
  const classes = manifest.output.shape[manifest.output.shape.length - 1]!;
  const { count: examples, shape: inputShape } = checkEvaluationSet(test, manifest.input.shape.slice(1), classes);
  const labelled = test.y !== undefined;
  const fp32Bytes = tfjsArtifact.files.reduce((sum, f) => sum + f.bytes, 0);
  const reference = await predictRows(model, test.x, inputShape);

  const newArtifacts: Array<{ artifact: Omit<Artifact, 'files'> & { files: Array<{ path: string; data: Uint8Array }> }; entry: CompressReportEntry }> = [];
  const failures: string[] = [];
  for (const target of input.targets) {
    for (const { recipe, when } of targetRecipes(target)) {
      const precision = targetPrecision(recipe);
      const id = `${recipe.engine}-${precision}-${target.id}${when ? `-${when}` : ''}`;
      onProgress(`${id}: ${describeRecipe(recipe)}`);
      const { candidate, sparsity } = await prepareModel(model, recipe, input.train, onProgress, id);
      try {
        const calibration = calibrationRows(input.train?.x ?? test.x, inputShape);
        const { files, notes } = await writeArtifact(candidate, recipe, id, manifest, wasmOnly(target) ? calibration : undefined);
        const bytes = files.reduce((sum, f) => sum + f.data.byteLength, 0);
        const budgetBytes = sizeBudgetBytes(target, fp32Bytes);
        if (bytes > budgetBytes) {
          failures.push(`${id}: the smallest it got is ${bytes} bytes, over the ${target.id} budget of ${budgetBytes} (${(bytes / fp32Bytes).toFixed(3)}× of fp32 ${fp32Bytes})`);
          continue;
        }
        const map = new Map(files.map((f) => [f.path, f.data]));
        const outputs = await input.runArtifact({ engine: recipe.engine, files: map, paths: files.map((f) => f.path) }, test.x, inputShape);
        const comparison: OutputComparison = compareOutputs(reference, outputs, classes, labelled ? { labels: test.y } : {});
        const entry: CompressReportEntry = {
          target: target.id,
          artifact: id,
          engine: recipe.engine,
          precision,
          recipe,
          ...(when ? { when } : {}),
          bytes,
          fp32Bytes,
          bytesRatio: bytes / fp32Bytes,
          budgetBytes,
          evaluation: { examples, labels: labelled ? 'labelled' : 'unlabelled' },
          ...(labelled ? { accuracy: comparison.accuracy!, fp32Accuracy: comparison.referenceAccuracy!, accuracyDropPt: 100 * comparison.accuracyDrop! } : {}),
          top1Agreement: comparison.top1Agreement,
          maxAbsDiff: comparison.maxAbsDiff,
          meanAbsDiff: comparison.meanAbsDiff,
          ...(sparsity === undefined ? {} : { sparsity }),
          notes,
        };
        onProgress(`${id}: ${bytes} bytes (${entry.bytesRatio.toFixed(3)}× fp32), ${describeQuality(entry)}`);
        newArtifacts.push({ artifact: { id, engine: recipe.engine, precision, target: target.id, ...targetArtifactFields(target, recipe, when), files }, entry });
      } finally {
        if (candidate !== model) candidate.dispose();
      }
    }
  }
  if (failures.length > 0) {
    throw new CompressError('BUDGET_EXCEEDED', `size budget not met, nothing written: ${failures.join('; ')}; choose a smaller recipe or a larger budget`, { details: { failures } });
  }

  // Keep what the package had (minus artifacts this run rebuilds), add the new ones.
  const rebuilt = new Set(newArtifacts.map((a) => a.artifact.id));
  const kept = manifest.artifacts
    .filter((a) => !rebuilt.has(a.id))
    .map((a) => ({ ...a, files: a.files.map((f) => ({ path: f.path, data: input.files.get(f.path)! })) }));
  // A rebuilt artifact's old figures (an accuracy measured on other data, latencies) go with it.
  const metrics = Object.fromEntries(Object.entries(manifest.metrics).filter(([key]) => ![...rebuilt].some((id) => key.startsWith(`${id}.`))));
  for (const { entry } of newArtifacts) {
    if (entry.accuracy !== undefined) metrics[`${entry.artifact}.accuracy`] = entry.accuracy;
    metrics[`${entry.artifact}.bytes_ratio`] = entry.bytesRatio;
    metrics[`${entry.artifact}.top1_agreement`] = entry.top1Agreement;
  }
  const { format: _format, artifacts: _artifacts, ...rest } = manifest;
  const built = await createPackage({
    manifest: { ...rest, metrics },
    artifacts: [...kept, ...newArtifacts.map((a) => a.artifact)],
    signingKey: input.signingKey,
  });
  return {
    built,
    report: { format: 'edgeloop-compress-report/1', package: `${manifest.name}@${manifest.version}`, createdAt: new Date().toISOString(), entries: newArtifacts.map((a) => a.entry) },
  };
}

/** The model the recipe quantizes: the fp32 model, or a pruned (and fine-tuned) copy. */
async function prepareModel(model: LayersModel, recipe: CompressionRecipe, train: TrainingData | undefined, onProgress: (m: string) => void, id: string): Promise<{ candidate: LayersModel; sparsity?: number }> {
  if (recipe.pruning === 'none') return { candidate: model };
  if (recipe.pruning.structured) {
    throw new CompressError('RECIPE_INVALID', `${id}: structured pruning is not wired into the compressor pipeline yet; use unstructured pruning`, { details: { field: 'recipe.pruning.structured' } });
  }
  const candidate = await cloneModel(model);
  const masks = await magnitudePrune(candidate, { sparsity: recipe.pruning.sparsity });
  if (recipe.pruning.fineTuneEpochs > 0) {
    if (!train) throw new CompressError('TRAINING_DATA_MISSING', `${id}: the recipe fine-tunes after pruning, which needs training data; pass the job's train set`, { details: { field: 'train' } });
    onProgress(`${id}: fine-tuning ${recipe.pruning.fineTuneEpochs} epoch(s) at ${(recipe.pruning.sparsity * 100).toFixed(0)} % sparsity`);
    await fineTunePruned(candidate, masks, train, { epochs: recipe.pruning.fineTuneEpochs, learningRate: 0.0005, batchSize: 64, seed: 1 });
  }
  return { candidate, sparsity: (await sparsityReport(candidate)).sparsity };
}

/**
 * Targets that run ONNX only on `ort-wasm`: their int8 kernels go to ONNX Runtime's
 * integer kernels (static activation quantization) where those are faster, and are
 * expanded to float at load elsewhere — never DequantizeLinear per call, which on the
 * CPU costs time at every prediction. Targets with WebGPU keep DequantizeLinear (the
 * WebGPU EP dequantizes on the GPU).
 */
function wasmOnly(target: EdgeTarget): boolean {
  return target.backends.every((b) => b === 'ort-wasm' || b === 'tfjs-wasm' || b === 'tfjs-cpu');
}

/** Up to 256 evaluation or training inputs, spread over the set, to calibrate activation ranges. */
function calibrationRows(x: Float32Array, inputShape: readonly number[]): Float32Array {
  const row = inputShape.reduce((a, b) => a * b, 1);
  const count = x.length / row;
  const take = Math.min(256, count);
  const out = new Float32Array(take * row);
  for (let i = 0; i < take; i++) {
    const from = Math.floor((i * count) / take) * row;
    out.set(x.subarray(from, from + row), i * row);
  }
  return out;
}

async function writeArtifact(
  model: LayersModel,
  recipe: CompressionRecipe,
  id: string,
  manifest: Manifest,
  calibration?: Float32Array,
): Promise<{ files: Array<{ path: string; data: Uint8Array }>; notes: string[] }> {
  const quant: QuantRecipe = Object.fromEntries(Object.entries(recipe.precision).filter(([, scheme]) => scheme !== 'fp32')) as QuantRecipe;
  if (recipe.engine === 'tfjs') {
    return { files: await quantizedTfjsArtifactFiles(model, { dir: id, recipe: quant }), notes: [] };
  }
  const int8 = Object.values(quant).some((scheme) => scheme === 'int8-per-channel' || scheme === 'int8-per-tensor' || scheme === 'uint8-per-tensor');
  const wasmForm = calibration !== undefined && int8;
  const result = exportOnnxWithReport(model, {
    inputName: manifest.input.name,
    outputName: manifest.output.name,
    quantization: { recipe: quant, ...(wasmForm ? { weightDequantization: 'at-load' as const, activations: { calibration } } : {}) },
  });
  const notes = wasmForm
    ? [...result.notes, `ort-wasm form: uint8 activations calibrated on ${calibration.length / (manifest.input.shape.slice(1) as number[]).reduce((a, b) => a * b, 1)} inputs around the convolutions with long reductions (QLinearConv), other int8 kernels expanded to float at load`]
    : result.notes;
  return { files: [{ path: `${id}/model.onnx`, data: result.bytes }], notes };
}

/** The progress line's measure: accuracy against fp32 on labelled data, else agreement only, said as such. */
function describeQuality(entry: CompressReportEntry): string {
  const agreement = `top-1 agreement with fp32 ${(entry.top1Agreement * 100).toFixed(1)} %`;
  if (entry.accuracy === undefined || entry.accuracyDropPt === undefined) return `${agreement} on ${entry.evaluation.examples} unlabelled examples (no accuracy without labels)`;
  const drop = entry.accuracyDropPt;
  return `accuracy ${(entry.accuracy * 100).toFixed(2)} % (${drop > 0 ? '−' : '+'}${Math.abs(drop).toFixed(2)} pt vs fp32), ${agreement}`;
}

function describeRecipe(recipe: CompressionRecipe): string {
  const schemes = [...new Set(Object.values(recipe.precision))].join('/');
  return `${recipe.engine} ${schemes}${recipe.pruning === 'none' ? '' : `, pruned to ${(recipe.pruning.sparsity * 100).toFixed(0)} %`}`;
}
