/**
 * A retrained version ships to the same devices as its parent: every artifact the parent
 * had beside its fp32 tfjs one is built again from the candidate, so a phone that ran the
 * parent's int8 ONNX gets the new version's int8 ONNX, not a four times larger fp32 model.
 *
 * - `onnx` / `fp32` / `generic` (what the trainer and `npm run import` write): the
 *   candidate exported to ONNX, run on the test split and checked against the candidate
 *   (top-1 agreement ≥ 0.999, |Δlogit| ≤ 1e-3), so a broken export never ships.
 * - an artifact built for an edge target (its `target` names one in `devices/targets.json`):
 *   the compressor's recipe for that target, with its size budget and its report line
 *   (accuracy, agreement, bytes) in the new manifest's metrics, as `npm run compress` does.
 * - anything else (an artifact of a target this worker does not know): not carried over,
 *   and said in the job's log — the fp32 tfjs artifact always is.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { compareOutputs, compressPackage, exportOnnx, predictRows, type CompressReportEntry, type RunArtifact } from '../../compress/index.ts';
import { getEdgeTarget, isEdgeTargetError, type EdgeTarget, type EdgeTargetSource } from '../../devices/index.ts';
import { createPackage, type BuiltPackage, type Manifest, type SigningKeyPair } from '../../format/index.ts';

/** Labelled rows of model input values. */
type LabelledRows = { x: Float32Array; y: Uint8Array };

/** What {@link buildLikeParent} needs. */
export interface LikeParentInput {
  parent: Manifest;
  /** The candidate's package as the trainer built it (its fp32 tfjs artifact). */
  built: BuiltPackage;
  model: LayersModel;
  test: LabelledRows;
  train: LabelledRows;
  runArtifact: RunArtifact;
  signingKey: SigningKeyPair;
  targets?: EdgeTargetSource;
  log(line: string): unknown;
}

/** The package with the parent's artifact set, and what was built and left out. */
export interface LikeParent {
  built: BuiltPackage;
  /** Artifact ids built again. */
  rebuilt: string[];
  /** Parent artifacts not carried over, with why. */
  dropped: Array<{ id: string; reason: string }>;
  /** The compressor's report lines of the edge-target artifacts. */
  compressed: CompressReportEntry[];
}

/** Top-1 agreement and output difference an fp32 ONNX export must reach to ship. */
const FP32_EXPORT_CHECK = { minAgreement: 0.999, maxAbsDiff: 1e-3 };

/** Builds the parent's artifacts again from `model` (see the file header). */
export async function buildLikeParent(input: LikeParentInput): Promise<LikeParent> {
  const { parent, model, test, runArtifact, log } = input;
  let built = input.built;
  const rebuilt: string[] = [];
  const dropped: LikeParent['dropped'] = [];
  const targets: EdgeTarget[] = [];
  const inputShape = built.manifest.input.shape.slice(1);
  const classes = built.manifest.output.shape.at(-1)!;

  for (const artifact of parent.artifacts) {
    if (artifact.engine === 'tfjs' && artifact.precision === 'fp32' && artifact.target === 'generic') continue;
    if (artifact.engine === 'onnx' && artifact.precision === 'fp32' && artifact.target === 'generic') {
      await log(`${artifact.id}: exporting the candidate to ONNX`);
      const bytes = exportOnnx(model, { inputName: built.manifest.input.name, outputName: built.manifest.output.name });
      const path = artifact.files[0]?.path ?? 'onnx/model.onnx';
      const outputs = await runArtifact({ engine: 'onnx', files: new Map([[path, bytes]]), paths: [path] }, test.x, inputShape);
      const check = compareOutputs(await predictRows(model, test.x, inputShape), outputs, classes, { labels: test.y });
      if (check.top1Agreement < FP32_EXPORT_CHECK.minAgreement || check.maxAbsDiff > FP32_EXPORT_CHECK.maxAbsDiff) {
        dropped.push({ id: artifact.id, reason: `the ONNX export disagrees with the candidate (top-1 agreement ${check.top1Agreement.toFixed(4)}, max |Δ| ${check.maxAbsDiff.toExponential(2)})` });
        continue;
      }
      built = await withArtifact(built, { id: artifact.id, engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path, data: bytes }] }, input.signingKey);
      rebuilt.push(artifact.id);
      continue;
    }
    try {
      const target = getEdgeTarget(artifact.target, input.targets);
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    } catch (error) {
      if (!isEdgeTargetError(error)) throw error;
      dropped.push({ id: artifact.id, reason: `its target ${JSON.stringify(artifact.target)} is not an edge target this worker knows (${error.message})` });
    }
  }

  let compressed: CompressReportEntry[] = [];
  if (targets.length > 0) {
    await log(`compressing for ${targets.map((t) => t.id).join(', ')} (the parent's edge targets)`);
    const result = await compressPackage({
      manifest: built.manifest,
      files: built.files,
      model,
      targets,
      test,
      train: { x: input.train.x, y: input.train.y, inputShape },
      runArtifact,
      signingKey: input.signingKey,
      onProgress: (message) => void log(message),
    });
    built = result.built;
    compressed = result.report.entries;
    rebuilt.push(...compressed.map((e) => e.artifact));
    for (const e of compressed) await log(`${e.artifact}: ${e.bytes} bytes (${e.bytesRatio.toFixed(3)}× fp32), accuracy ${(e.accuracy! * 100).toFixed(1)} % (fp32 ${(e.fp32Accuracy! * 100).toFixed(1)} %), top-1 agreement ${e.top1Agreement.toFixed(3)}`);
  }
  for (const d of dropped) await log(`${d.id} is not carried over: ${d.reason}`);
  return { built, rebuilt, dropped, compressed };
}

/** `built` with one more artifact (re-signed). */
async function withArtifact(built: BuiltPackage, artifact: { id: string; engine: 'onnx'; precision: 'fp32'; target: string; files: Array<{ path: string; data: Uint8Array }> }, signingKey: SigningKeyPair): Promise<BuiltPackage> {
  const { format: _format, artifacts, ...rest } = built.manifest;
  const kept = artifacts.map((a) => ({ ...a, files: a.files.map((f) => ({ path: f.path, data: built.files.get(f.path)! })) }));
  return createPackage({ manifest: rest, artifacts: [...kept, artifact], signingKey });
}
