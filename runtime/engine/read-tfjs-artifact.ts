/**
 * Reading a tfjs layers artifact (model.json + weight shards) from verified bytes: the
 * one place that does it, for the runtime's tfjs engine and for tools (the compressor,
 * benchmarks) that load an artifact in memory.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { concatBytes, EdgeloopError } from '../../format/index.ts';
import { dequantizeTfjsWeights, type EdgeloopWeightSpec } from './dequantize-tfjs-weights.ts';
import type { ArtifactBytes } from './types.ts';

interface WeightsManifestGroup {
  paths: string[];
  weights: TfCore.io.WeightsManifestEntry[];
}

/** The parts of model.json a graph model carries besides its topology and weights. */
const GRAPH_KEYS = ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const;

type ModelJson = { modelTopology?: unknown; weightsManifest?: WeightsManifestGroup[] } & Partial<Record<(typeof GRAPH_KEYS)[number], unknown>>;

/**
 * Builds tfjs's in-memory model artifacts (`tf.io.fromMemory`'s argument) from the
 * files of a `tfjs` artifact: `paths[0]` is its `model.json`, the weight shards sit
 * next to it. Weights stored in edgeloop's own schemes are decoded to float32. Layers
 * and graph models both read here ({@link isGraphModel} tells them apart). Throws
 * `MODEL_LOAD_FAILED` when a file is missing or `model.json` is neither.
 */
export function readTfjsArtifact(files: ArtifactBytes, paths: readonly string[]): TfCore.io.ModelArtifacts {
  const artifactPaths = paths;
  const modelJsonPath = artifactPaths[0];
  const modelJsonBytes = modelJsonPath === undefined ? undefined : files.get(modelJsonPath);
  if (!modelJsonPath || !modelJsonBytes) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', 'tfjs artifact has no model.json as its first file', { details: { files: artifactPaths } });
  }
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(modelJsonBytes));
  } catch (cause) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', `${modelJsonPath} is not valid JSON`, { details: { path: modelJsonPath }, cause });
  }
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new EdgeloopError('MODEL_LOAD_FAILED', `${modelJsonPath} lacks modelTopology or weightsManifest (not a tfjs layers or graph model)`, {
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
  // Weights the compressor stored in schemes tfjs lacks (int8 per channel, int4 blocks)
  // become float32 here; tfjs decodes its own (float16, uint8) itself. Other weights stay
  // in their shards: tfjs reads a weight across shards itself (a list of buffers), so the
  // bytes are not copied into one buffer first — for MobileNetV2 that is 14 MB of fresh
  // memory less at every load (~40 ms where first-touched memory is slow).
  const decoded = (weightSpecs as EdgeloopWeightSpec[]).some((spec) => spec.edgeloopQuantization !== undefined)
    ? dequantizeTfjsWeights(weightSpecs, concatBytes(shards))
    : { weightSpecs, weightData: shards.length === 1 ? ownBuffer(shards[0]!) : shards.map(ownBuffer) };
  const artifacts: TfCore.io.ModelArtifacts = { modelTopology: modelJson.modelTopology as object, weightSpecs: decoded.weightSpecs, weightData: decoded.weightData };
  // What a graph model needs besides its GraphDef: its format tag, signature and initializer.
  for (const key of GRAPH_KEYS) if (modelJson[key] !== undefined) Object.assign(artifacts, { [key]: modelJson[key] });
  return artifacts;
}

/**
 * True for a tfjs graph model (a converted TensorFlow SavedModel or frozen graph: a
 * GraphDef with `node`s), false for a layers model (a Keras topology).
 */
export function isGraphModel(artifacts: TfCore.io.ModelArtifacts): boolean {
  if (artifacts.format !== undefined) return artifacts.format === 'graph-model';
  const topology = artifacts.modelTopology as { node?: unknown } | undefined;
  return Array.isArray(topology?.node);
}

/** The shard's bytes as an ArrayBuffer of their own: its buffer when the view covers it all, else a copy. */
function ownBuffer(shard: Uint8Array): ArrayBuffer {
  return shard.byteOffset === 0 && shard.byteLength === shard.buffer.byteLength && shard.buffer instanceof ArrayBuffer ? shard.buffer : (shard.slice().buffer as ArrayBuffer);
}
