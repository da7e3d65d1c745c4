/**
 * The importer on real model files made by the tests (test-support/import-models.ts):
 * what it infers, that the files go into the package as they are, and that the engine
 * running the package's files gives what the engine gives on the source files.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxClassifier, ONNX_CLASSIFIER, quantizeUint8Files, tfjsGraphModelFiles, trainerCnnFiles, writeFiles } from '../../test-support/import-models.ts';
import { createSeededRandom } from '../../trainer/index.ts';
import { generateSigningKeyPair, importModel, isImportError, ORT_WEB_ONNX_SUPPORT, verifyManifestSignature, type ImportedPackage } from '../index.ts';
import { nodeModelSource } from '../node.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeloop-import-'));
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

/** `count` seeded random inputs of `shape` (batch first) in [0, 1). */
function randomBatch(shape: number[], seed: number): Float32Array {
  const random = createSeededRandom(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random);
}

function argmaxRows(data: Float32Array | Uint8Array | Int32Array, width: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < data.length / width; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (data[r * width + c]! > data[r * width + best]!) best = c;
    rows.push(best);
  }
  return rows;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

/** tfjs's in-memory model artifacts from a package's files: `model.json` first, its shards joined in manifest order. */
function packageArtifacts(imported: ImportedPackage): tf.io.ModelArtifacts {
  const [modelJson, ...shards] = imported.built.manifest.artifacts[0]!.files.map((f) => imported.built.files.get(f.path)!);
  const json = JSON.parse(new TextDecoder().decode(modelJson)) as { modelTopology: object; weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: new Uint8Array(Buffer.concat(shards)).buffer };
}

/** Loads the package's tfjs artifact from the package's own bytes. */
async function loadPackageTfjs(imported: ImportedPackage): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(packageArtifacts(imported)));
}

/** Loads tfjs files straight from a folder with tfjs's own parts (the raw engine). */
async function loadRawTfjs(folder: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(folder, p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }));
}

function predict(model: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}

describe('importModel: tfjs layers models', () => {
  it('imports a CNN saved by the trainer: inferred image task, files as they are, same outputs as raw tfjs, signed', async () => {
    const folder = join(dir, 'cnn');
    const { files } = await trainerCnnFiles();
    await writeFiles(folder, files);
    const key = await generateSigningKeyPair();
    const imported = await importModel(nodeModelSource('tfjs', join(folder, 'model.json')), 'digits', '1.0.0', { labels: DIGITS, scale: 1 / 255, signingKey: key });
    const m = imported.built.manifest;
    expect(m.task).toBe('image-classification');
    expect(m.input).toEqual({ name: 'conv_1_input', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { colorSpace: 'grayscale', resize: { width: 28, height: 28 }, scale: 1 / 255 } });
    expect(m.output).toEqual({ name: 'logits', shape: [-1, 10], activation: 'softmax', labels: DIGITS });
    expect(m.artifacts.map((a) => [a.id, a.engine, a.precision, a.files.map((f) => f.path)])).toEqual([['tfjs-fp32', 'tfjs', 'fp32', ['tfjs/model.json', 'tfjs/group1-shard1of1.bin']]]);
    expect(imported.built.files.get('tfjs/group1-shard1of1.bin')).toEqual(files[1]!.data);
    expect(imported.built.files.get('tfjs/model.json')).toEqual(files[0]!.data);
    await expect(verifyManifestSignature(imported.built.manifestBytes, imported.built.signature, [key.publicKey])).resolves.toMatchObject({ keyId: key.keyId });

    const [packaged, raw] = await Promise.all([loadPackageTfjs(imported), loadRawTfjs(folder)]);
    const x = randomBatch([16, 28, 28, 1], 3);
    const a = predict(packaged, x, [16, 28, 28, 1]);
    const b = predict(raw, x, [16, 28, 28, 1]);
    expect(argmaxRows(a, 10)).toEqual(argmaxRows(b, 10));
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4);
  });

  it('imports tfjs uint8-quantized weights: precision int8, decoded by tfjs, same as raw tfjs, close to fp32', async () => {
    const folder = join(dir, 'cnn-uint8');
    const { files, model: fp32 } = await trainerCnnFiles();
    await writeFiles(folder, quantizeUint8Files(files));
    const imported = await importModel(nodeModelSource('tfjs', join(folder, 'model.json')), 'digits-q', '1.0.0', { labels: DIGITS });
    expect(imported.report.quantization).toEqual(['uint8']);
    expect(imported.built.manifest.artifacts[0]).toMatchObject({ id: 'tfjs-int8', precision: 'int8' });
    expect(imported.report.notes.join('\n')).toMatch(/quantized by tfjs \(uint8\)/);

    const [packaged, raw] = await Promise.all([loadPackageTfjs(imported), loadRawTfjs(folder)]);
    const shape = [64, 28, 28, 1];
    const x = randomBatch(shape, 4);
    const q = predict(packaged, x, shape);
    expect(maxAbsDiff(q, predict(raw, x, shape))).toBeLessThanOrEqual(1e-4);
    expect(argmaxRows(q, 10)).toEqual(argmaxRows(predict(raw, x, shape), 10));
    // Decoded right, the 8-bit model stays near the float one (a wrong decode agrees ~10 %).
    const f = predict(fp32, x, shape);
    const agree = argmaxRows(q, 10).filter((c, i) => c === argmaxRows(f, 10)[i]).length / 64;
    expect(agree).toBeGreaterThanOrEqual(0.9);
  });
});

