/**
 * Reading a tfjs layers artifact (model.json + weight shards) from verified bytes: the
 * one place that does it, for the runtime's tfjs engine and for tools (the compressor,
 * benchmarks) that load an artifact in memory.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { EdgeloopError } from '../../format/index.ts';
import { dequantizeTfjsWeights } from './dequantize-tfjs-weights.ts';
import type { ArtifactBytes } from './types.ts';

interface WeightsManifestGroup {
  paths: string[];
  weights: TfCore.io.WeightsManifestEntry[];
}

/**
 * Builds tfjs's in-memory model artifacts (`tf.io.fromMemory`'s argument) from the
 * files of a `tfjs` artifact: `paths[0]` is its `model.json`, the weight shards sit
 * next to it. Weights stored in edgeloop's own schemes are decoded to float32. Throws
 * `MODEL_LOAD_FAILED` when a file is missing or `model.json` is not a layers model.
 */
export function readTfjsArtifact(files: ArtifactBytes, paths: readonly string[]): TfCore.io.ModelArtifacts {
  const artifactPaths = paths;
  const modelJsonPath = artifactPaths[0];
  const modelJsonBytes = modelJsonPath === undefined ? undefined : files.get(modelJsonPath);
  if (!modelJsonPath || !modelJsonBytes) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', 'tfjs artifact has no model.json as its first file', { details: { files: artifactPaths } });
  }
  let modelJson: { modelTopology?: unknown; weightsManifest?: WeightsManifestGroup[] };
  try {
    modelJson = JSON.parse(new TextDecoder().decode(modelJsonBytes));
  } catch (cause) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', `${modelJsonPath} is not valid JSON`, { details: { path: modelJsonPath }, cause });
  }
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', `${modelJsonPath} lacks modelTopology or weightsManifest (not a tfjs layers model)`, {
      details: { path: modelJsonPath },
    });
  }
  const dir = modelJsonPath.includes('/') ? modelJsonPath.slice(0, modelJsonPath.lastIndexOf('/') + 1) : '';
  const shards: Uint8Array[] = [];
  const weightSpecs: TfCore.io.WeightsManifestEntry[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shardPath of group.paths) {
      const shard = files.get(dir + shardPath);
      if (!shard) {
        throw new EdgeloopError('MODEL_LOAD_FAILED', `${modelJsonPath} names weight shard ${shardPath}, which the manifest does not list`, {
          details: { path: dir + shardPath },
        });
      }
      shards.push(shard);
    }
  }
  const weightData = new Uint8Array(shards.reduce((sum, s) => sum + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  // Weights the compressor stored in schemes tfjs lacks (int8 per channel, int4 blocks)
  // become float32 here; tfjs decodes its own (float16, uint8) itself.
  const decoded = dequantizeTfjsWeights(weightSpecs, weightData);
  return { modelTopology: modelJson.modelTopology as object, weightSpecs: decoded.weightSpecs, weightData: decoded.weightData };
}
