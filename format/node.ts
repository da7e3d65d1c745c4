/**
 * The Node-only part of the format room: writing files and folders atomically, for
 * everything that writes packages, checkpoints, registries and blobs to disk (the
 * trainer, the compressor's CLI, the sync endpoint, the fixture scripts), and the model
 * importer's disk side (`npm run import`: model files in, a registry version out). Everything
 * that runs in a browser too is in `format/index.ts`, which never imports `node:*`.
 */

// ### Atomic writes
export { replaceDirAtomic, temporarySibling, writeFileAtomic, type WriteFileAtomicOptions } from './write-file-atomic.ts';
export { writePackageVersion } from './write-package-version.ts';

// ### Importing models from disk into a registry folder
export { nodeModelSource, writeImportedPackage, type WriteImportedPackageOptions, type WrittenPackage } from './import/write-imported-package.ts';
