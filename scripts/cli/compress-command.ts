/**
 * `edgeloop compress` (`npm run compress`): compresses a package version folder for edge
 * targets, in place: one artifact per target recipe (devices/targets.json) written into
 * the folder, the manifest rewritten with the new artifacts and their metrics and
 * re-signed, and `compress-report.json` beside it. A target whose size budget cannot be
 * met stops the run before anything is written.
 *
 * Usage: see `usage` below (`npm run compress -- --help`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { createArtifactRunner, runCompressJob, type CompressedPackage } from '../../compress/index.ts';
import { getEdgeTarget, loadEdgeTargets, type EdgeTarget } from '../../devices/index.ts';
import { PACKAGE_FILES, parseManifest, type SigningKeyPair } from '../../format/index.ts';
import { writeFileAtomic } from '../../format/node.ts';
import { registerFastCpuKernels, TrainerError } from '../../trainer/index.ts';
import { CLI_DATASETS, DATA_FLAG_OPTIONS, dataSourceFromFlags } from './cli-data-flags.ts';
import type { CliCommand } from './cli-command.ts';
import { intFlag, readSigningKey, requiredFlag } from './cli-flags.ts';
import { compressData } from './compress-data.ts';
import { parseFlags, runCli } from './cli-run.ts';

/**
 * Times each new artifact on every backend its target allows and gives the package
 * rebuilt (re-signed) with the p50s in its metrics and report. It drives the benchmark
 * page in Chromium, so only this repository has one (`npm run compress -- --latency`).
 */
export type MeasureLatency = (
  built: CompressedPackage['built'],
  report: CompressedPackage['report'],
  targets: readonly EdgeTarget[],
  signingKey: SigningKeyPair | undefined,
) => Promise<CompressedPackage>;

const usage = (prog: string) => `usage: ${prog} --package <version dir> --target <id[,id…]|all> [options]

  --package <dir>      a package version folder (…/<name>/<version>/ with manifest.json and an fp32 tfjs artifact)
  --target <ids|all>   edge targets from devices/targets.json: ${loadEdgeTargets().map((t) => t.id).join(', ')}
  --key <file>         re-sign the manifest with this { publicKey, privateKey, keyId } (e.g. fixtures/keys/publisher.json);
                       without it the rewritten manifest is unsigned

  the data each artifact is measured on (default: the data the package was trained on, as its lineage
  records, held-out split; else mnist):
  --images <folder>    your images, resized to the model input, RGB or grayscale as the manifest says:
                       sub-folders named after the model's labels → accuracy and agreement with fp32;
                       a folder without sub-folders → unlabelled: agreement with fp32 only
  --unlabelled         read --images without labels even when it has sub-folders
  --data <file.csv>    your table, with --label <column> (class names as the model's labels)
  ${`--dataset <${CLI_DATASETS.join('|')}>`.padEnd(19)}  the demo digits (28×28×1 models only)
  --train-limit <n>    training examples for pruning fine-tunes (default: all)
  --latency            also time each artifact in Chromium (p50 of 20 predictions) on every backend its
                       target allows; written into compress-report.json and the manifest's metrics
                       (in the edgeloop repository only: npm run compress -- --latency)

examples:
  ${prog} --package registry/pets/1.0.0 --target phone-wasm --images photos/
  ${prog} --package registry/mobilenet/1.0.0 --target all --images field-photos/ --unlabelled`;

async function main(args: readonly string[], usageText: string, measureLatency: MeasureLatency | undefined): Promise<void> {

  const f = parseFlags(
    {
      package: { type: 'string' },
      target: { type: 'string' },
      key: { type: 'string' },
      ...DATA_FLAG_OPTIONS,
      unlabelled: { type: 'boolean' },
      'train-limit': { type: 'string' },
      latency: { type: 'boolean' },
    },
    usageText,
    args,
  );
  if (!f) return;
  const dir = requiredFlag('package', f.package, 'fixtures/registry/mnist-cnn/1.0.0');
  const targetFlag = requiredFlag('target', f.target, 'phone-wasm');
  const targets = targetFlag === 'all' ? loadEdgeTargets() : targetFlag.split(',').map((id) => getEdgeTarget(id.trim()));
  const targetIds = targets.map((t) => t.id);
  const anyData = f.dataset !== undefined || f.data !== undefined || f.images !== undefined || f.label !== undefined;
  const source = anyData ? dataSourceFromFlags(f) : undefined;
  const trainLimit = f['train-limit'] === undefined ? undefined : intFlag('train-limit', f['train-limit'], 1);
  const signingKey = f.key === undefined ? undefined : await readSigningKey(f.key);
  if (f.latency && !measureLatency) {
    throw new TrainerError('CONFIG_INVALID', '--latency times artifacts on the benchmark page of the edgeloop repository; run npm run compress -- --latency there', { details: { field: 'latency' } });
  }

  // onnxruntime-web's 27 MB wasm: V8 re-compiles it with TurboFan in the background, and
  // the main thread waits for that at its next GC — 80 to 200 s of a stalled CLI on a
  // 2-core machine, measured after every ONNX evaluation (even `fs.readFile` waited).
  // Liftoff's baseline code runs the compressor's small evaluations fast enough.
  setFlagsFromString('--liftoff-only');
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  registerFastCpuKernels();

  const manifestBytes = await readFile(join(dir, PACKAGE_FILES.manifest)).catch((cause: unknown) => {
    throw new TrainerError('CONFIG_INVALID', `--package ${dir} has no readable manifest.json`, { details: { field: 'package' }, cause });
  });
  const manifest = parseManifest(manifestBytes);
  const files = new Map<string, Uint8Array>();
  for (const file of manifest.artifacts.flatMap((a) => a.files)) {
    const data = await readFile(join(dir, file.path)).catch(() => undefined);
    if (data) files.set(file.path, new Uint8Array(data));
  }
  const data = await compressData(manifest, source, targets, { trainLimit, unlabelled: f.unlabelled === true, log: console.log });
  console.log(`${manifest.name}@${manifest.version}: ${targetIds.length} target(s), measured on ${data.summary}`);

  let { built, report } = await runCompressJob(
    { manifestBytes, files, targets: targetIds, test: data.test, train: data.train },
    { runArtifact: createArtifactRunner(), signingKey, source: dir, onProgress: (message) => console.log(message) },
  );

  if (f.latency && measureLatency) ({ built, report } = await measureLatency(built, report, targets, signingKey));

  // Artifact files first, the manifest (what makes them part of the package) last. A kept
  // file is the very array read from disk; a rebuilt artifact's files are new ones.
  for (const [path, bytes] of built.files) if (files.get(path) !== bytes) await writeFileAtomic(join(dir, path), bytes);
  await writeFileAtomic(join(dir, 'compress-report.json'), new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
  if (built.signature) await writeFileAtomic(join(dir, PACKAGE_FILES.signature), built.signature);
  await writeFileAtomic(join(dir, PACKAGE_FILES.manifest), built.manifestBytes);
  if (!built.signature) console.log('note: the manifest is unsigned now (pass --key to sign it); a runtime with trustedKeys will refuse it');
  console.log(`wrote ${report.entries.length} artifact(s), ${PACKAGE_FILES.manifest} and compress-report.json to ${dir}`);
}

/** `edgeloop compress`; `measureLatency` enables `--latency`. */
export function createCompressCommand(options: { measureLatency?: MeasureLatency } = {}): CliCommand {
  return {
    run: (args, prog) => runCli(() => main(args, usage(prog), options.measureLatency), usage(prog)),
  };
}
