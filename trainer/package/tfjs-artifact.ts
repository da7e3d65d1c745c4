/**
 * Turns a tfjs layers model into the files of a `tfjs` package artifact: the
 * standard `model.json` (layers topology + weights manifest, loadable by
 * `tf.loadLayersModel`) followed by its weight shards.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MAX_SHARD_BYTES, type PackageFileInput } from '../../format/index.ts';

/** Options for {@link tfjsArtifactFiles}. */
export interface TfjsArtifactOptions {
  /** Folder of the files inside the package version folder, e.g. `tfjs`. */
  dir: string;
  /** Largest weight shard, in bytes. @defaultValue MAX_SHARD_BYTES (4 MiB) */
  shardBytes?: number;
}

/** The `model.json` of the tfjs layers-model format. */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/**
 * Serialises `model` without its optimizer state: returns `${dir}/model.json`
 * first, then `${dir}/group1-shard{i}of{n}.bin` (1-based `i`), each at most
 * `shardBytes`. Shards are cut at byte offsets, as tfjs-converter does; loaders
 * join a group's shards before splitting weights. A model without weights gets
 * one empty shard list.
 *
 * @throws {RangeError} when `shardBytes` is not a positive integer or `dir` is
 *   not a relative folder path.
 */
export async function tfjsArtifactFiles(model: LayersModel, options: TfjsArtifactOptions): Promise<PackageFileInput[]> {
  const { dir, shardBytes = MAX_SHARD_BYTES } = options;
  if (!Number.isInteger(shardBytes) || shardBytes <= 0) {
    throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const prefix = normalizeDir(dir);

  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined || captured.modelTopology === undefined || captured.weightSpecs === undefined) {
    throw new Error(`tfjs did not hand over the topology and weights of model '${model.name}'`);
  }
  const weights = joinWeightData(captured.weightData);
  const shardCount = Math.ceil(weights.byteLength / shardBytes);
  const shards: PackageFileInput[] = [];
  for (let i = 0; i < shardCount; i++) {
    const start = i * shardBytes;
    shards.push({
      path: `${prefix}group1-shard${i + 1}of${shardCount}.bin`,
      data: weights.slice(start, Math.min(start + shardBytes, weights.byteLength)),
    });
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers`,
    convertedBy: null,
    modelTopology: captured.modelTopology as object,
    weightsManifest: [{ paths: shards.map((s) => s.path.slice(prefix.length)), weights: captured.weightSpecs }],
  };
  const modelJsonFile = { path: `${prefix}model.json`, data: new TextEncoder().encode(JSON.stringify(modelJson)) };
  return [modelJsonFile, ...shards];
}

/** `dir` with one trailing slash (or empty), after checking it is a safe relative path. */
function normalizeDir(dir: string): string {
  const trimmed = dir.replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (trimmed.startsWith('/') || trimmed.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new RangeError(`dir must be a relative folder path without '.' or '..' parts, got '${dir}'`);
  }
  return `${trimmed}/`;
}

/** tfjs 4.x hands weights over as one ArrayBuffer or, for large models, a list of them. */
function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data.slice(0));
  const total = data.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of data) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}
