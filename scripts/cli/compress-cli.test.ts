/**
 * `edgeloop compress` on a package it did not train — a 32×32×3 RGB classifier with its
 * own labels and normalisation, as a user would import one — measured on image folders
 * written here: labelled (accuracy and agreement), unlabelled (agreement only), and data
 * that cannot fit (typed errors naming both shapes, nothing written).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactRunner, isCompressError, runCompressJob, type CompressedPackage } from '../../compress/index.ts';
import { createPackage, parseManifest } from '../../format/index.ts';
import { tfjsArtifactFiles } from '../../trainer/index.ts';
import { writePackageDir } from '../../trainer/node.ts';
import { runCommand, writeImageFolder } from '../../test-support/cli-fixtures.ts';
import { createCompressCommand } from './compress-command.ts';

let work: string;
let pkg: string;
const compress = createCompressCommand();

/**
 * A colour classifier whose answer is known: the mean of each channel after the
 * manifest's normalisation, ×10, as the logits of `red`, `green`, `blue` — so a red block
 * on grey is "red" only if the pixels are resized, normalised and labelled as the
 * manifest says (the folders sort as blue, green, red: a label mix-up shows).
 */
async function colourPackage(dir: string): Promise<string> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({ layers: [tfl.layers.globalAveragePooling2d({ inputShape: [32, 32, 3], dataFormat: 'channelsLast' }), tfl.layers.dense({ units: 3 })] });
  model.setWeights([tf.mul(tf.eye(3), 10), tf.zeros([3])]);
  const built = await createPackage({
    manifest: {
      name: 'colours',
      version: '1.0.0',
      createdAt: new Date(0).toISOString(),
      task: 'image-classification',
      input: {
        name: 'input',
        shape: [-1, 32, 32, 3],
        dtype: 'float32',
        layout: 'NHWC',
        preprocessing: { resize: { width: 32, height: 32 }, colorSpace: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      },
      output: { name: 'logits', shape: [-1, 3], labels: ['red', 'green', 'blue'], activation: 'softmax' },
      metrics: {},
    },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: await tfjsArtifactFiles(model, { dir: 'tfjs' }) }],
  });
  model.dispose();
  return writePackageDir(dir, built);
}

const reportOf = async () => JSON.parse(await readFile(join(pkg, 'compress-report.json'), 'utf8')) as CompressedPackage['report'];
const manifestOf = async () => parseManifest(await readFile(join(pkg, 'manifest.json')));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edgeloop-compress-cli-'));
  pkg = await colourPackage(join(work, 'registry'));
  await writeImageFolder(join(work, 'labelled'), { red: 4, green: 4, blue: 4 });
  await writeImageFolder(join(work, 'field'), { red: 2, green: 2, blue: 1 }, { flat: true });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('compress on your images', () => {
  it('measures accuracy and agreement on a labelled folder, labels matched by name', async () => {
    const run = await runCommand(compress, ['--package', pkg, '--target', 'phone-wasm', '--images', join(work, 'labelled')]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('12 image(s), 3 classes (blue, green, red), drawn at 32×32×3; 8 resized to fit');
    expect(run.stdout).toContain('colours@1.0.0: 1 target(s), measured on 12 labelled examples');
    const [entry] = (await reportOf()).entries;
    expect(entry).toMatchObject({ artifact: 'onnx-int8-phone-wasm', evaluation: { examples: 12, labels: 'labelled' }, fp32Accuracy: 1, accuracy: 1, accuracyDropPt: 0, top1Agreement: 1 });
    const manifest = await manifestOf();
    expect(manifest.artifacts.map((a) => a.id)).toEqual(['tfjs-fp32', 'onnx-int8-phone-wasm']);
    expect(manifest.metrics['onnx-int8-phone-wasm.accuracy']).toBe(1);
  });

  it('measures agreement with fp32 only on unlabelled images, and says so', async () => {
    for (const args of [['--images', join(work, 'field')], ['--images', join(work, 'labelled'), '--unlabelled']]) {
      const run = await runCommand(compress, ['--package', pkg, '--target', 'phone-wasm', ...args]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('(unlabelled)');
      expect(run.stdout).toMatch(/measured on \d+ unlabelled examples \(the images of .+\): agreement with the fp32 model only, no accuracy without labels/);
      expect(run.stdout).toMatch(/onnx-int8-phone-wasm: \d+ bytes \([\d.]+× fp32\), top-1 agreement with fp32 100\.0 % on \d+ unlabelled examples \(no accuracy without labels\)/);
      const [entry] = (await reportOf()).entries;
      expect(entry!.evaluation).toEqual({ examples: args.length === 2 ? 5 : 12, labels: 'unlabelled' });
      expect(entry).not.toHaveProperty('accuracy');
      expect(entry).not.toHaveProperty('fp32Accuracy');
      const manifest = await manifestOf();
      expect(Object.keys(manifest.metrics)).not.toContain('onnx-int8-phone-wasm.accuracy');
      expect(manifest.metrics['onnx-int8-phone-wasm.top1_agreement']).toBe(1);
    }
  });

  it('refuses data that cannot fit the model with a typed error naming both shapes or the unknown class, writing nothing', async () => {
    const before = await readFile(join(pkg, 'manifest.json'));
    const mnist = await runCommand(compress, ['--package', pkg, '--target', 'phone-wasm', '--dataset', 'mnist']);
    expect(mnist.exitCode).toBe(1);
    expect(mnist.stderr).toMatch(/^error \[DATA_SHAPE_MISMATCH\]: the mnist digits are 28×28×1 but the model colours@1\.0\.0 takes 32×32×3: pass your own data: --images <folder>/);

    await writeImageFolder(join(work, 'zoo'), { red: 2, purple: 2 });
    const zoo = await runCommand(compress, ['--package', pkg, '--target', 'phone-wasm', '--images', join(work, 'zoo')]);
    expect(zoo.exitCode).toBe(1);
    expect(zoo.stderr).toMatch(/^error \[DATA_LABELS_MISMATCH\]: the folders of .+zoo has class\(es\) "purple" that the model does not know \(its labels are "red", "green", "blue"\)/);
    for (const run of [mnist, zoo]) expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(join(pkg, 'manifest.json'))).toEqual(before);
  });

  it('runCompressJob refuses MNIST-shaped rows for a 32×32×3 model before loading it (the crash of issue 16)', async () => {
    const manifestBytes = new Uint8Array(await readFile(join(pkg, 'manifest.json')));
    const manifest = parseManifest(manifestBytes);
    const files = new Map<string, Uint8Array>();
    for (const file of manifest.artifacts.flatMap((a) => a.files)) files.set(file.path, new Uint8Array(await readFile(join(pkg, file.path))));
    const job = (test: { x: Float32Array; shape?: number[] }) =>
      runCompressJob({ manifestBytes, files, targets: ['phone-wasm'], test }, { runArtifact: createArtifactRunner() }).then(
        () => undefined,
        (error: unknown) => error,
      );
    const shaped = await job({ x: new Float32Array(5 * 784), shape: [28, 28, 1] });
    expect(isCompressError(shaped, 'DATA_SHAPE_MISMATCH')).toBe(true);
    expect((shaped as Error).message).toMatch(/^the evaluation data are 28×28×1 but the model takes 32×32×3/);
    const flat = await job({ x: new Float32Array(5 * 784) });
    expect((flat as Error).message).toMatch(/hold 3920 values, not a whole number of inputs of 3072 values but the model takes 32×32×3/);
  });
});