describe('importModel: tfjs graph models', () => {
  it.each([false, true])('reads the signature of a graph model (float16 weights: %s) and tfjs-converter runs the package', async (float16) => {
    const folder = join(dir, `graph-${float16}`);
    await writeFiles(folder, tfjsGraphModelFiles({ float16 }));
    const imported = await importModel(nodeModelSource('tfjs', join(folder, 'model.json')), 'graph', '1.0.0', { labels: ['a', 'b', 'c'] });
    const m = imported.built.manifest;
    expect(imported.report.kind).toBe('graph');
    expect([m.task, m.input, m.output]).toEqual([
      'tabular-classification',
      { name: 'x', shape: [-1, 4], dtype: 'float32' },
      { name: 'Identity', shape: [-1, 3], activation: 'none', labels: ['a', 'b', 'c'] },
    ]);
    expect(m.artifacts[0]).toMatchObject({ id: float16 ? 'tfjs-fp16' : 'tfjs-fp32', precision: float16 ? 'fp16' : 'fp32' });

    const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
    const model = await loadGraphModel(tf.io.fromMemory(packageArtifacts(imported)));
    const x = Float32Array.of(1, 0, 0, 0, 0, 0, 1, 1);
    const y = tf.tidy(() => (model.execute({ [m.input.name]: tf.tensor(x, [2, 4]) }, m.output.name) as tf.Tensor).dataSync());
    // Row 0 picks W's first row; row 1 sums its last two: softmax of those.
    const expected = [[0.5, -1, 0.25], [-0.25, 2.5, -1.875]].flatMap((row) => {
      const e = row.map(Math.exp);
      return e.map((v) => v / e.reduce((a, b) => a + b));
    });
    expect(maxAbsDiff(y as Float32Array, expected)).toBeLessThanOrEqual(1e-3);
  });
});

