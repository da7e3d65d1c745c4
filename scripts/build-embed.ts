/**
 * CLI: `npm run build:embed` — builds the script-tag embed into dist-embed/ (docs/EMBED.md):
 *
 * - `edgeloop.js`: the module entry (`<script type="module">` / `import`), which defines
 *   `<edge-model>`; `edgeloop.iife.js`: the classic-script entry (a small loader of the
 *   module entry, defining `window.edgeloop`);
 * - `assets/`: the runtime worker, the engines' chunks and their `.wasm` as separate
 *   files, content-hashed (Vite's library mode would inline the wasm as base64 and cannot
 *   code-split IIFE, so this is an app-mode build with a script input);
 * - `sri.json`: the sha384 SRI of both entries, also printed, with the gzipped size of the
 *   loader (each entry and what it imports before a model loads), which must stay ≤ 15 KB.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, process.env.EDGELOOP_EMBED_OUT_DIR ?? 'dist-embed');
/** The loader budget, gzipped, before a model is loaded (issue 14). */
const LOADER_BUDGET_BYTES = 15 * 1024;

const naming = {
  chunkFileNames: 'assets/[name]-[hash].js',
  assetFileNames: 'assets/[name]-[hash][extname]',
};

function outputs(result: Awaited<ReturnType<typeof build>>): Rollup.OutputBundle[keyof Rollup.OutputBundle][] {
  const list = Array.isArray(result) ? result : [result];
  return list.flatMap((r) => ('output' in r ? r.output : []));
}

// 1. The module entry, its worker (a separate bundle, with the engines' chunks) and the wasm files.
const moduleBuild = await build({
  configFile: false,
  root,
  // Relative URLs resolve against import.meta.url: the worker and wasm are found next to the entry, wherever it is served.
  base: './',
  logLevel: 'warn',
  worker: { format: 'es', rollupOptions: { output: { entryFileNames: 'assets/[name]-[hash].js', ...naming } } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Never inline: a data: URL is not what a CSP'd page or a CDN cache wants, and wasm must stay a file.
    assetsInlineLimit: 0,
    modulePreload: false,
    copyPublicDir: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { edgeloop: resolve(root, 'runtime/embed/edgeloop.ts') },
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: 'edgeloop.js', ...naming },
    },
  },
});

// 2. The classic-script loader: one small IIFE that imports the module entry next to it.
const classicBuild = await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: false,
    target: 'es2022',
    copyPublicDir: false,
    lib: { entry: resolve(root, 'runtime/embed/classic-loader.ts'), formats: ['iife'], name: 'edgeloopLoader', fileName: () => 'edgeloop.iife.js' },
  },
});

const chunks = new Map<string, Rollup.OutputChunk>();
for (const item of [...outputs(moduleBuild), ...outputs(classicBuild)]) if (item.type === 'chunk') chunks.set(item.fileName, item);

/** The files a browser fetches for an entry before any model loads: it and its static imports. */
function staticClosure(fileName: string, seen = new Set<string>()): Set<string> {
  if (seen.has(fileName)) return seen;
  seen.add(fileName);
  for (const dep of chunks.get(fileName)?.imports ?? []) staticClosure(dep, seen);
  return seen;
}

async function gzipBytes(files: Iterable<string>): Promise<number> {
  let total = 0;
  for (const file of files) total += gzipSync(await readFile(resolve(outDir, file)), { level: 9 }).byteLength;
  return total;
}

async function sri(file: string): Promise<string> {
  return `sha384-${createHash('sha384').update(await readFile(resolve(outDir, file))).digest('base64')}`;
}

const moduleFiles = staticClosure('edgeloop.js');
const report = {
  'edgeloop.js': { integrity: await sri('edgeloop.js'), loaderGzipBytes: await gzipBytes(moduleFiles) },
  // The classic loader imports edgeloop.js at run time: its loader is both.
  'edgeloop.iife.js': { integrity: await sri('edgeloop.iife.js'), loaderGzipBytes: await gzipBytes(new Set(['edgeloop.iife.js', ...moduleFiles])) },
};
await writeFile(resolve(outDir, 'sri.json'), `${JSON.stringify(report, null, 2)}\n`);

// The worker is its own bundle (with the engines' chunks and the wasm): list what landed in assets/.
const assets = await readdir(resolve(outDir, 'assets'));
const worker = assets.filter((f) => /^worker-entry-.+\.js$/.test(f));
const wasm = assets.filter((f) => f.endsWith('.wasm'));
console.log(`edgeloop: embed built in ${outDir}`);
console.log(`  worker: ${worker.join(', ') || '(none found)'}; ${assets.filter((f) => f.endsWith('.js')).length} chunks; wasm: ${wasm.join(', ') || '(none found)'}`);
if (worker.length !== 1 || wasm.length === 0) {
  console.error('edgeloop: the embed build must emit one worker module and the engines\' .wasm files into assets/');
  process.exit(1);
}
for (const [file, { integrity, loaderGzipBytes }] of Object.entries(report)) {
  console.log(`  ${file}  integrity="${integrity}"  loader ${(loaderGzipBytes / 1024).toFixed(1)} KB gzipped`);
}
const over = Object.entries(report).filter(([, r]) => r.loaderGzipBytes > LOADER_BUDGET_BYTES);
if (over.length > 0) {
  console.error(`edgeloop: the loader is over its ${LOADER_BUDGET_BYTES / 1024} KB gzip budget: ${over.map(([f]) => f).join(', ')}`);
  process.exit(1);
}
