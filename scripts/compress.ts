/**
 * CLI: compresses a package version folder for edge targets, in place: one artifact per
 * target recipe (devices/targets.json) written into the folder, the manifest rewritten
 * with the new artifacts and their metrics and re-signed, and `compress-report.json`
 * beside it. A target whose size budget cannot be met stops the run before anything
 * is written.
 *
 * Usage: see USAGE (`npm run compress -- --help`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRunner, runCompressJob, type CompressedPackage } from '../compress/index.ts';
import { getEdgeTarget, loadEdgeTargets, type EdgeTarget } from '../devices/index.ts';
import { createPackage, parseManifest, PACKAGE_FILES, type SigningKeyPair } from '../format/index.ts';
import { writeFileAtomic } from '../format/node.ts';
import { registerFastCpuKernels, TrainerError } from '../trainer/index.ts';
import { writePackageDir } from '../trainer/node.ts';
import { CLI_DATASETS, loadCliDataset } from './cli/cli-dataset.ts';
import { choiceFlag, intFlag, readSigningKey, requiredFlag } from './cli/cli-flags.ts';
import { parseFlags, runCli } from './cli/cli-run.ts';

const USAGE = `usage: npm run compress -- --package <version dir> --target <id[,id…]|all> [options]

  --package <dir>      a package version folder (…/<name>/<version>/ with manifest.json and an fp32 tfjs artifact)
  --target <ids|all>   edge targets from devices/targets.json: ${loadEdgeTargets().map((t) => t.id).join(', ')}
  --key <file>         re-sign the manifest with this { publicKey, privateKey, keyId } (e.g. fixtures/keys/publisher.json);
                       without it the rewritten manifest is unsigned
  --dataset <${CLI_DATASETS.join('|')}>  held-out data for accuracy and agreement (default mnist, the trainer's split)
  --train-limit <n>    training examples for pruning fine-tunes (default: all)
  --latency            also time each artifact in Chromium (p50 of 20 predictions) on every backend its
                       target allows; written into compress-report.json and the manifest's metrics`;

async function main(): Promise<void> {
  const f = parseFlags(
    { package: { type: 'string' }, target: { type: 'string' }, key: { type: 'string' }, dataset: { type: 'string' }, 'train-limit': { type: 'string' }, latency: { type: 'boolean' } },
    USAGE,
  );
  if (!f) return;
  const dir = requiredFlag('package', f.package, 'fixtures/registry/mnist-cnn/1.0.0');
  const targetFlag = requiredFlag('target', f.target, 'phone-wasm');
  const targets = targetFlag === 'all' ? loadEdgeTargets() : targetFlag.split(',').map((id) => getEdgeTarget(id.trim()));
  const targetIds = targets.map((t) => t.id);
  const dataset = choiceFlag('dataset', f.dataset, CLI_DATASETS, 'mnist');
  const trainLimit = f['train-limit'] === undefined ? undefined : intFlag('train-limit', f['train-limit'], 1);
  const signingKey = f.key === undefined ? undefined : await readSigningKey(f.key);

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
  const data = await loadCliDataset(dataset, { trainLimit });
  console.log(`${manifest.name}@${manifest.version}: ${targetIds.length} target(s), ${data.info.testExamples} test examples`);

  let { built, report } = await runCompressJob(
    { manifestBytes, files, targets: targetIds, test: data.test, train: data.train },
    { runArtifact: createArtifactRunner(), signingKey, source: dir, onProgress: (message) => console.log(message) },
  );

  if (f.latency) ({ built, report } = await withLatency(built, report, targets, signingKey));

  // Artifact files first, the manifest (what makes them part of the package) last. A kept
  // file is the very array read from disk; a rebuilt artifact's files are new ones.
  for (const [path, bytes] of built.files) if (files.get(path) !== bytes) await writeFileAtomic(join(dir, path), bytes);
  await writeFileAtomic(join(dir, 'compress-report.json'), new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
  if (built.signature) await writeFileAtomic(join(dir, PACKAGE_FILES.signature), built.signature);
  await writeFileAtomic(join(dir, PACKAGE_FILES.manifest), built.manifestBytes);
  if (!built.signature) console.log('note: the manifest is unsigned now (pass --key to sign it); a runtime with trustedKeys will refuse it');
  console.log(`wrote ${report.entries.length} artifact(s), ${PACKAGE_FILES.manifest} and compress-report.json to ${dir}`);
}

/**
 * Serves the compressed package from a staging folder, times every new artifact in
 * Chromium on each backend its target allows, and rebuilds (re-signs) the package with
 * the p50s in its metrics.
 */
async function withLatency(
  built: CompressedPackage['built'],
  report: CompressedPackage['report'],
  targets: readonly EdgeTarget[],
  signingKey: SigningKeyPair | undefined,
): Promise<CompressedPackage> {
  const staging = await mkdtemp(join(tmpdir(), 'edgeloop-compress-'));
  const bench = await (async () => {
    await writePackageDir(staging, built, { overwrite: true });
    const { openBenchBrowser } = await import('./bench/bench-browser.ts');
    const { ProgressLog } = await import('./bench/progress-log.ts');
    return openBenchBrowser(new ProgressLog(), { makeFixtures: false, build: !existsSync('dist/bench.html'), registryDir: staging });
  })();
  try {
    const url = `/fixtures/registry/${built.manifest.name}/${built.manifest.version}/manifest.json`;
    const metrics = { ...built.manifest.metrics };
    for (const entry of report.entries) {
      const target = targets.find((t) => t.id === entry.target)!;
      entry.latencyP50Ms = {};
      for (const backend of target.backends.filter((b) => b.startsWith(entry.engine === 'onnx' ? 'ort-' : 'tfjs-'))) {
        const result = (await bench.page().evaluate(`window.bench.artifactLatency(${JSON.stringify({ url, artifact: entry.artifact, backend, runs: 20 })})`)) as { p50Ms: number } | { skipped: string };
        if ('p50Ms' in result) {
          entry.latencyP50Ms[backend] = Math.round(result.p50Ms * 1000) / 1000;
          metrics[`${entry.artifact}.p50_ms.${backend}`] = entry.latencyP50Ms[backend]!;
          console.log(`${entry.artifact} on ${backend}: p50 ${result.p50Ms.toFixed(2)} ms`);
        } else console.log(`${entry.artifact} on ${backend}: not timed (${result.skipped})`);
      }
    }
    const { format: _format, artifacts, ...rest } = built.manifest;
    const rebuilt = await createPackage({
      manifest: { ...rest, metrics },
      artifacts: artifacts.map((a) => ({ ...a, files: a.files.map((file) => ({ path: file.path, data: built.files.get(file.path)! })) })),
      signingKey,
    });
    return { built: rebuilt, report };
  } finally {
    await bench.close();
    await rm(staging, { recursive: true, force: true });
  }
}

await runCli(main, USAGE);