describe('importModel: ONNX', () => {
  it('imports an NCHW classifier with a dynamic height and width; ORT runs the package at any size', async () => {
    const folder = join(dir, 'onnx');
    const { model } = onnxClassifier();
    await writeFiles(folder, [{ path: 'classifier.onnx', data: model }]);
    const imported = await importModel(nodeModelSource('onnx', join(folder, 'classifier.onnx')), 'shapes', '1.0.0', { labels: ['a', 'b', 'c', 'd', 'e'], size: { width: 32, height: 24 } });
    const m = imported.built.manifest;
    expect(m.task).toBe('image-classification');
    expect(m.input).toMatchObject({ name: 'pixels', shape: [-1, 3, -1, -1], layout: 'NCHW', preprocessing: { colorSpace: 'rgb', resize: { width: 32, height: 24 } } });
    expect(m.output).toMatchObject({ name: 'logits', shape: [-1, ONNX_CLASSIFIER.classes], activation: 'softmax' });
    expect(imported.report).toMatchObject({ kind: 'onnx', opset: 13, producer: 'edgeloop-test' });
    const bytes = imported.built.files.get('onnx/model.onnx')!;
    expect(bytes).toEqual(model);

    const packaged = await ort.InferenceSession.create(bytes);
    const raw = await ort.InferenceSession.create(model);
    expect([packaged.inputNames, packaged.outputNames]).toEqual([[m.input.name], [m.output.name]]);
    for (const [h, w] of [[24, 32], [17, 9]] as const) {
      const shape = [3, 3, h, w];
      const feeds = { pixels: new ort.Tensor('float32', randomBatch(shape, h), shape) };
      const [a, b] = await Promise.all([packaged.run(feeds), raw.run(feeds)]);
      expect(a.logits!.dims).toEqual([3, ONNX_CLASSIFIER.classes]);
      expect(maxAbsDiff(a.logits!.data as Float32Array, b.logits!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('copies external data next to model.onnx, and ORT loads the package with it', async () => {
    const folder = join(dir, 'onnx-external');
    const { model, data } = onnxClassifier({ externalData: 'conv.weights' });
    await writeFiles(folder, [{ path: 'model.onnx', data: model }, { path: 'conv.weights', data: data! }]);
    const imported = await importModel(nodeModelSource('onnx', join(folder, 'model.onnx')), 'ext', '1.0.0', { layout: 'NCHW' });
    expect(imported.built.manifest.artifacts[0]!.files.map((f) => f.path)).toEqual(['onnx/model.onnx', 'onnx/conv.weights']);
    const session = await ort.InferenceSession.create(imported.built.files.get('onnx/model.onnx')!, {
      externalData: [{ path: 'conv.weights', data: imported.built.files.get('onnx/conv.weights')! }],
    });
    const out = await session.run({ pixels: new ort.Tensor('float32', randomBatch([1, 3, 8, 8], 1), [1, 3, 8, 8]) });
    expect(out.logits!.dims).toEqual([1, ONNX_CLASSIFIER.classes]);

    await rm(join(folder, 'conv.weights'));
    const error = await importModel(nodeModelSource('onnx', join(folder, 'model.onnx')), 'ext', '1.0.0').catch((e: unknown) => e);
    expect(isImportError(error, 'IMPORT_MISSING_EXTERNAL_DATA')).toBe(true);
  });

  it('imports Silero VAD (@ricky0123/vad-web) as a tensor model whose state the manifest carries', async () => {
    const path = join('node_modules', '@ricky0123', 'vad-web', 'dist', 'silero_vad_v5.onnx');
    const imported = await importModel(nodeModelSource('onnx', path), 'silero-vad', '5.0.0', { warmup: { input: { shape: [1, 512] }, sr: { value: 16000 } } });
    const m = imported.built.manifest;
    expect(m.task).toBe('tensor');
    expect(m.inputs).toEqual([
      { name: 'input', shape: [-1, -1], dtype: 'float32', warmup: { shape: [1, 512] } },
      { name: 'state', shape: [2, 1, 128], dtype: 'float32', state: { from: 'stateN' } },
      { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
    ]);
    expect(m.outputs!.map((o) => [o.name, o.dtype, o.activation])).toEqual([['output', 'float32', 'none'], ['stateN', 'float32', 'none']]);

    // A caller that follows the manifest alone (names, dtypes, zeros for state) runs the model.
    const session = await ort.InferenceSession.create(imported.built.files.get('onnx/model.onnx')!);
    const stateInput = m.inputs!.find((i) => i.state)!;
    let state = new ort.Tensor('float32', new Float32Array(stateInput.shape.reduce((a, b) => a * b, 1)), stateInput.shape);
    const probabilities: number[] = [];
    for (let frame = 0; frame < 6; frame++) {
      const tone = Float32Array.from({ length: 512 }, (_, i) => (frame >= 3 ? 0.5 * Math.sin((2 * Math.PI * 220 * (frame * 512 + i)) / 16000) : 0));
      const out = await session.run({ input: new ort.Tensor('float32', tone, [1, 512]), state, sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []) });
      probabilities.push((out.output!.data as Float32Array)[0]!);
      state = out[stateInput.state!.from] as typeof state;
    }
    expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
  });
});

describe('importModel: refused imports', () => {
  const tfjsFolder = () => join(dir, 'bad-tfjs');

  it('names the missing shard, the truncated shard and a shard outside the model folder', async () => {
    const { files } = await trainerCnnFiles();
    await writeFiles(tfjsFolder(), [files[0]!]);
    const source = nodeModelSource('tfjs', join(tfjsFolder(), 'model.json'));
    const missing = await importModel(source, 'x', '1.0.0').catch((e: unknown) => e);
    expect(isImportError(missing, 'IMPORT_MISSING_SHARD')).toBe(true);
    expect((missing as Error).message).toMatch(/group1-shard1of1\.bin/);

    await writeFile(join(tfjsFolder(), 'group1-shard1of1.bin'), files[1]!.data.subarray(0, 100));
    const truncated = await importModel(source, 'x', '1.0.0').catch((e: unknown) => e);
    expect(isImportError(truncated, 'IMPORT_SHARD_SIZE')).toBe(true);

    const json = JSON.parse(new TextDecoder().decode(files[0]!.data)) as { weightsManifest: Array<{ paths: string[] }> };
    json.weightsManifest[0]!.paths = ['../../secret.bin'];
    await writeFile(join(tfjsFolder(), 'model.json'), JSON.stringify(json));
    const outside = await importModel(source, 'x', '1.0.0').catch((e: unknown) => e);
    expect(isImportError(outside, 'IMPORT_BAD_PATH')).toBe(true);
  });

  it('refuses a file that is not ONNX and opsets or IR versions onnxruntime-web cannot run', async () => {
    const folder = join(dir, 'bad-onnx');
    const { model: tooNew } = onnxClassifier({ opset: ORT_WEB_ONNX_SUPPORT.maxOpset + 1, irVersion: 10 });
    const { model: tooOld } = onnxClassifier({ opset: ORT_WEB_ONNX_SUPPORT.minOpset - 1, irVersion: 3 });
    const { model: newIr } = onnxClassifier({ irVersion: ORT_WEB_ONNX_SUPPORT.maxIrVersion + 1 });
    await writeFiles(folder, [
      { path: 'text.onnx', data: new TextEncoder().encode('{"this": "is not a model"}\n') },
      { path: 'empty.onnx', data: new Uint8Array(0) },
      { path: 'new.onnx', data: tooNew },
      { path: 'old.onnx', data: tooOld },
      { path: 'ir.onnx', data: newIr },
    ]);
    const codeOf = async (file: string) => {
      const error = await importModel(nodeModelSource('onnx', join(folder, file)), 'x', '1.0.0', { layout: 'NCHW' }).catch((e: unknown) => e);
      return isImportError(error) ? error.code : String(error);
    };
    expect(await codeOf('text.onnx')).toBe('IMPORT_NOT_ONNX');
    expect(await codeOf('empty.onnx')).toBe('IMPORT_NOT_ONNX');
    expect(await codeOf('new.onnx')).toBe('IMPORT_UNSUPPORTED_OPSET');
    expect(await codeOf('old.onnx')).toBe('IMPORT_UNSUPPORTED_OPSET');
    expect(await codeOf('ir.onnx')).toBe('IMPORT_UNSUPPORTED_OPSET');
    expect(await codeOf('missing.onnx')).toBe('IMPORT_NOT_FOUND');
  });

  it('keeps ORT_WEB_ONNX_SUPPORT true to the installed onnxruntime-web', async () => {
    const { minOpset, maxOpset, maxIrVersion } = ORT_WEB_ONNX_SUPPORT;
    const runs = async (opset: number, irVersion: number) => {
      try {
        await (await ort.InferenceSession.create(onnxClassifier({ opset, irVersion }).model)).release();
        return true;
      } catch {
        return false;
      }
    };
    expect(await runs(maxOpset, maxIrVersion)).toBe(true);
    expect(await runs(minOpset, 3)).toBe(true);
    expect(await runs(maxOpset + 1, maxIrVersion)).toBe(false);
    expect(await runs(maxOpset, maxIrVersion + 1)).toBe(false);
  });
});
