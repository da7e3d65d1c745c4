/**
 * `npm run compress`: `edgeloop compress` (scripts/cli/compress-command.ts) plus
 * `--latency`, which times each new artifact on this repository's benchmark page in
 * Chromium. Usage: `npm run compress -- --help`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompressedPackage } from '../compress/index.ts';
import type { EdgeTarget } from '../devices/index.ts';
import { createPackage, type SigningKeyPair } from '../format/index.ts';
import { writePackageDir } from '../trainer/node.ts';
import { createCompressCommand } from './cli/compress-command.ts';

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


await createCompressCommand({ measureLatency: withLatency }).run(process.argv.slice(2), 'npm run compress --');
