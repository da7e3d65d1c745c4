/**
 * `npm run device-lab [-- --profiles a,b --model <name|manifest URL>[,…] --runs N --backend id --out dir]`:
 * runs models on the device-lab profiles (devices/profiles.json) in Chromium against the
 * built app and writes `<out>/report.json`, `<out>/report.html` (self-contained) and a
 * Predict-page screenshot per profile. Default: every profile, the CNN and MLP fixtures,
 * 50 predictions, out `device-lab/`. Makes the fixtures and builds the app when missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getDeviceLabProfile, loadDeviceLabProfiles } from '../devices/index.ts';
import { renderReportHtml } from '../devices/lab/report-html.ts';
import { runDeviceLab } from '../devices/lab/run-device-lab.ts';
import { CHROMIUM_BASE_ARGS, ensureChromium } from './chromium.ts';
import { startStaticServer } from './static-server.ts';

const REGISTRY = join('fixtures', 'registry');

/** A model argument as a manifest URL: a name in the fixture registry (its latest version), or a URL as given. */
export function modelUrl(model: string): string {
  if (model.includes('/')) return model;
  const index = JSON.parse(readFileSync(join(REGISTRY, model, 'index.json'), 'utf8')) as { aliases?: Record<string, string>; versions: Array<{ version: string }> };
  const version = index.aliases?.latest ?? index.versions.at(-1)!.version;
  return `/fixtures/registry/${model}/${version}/manifest.json`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profiles: { type: 'string' },
      model: { type: 'string', multiple: true },
      runs: { type: 'string', default: '50' },
      out: { type: 'string', default: 'device-lab' },
      backend: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer (got ${values.runs})`);
  const profiles = values.profiles ? values.profiles.split(',').map((id) => getDeviceLabProfile(id.trim())) : loadDeviceLabProfiles();
  if (!existsSync(join(REGISTRY, 'mnist-cnn'))) execFileSync('npx', ['tsx', 'scripts/make-fixtures.ts'], { stdio: 'inherit' });
  if (!existsSync(join('dist', 'lab.html'))) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const models = (values.model ?? ['mnist-cnn', 'mnist-mlp']).flatMap((m) => m.split(',')).map((m) => modelUrl(m.trim()));
  const { publicKey } = JSON.parse(readFileSync(join('fixtures', 'keys', 'publisher.json'), 'utf8')) as { publicKey: string };

  const server = await startStaticServer([
    { prefix: '/', dir: 'dist' },
    { prefix: '/fixtures/registry', dir: REGISTRY, noStore: true },
    { prefix: '/fixtures/data', dir: join('fixtures', 'data') },
  ]);
  console.log(`device lab: ${profiles.length} profiles × ${models.length} models, ${runs} predictions each, app at ${server.url}`);
  try {
    const { report, screenshots } = await runDeviceLab(profiles, {
      baseURL: server.url,
      models,
      runs,
      backend: values.backend,
      executablePath: ensureChromium(),
      chromiumArgs: CHROMIUM_BASE_ARGS,
      runtimeOptions: { trustedKeys: [publicKey] },
      onProgress: (line) => console.log(line),
    });
    await mkdir(values.out, { recursive: true });
    await writeFile(join(values.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    for (const [id, png] of screenshots) await writeFile(join(values.out, `${id}.png`), png);
    await writeFile(join(values.out, 'report.html'), renderReportHtml(report, screenshots));
    const failed = report.profiles.filter((p) => p.error).length;
    console.log(`wrote ${join(values.out, 'report.json')} and report.html: ${report.profiles.length - failed} profiles measured, ${failed} failed`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await server.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
