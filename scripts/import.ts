/**
 * `npm run import`: `edgeloop import` (scripts/cli/import-command.ts) plus `--check`, which
 * loads the written package in Chromium on every backend its artifact allows
 * (scripts/import-check/). Usage: `npm run import -- --help`.
 */
import { createImportCommand } from './cli/import-command.ts';

await createImportCommand({
  check: async (registryDir, manifest, inputs, log) => (await import('./import-check/check-imported-package.ts')).checkImportedPackage(registryDir, manifest, { inputs, log }),
}).run(process.argv.slice(2), 'npm run import --');
