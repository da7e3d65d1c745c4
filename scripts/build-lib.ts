/**
 * `npm run build:lib`: builds the npm package into lib/ — ES modules, `.d.ts` and source
 * maps for every face in package.json `exports`, the three module workers and the
 * `edgeloop` CLI (tsconfig.build.json) — and then makes the output work with any bundler
 * and with plain Node:
 *
 * - `new URL('./worker/worker-entry.ts', import.meta.url)` names the built `.js` worker
 *   (tsc rewrites import specifiers, not URL strings); Vite, webpack 5 and Parcel bundle
 *   workers and assets named this way.
 * - Vite's `import x from '…wasm?url'` becomes `new URL('<lib>/assets/….wasm',
 *   import.meta.url).href` with tfjs-backend-wasm's three binaries (1.2 MB) copied to
 *   lib/assets/; onnxruntime-web's 27 MB binary is not copied: its own bundle finds it
 *   the same way (`new URL('ort-wasm-simd-threaded.asyncify.wasm', import.meta.url)`).
 * - Files the code reads at run time that tsc does not emit (the endpoint's SQL
 *   migrations) are copied beside it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(ROOT, 'lib');
const ASSETS = join(LIB, 'assets');
const require = createRequire(import.meta.url);

/** Where each `?url` import of the source gets its file in the package (`undefined`: the engine finds its own). */
const WASM_ASSETS: Readonly<Record<string, string | undefined>> = {
  '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm': 'tfjs-backend-wasm.wasm',
  '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm': 'tfjs-backend-wasm-simd.wasm',
  '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm': 'tfjs-backend-wasm-threaded-simd.wasm',
  'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm': undefined,
};

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
}

function rewrite(file: string): void {
  const text = readFileSync(file, 'utf8');
  const out = text
    .replace(/new URL\((['"])(\.{1,2}\/[^'"]+)\.ts\1, import\.meta\.url\)/g, 'new URL($1$2.js$1, import.meta.url)')
    .replace(/^import (\w+) from '([^']+\.wasm)\?url';$/gm, (_, name: string, spec: string) => {
      if (!(spec in WASM_ASSETS)) throw new Error(`${relative(ROOT, file)}: no package asset for '${spec}?url'; add it to WASM_ASSETS in scripts/build-lib.ts`);
      const asset = WASM_ASSETS[spec];
      if (asset === undefined) return `const ${name} = undefined; // ${spec}: the engine's own bundle resolves it`;
      let path = relative(dirname(file), join(ASSETS, asset));
      if (!path.startsWith('.')) path = `./${path}`;
      return `const ${name} = new URL('${path}', import.meta.url).href;`;
    });
  const left = out.match(/^.*(\?url'|from '\.[^']*\.ts'|import\('\.[^']*\.ts'\)|\.ts', import\.meta\.url).*$/m);
  if (left) throw new Error(`${relative(ROOT, file)} still names source after the build: ${left[0].trim()}`);
  if (out !== text) writeFileSync(file, out);
}

rmSync(LIB, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });

mkdirSync(ASSETS, { recursive: true });
for (const [spec, asset] of Object.entries(WASM_ASSETS)) if (asset !== undefined) copyFileSync(require.resolve(spec), join(ASSETS, asset));
for (const file of filesUnder(LIB, '.js')) rewrite(file);
cpSync(join(ROOT, 'sync/store/migrations'), join(LIB, 'sync/store/migrations'), { recursive: true });
chmodSync(join(LIB, 'scripts/cli/edgeloop.js'), 0o755);

const bytes = filesUnder(LIB, '').reduce((n, f) => n + (statSync(f).isFile() ? statSync(f).size : 0), 0);
console.log(`lib/: ${filesUnder(LIB, '.js').length} modules, ${(bytes / 1e6).toFixed(1)} MB`);
