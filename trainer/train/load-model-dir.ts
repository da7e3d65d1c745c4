/**
 * Node-only: loads a tfjs layers model from a folder holding `model.json` and its
 * weight shards (what {@link writeTrainingOutput} writes to `<out>/model`), e.g. a
 * distillation teacher.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TrainerError } from '../errors.ts';
import type { TfjsModelJson } from '../package/tfjs-artifact.ts';
import { MODEL_DIR } from './write-training-output.ts';

/**
 * Loads the model in `dir`, or in `dir/model` when `dir` is a training output
 * folder.
 *
 * @throws {TrainerError} `CONFIG_INVALID` when there is no readable `model.json`.
 */
export async function loadModelDir(dir: string): Promise<tfl.LayersModel> {
  const folder = (await isFile(join(dir, 'model.json'))) ? dir : join(dir, MODEL_DIR);
  const jsonPath = join(folder, 'model.json');
  let modelJson: TfjsModelJson;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as TfjsModelJson;
  } catch (error) {
    throw new TrainerError('CONFIG_INVALID', `cannot read a tfjs model.json at ${jsonPath}; pass a folder written by npm run train`, {
      details: { file: jsonPath },
      cause: error,
    });
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(join(folder, p))));
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightData.buffer }));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // A missing path simply means "not here"; the caller then tries the other layout.
    return false;
  }
}
