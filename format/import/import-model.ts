/**
 * The importer: turns a tfjs `model.json` (+ weight shards) or an ONNX file (+ external
 * data) into a signed `edgeloop/1` package, in memory. The files go into one artifact as
 * they are; the manifest's task, inputs, outputs and precision come from the model (see
 * `infer-package-io.ts`). Everything is read and checked before anything is returned,
 * so a refused import has nothing to clean up; writing to a registry folder is
 * `writeImportedPackage` (Node, `format/node.ts`).
 */
import { createPackage, type ArtifactInput, type BuiltPackage, type CreatePackageInput, type PackageFileInput } from '../create-package.ts';
import type { Precision, Task } from '../manifest.ts';
import { isPackageName, isVersion, PACKAGE_NAME_EXPECTED, VERSION_EXPECTED } from '../naming.ts';
import { sha256Hex } from '../sha256.ts';
import { ImportError } from './import-error.ts';
import { inferPackageIo, type PackageIo, type PackageIoOptions } from './infer-package-io.ts';
import { inspectOnnxModel } from './inspect-onnx-model.ts';
import { inspectTfjsModel } from './inspect-tfjs-model.ts';
import type { TensorInfo } from './tensor-info.ts';

/** Reads a file by its path relative to the model file's folder; `undefined` when there is none. */
export type ReadModelFile = (relativePath: string) => Promise<Uint8Array | undefined>;

/** Where a model comes from: its engine, its file name and how to read it and its neighbours. */
export interface ModelSource {
  engine: 'tfjs' | 'onnx';
  /** The `model.json` or `.onnx` file, relative to the folder `read` reads from. */
  fileName: string;
  read: ReadModelFile;
}

/** Options of {@link importModel}: what the model cannot say, and how to sign. */
export interface ImportModelOptions extends PackageIoOptions {
  /** A key pair from `generateSigningKeyPair()`; without it the package is unsigned. */
  signingKey?: { privateKey: string; publicKey: string };
  /** The manifest's `createdAt`. @defaultValue now */
  now?: Date;
}

/** What an import found and decided, for a report or the terminal. */
export interface ImportReport {
  engine: 'tfjs' | 'onnx';
  /** `layers` / `graph` for tfjs, `onnx` for ONNX. */
  kind: 'layers' | 'graph' | 'onnx';
  task: Task;
  precision: Precision;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** The artifact's files as written into the package. */
  files: Array<{ path: string; bytes: number }>;
  /** tfjs weight quantization found (`uint8`, `float16`, …). */
  quantization: string[];
  /** ONNX: the `ai.onnx` opset and the producer. */
  opset?: number;
  producer?: string;
  /** Defaults taken and flags that would help. */
  notes: string[];
}

/** A built package and what the import found. */
export interface ImportedPackage {
  built: BuiltPackage;
  report: ImportReport;
}

/** Characters and segments a package file path may use (see docs/PACKAGE-FORMAT.md, "What the validator refuses"). */
const PACKAGE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * Imports a model as package `name@version`. Reads every file the model names through
 * `source.read` and checks it before building.
 *
 * @throws ImportError (nothing is built): `IMPORT_NOT_FOUND`, `IMPORT_NOT_TFJS`,
 *   `IMPORT_MISSING_SHARD`, `IMPORT_SHARD_SIZE`, `IMPORT_NOT_ONNX`, `IMPORT_UNSUPPORTED_OPSET`,
 *   `IMPORT_MISSING_EXTERNAL_DATA`, `IMPORT_BAD_PATH`, `IMPORT_FLAG_MISSING`,
 *   `IMPORT_FLAG_INVALID`, `IMPORT_UNSUPPORTED_MODEL`.
 * @throws EdgeloopError `MANIFEST_INVALID` if the manifest validator refuses the result.
 */
export async function importModel(source: ModelSource, name: string, version: string, options: ImportModelOptions = {}): Promise<ImportedPackage> {
  if (typeof source?.read !== 'function' || typeof source.fileName !== 'string') throw new TypeError('importModel: source needs { engine, fileName, read }');
  if (!isPackageName(name)) throw new ImportError('IMPORT_FLAG_INVALID', `--name "${name}" is not a package name: ${PACKAGE_NAME_EXPECTED}`, { details: { flag: 'name', value: name } });
  if (!isVersion(version)) throw new ImportError('IMPORT_FLAG_INVALID', `--version "${version}" is not a version: ${VERSION_EXPECTED}`, { details: { flag: 'version', value: version } });
  const modelBytes = await readRequired(source, source.fileName, 'IMPORT_NOT_FOUND', 'the model file');
  const found = source.engine === 'tfjs' ? await readTfjs(source, modelBytes) : await readOnnx(source, modelBytes);
  const io = inferPackageIo(found.inputs, found.outputs, source.engine, found.activations, options);
  const artifact: ArtifactInput = {
    id: `${source.engine}-${found.precision}`,
    engine: source.engine,
    precision: found.precision,
    target: 'generic',
    // ORT runs fp16 weights in f16 on WebGPU; adapters without shader-f16 use ort-wasm instead.
    ...(source.engine === 'onnx' && found.precision === 'fp16' ? { requires: ['shader-f16' as const] } : {}),
    files: found.files,
  };
  const manifest = manifestFields(name, version, io, {
    importedFrom: source.fileName.split('/').pop()!,
    engine: source.engine,
    kind: found.kind,
    sha256: await sha256Hex(modelBytes),
    ...(found.producer ? { producer: found.producer } : {}),
  }, options.now ?? new Date());
  const built = await createPackage({ manifest, artifacts: [artifact], ...(options.signingKey ? { signingKey: options.signingKey } : {}) });
  return {
    built,
    report: {
      engine: source.engine,
      kind: found.kind,
      task: io.task,
      precision: found.precision,
      inputs: found.inputs,
      outputs: found.outputs,
      files: found.files.map((f) => ({ path: f.path, bytes: f.data.byteLength })),
      quantization: found.quantization,
      ...(found.opset !== undefined ? { opset: found.opset } : {}),
      ...(found.producer ? { producer: found.producer } : {}),
      notes: [...found.notes, ...io.notes],
    },
  };
}

/** The manifest, less `format` and `artifacts`; the import's origin goes into `lineage.trainerConfig.imported`. */
function manifestFields(name: string, version: string, io: PackageIo, imported: Record<string, string>, now: Date): CreatePackageInput['manifest'] {
  return {
    name,
    version,
    createdAt: now.toISOString(),
    task: io.task,
    input: io.input,
    output: io.output,
    ...(io.inputs ? { inputs: io.inputs } : {}),
    ...(io.outputs ? { outputs: io.outputs } : {}),
    metrics: {},
    lineage: { trainerConfig: { imported } },
  };
}

interface FoundModel {
  kind: ImportReport['kind'];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  activations: string[];
  precision: Precision;
  quantization: string[];
  files: PackageFileInput[];
  notes: string[];
  opset?: number;
  producer?: string;
}

async function readTfjs(source: ModelSource, modelBytes: Uint8Array): Promise<FoundModel> {
  const info = inspectTfjsModel(modelBytes, source.fileName);
  const notes: string[] = [];
  const dir = folderOf(source.fileName);
  info.groups.forEach((group, g) => group.paths.forEach((path, i) => checkInside(path, `${source.fileName} weightsManifest[${g}].paths[${i}]`)));
  const shards: PackageFileInput[] = [];
  const packagePaths: string[][] = [];
  for (const [g, group] of info.groups.entries()) {
    let bytes = 0;
    const paths = [];
    for (const [i, path] of group.paths.entries()) {
      const data = await readRequired(source, dir + path, 'IMPORT_MISSING_SHARD', `weight shard ${i + 1} of group ${g + 1} named in ${source.fileName}`);
      bytes += data.byteLength;
      const packagePath = PACKAGE_PATH.test(path) && path.toLowerCase() !== 'model.json' ? path : `group${g + 1}-shard${i + 1}of${group.paths.length}.bin`;
      paths.push(packagePath);
      shards.push({ path: `tfjs/${packagePath}`, data });
    }
    packagePaths.push(paths);
    if (group.bytes !== undefined && bytes < group.bytes) {
      throw new ImportError('IMPORT_SHARD_SIZE', `the weight shards of group ${g + 1} in ${source.fileName} hold ${bytes} bytes but its weights need ${group.bytes}: a shard is truncated or from another model`, {
        details: { path: source.fileName, group: g, bytes, expected: group.bytes },
      });
    }
    if (group.bytes !== undefined && bytes > group.bytes) notes.push(`weight group ${g + 1} has ${bytes - group.bytes} bytes more than its weights use`);
  }
  const renamed = packagePaths.some((paths, g) => paths.some((path, i) => path !== info.groups[g]!.paths[i]));
  let json = modelBytes;
  if (renamed) {
    const parsed = JSON.parse(new TextDecoder().decode(modelBytes)) as { weightsManifest: Array<{ paths: string[] }> };
    packagePaths.forEach((paths, g) => (parsed.weightsManifest[g]!.paths = paths));
    json = new TextEncoder().encode(JSON.stringify(parsed));
    notes.push('weight shards renamed to groupN-shardMofK.bin (their names had characters package paths cannot hold); model.json was rewritten to match');
  }
  if (info.quantization.length > 0) notes.push(`weights quantized by tfjs (${info.quantization.join(', ')}): artifact precision ${info.precision}; tfjs dequantizes them to float32 at load`);
  return {
    kind: info.kind,
    inputs: info.inputs,
    outputs: info.outputs,
    activations: info.activations,
    precision: info.precision,
    quantization: info.quantization,
    files: [{ path: 'tfjs/model.json', data: json }, ...shards],
    notes,
  };
}

async function readOnnx(source: ModelSource, modelBytes: Uint8Array): Promise<FoundModel> {
  const info = await inspectOnnxModel(modelBytes, source.fileName);
  const dir = folderOf(source.fileName);
  const files: PackageFileInput[] = [{ path: 'onnx/model.onnx', data: modelBytes }];
  for (const external of info.externalData) {
    const where = `${source.fileName} (external data "${external.location}")`;
    checkInside(external.location, where);
    if (!PACKAGE_PATH.test(external.location) || external.location.toLowerCase() === 'model.onnx') {
      throw new ImportError('IMPORT_BAD_PATH', `${where}: package file names may only use A-Z a-z 0-9 . _ - and /; save the model again with another location (onnx.save_model(..., location="weights.bin"))`, {
        details: { path: external.location },
      });
    }
    const data = await source.read(dir + external.location);
    if (data === undefined || data.byteLength < external.minBytes) {
      throw new ImportError(
        'IMPORT_MISSING_EXTERNAL_DATA',
        data === undefined
          ? `${where}: the file is missing; it must sit next to the .onnx file`
          : `${where}: the file has ${data.byteLength} bytes but the model's tensors need ${external.minBytes}`,
        { details: { path: dir + external.location, bytes: data?.byteLength ?? null, expected: external.minBytes } },
      );
    }
    files.push({ path: `onnx/${external.location}`, data });
  }
  return {
    kind: 'onnx',
    inputs: info.inputs,
    outputs: info.outputs,
    activations: info.activations,
    precision: info.precision,
    quantization: [],
    files,
    notes: info.externalData.length > 0 ? [`external data: ${info.externalData.map((e) => e.location).join(', ')} (copied next to model.onnx)`] : [],
    opset: info.opset,
    producer: info.producer,
  };
}

const folderOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '');

/**
 * Refuses a path a model file names that would read outside the model's folder (a
 * model.json from elsewhere must not copy `../../.ssh/id_rsa` into a package), or a URL.
 */
function checkInside(path: string, where: string): void {
  const segments = path.split(/[\\/]/);
  if (path === '' || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('/') || path.startsWith('\\') || segments.includes('..')) {
    throw new ImportError('IMPORT_BAD_PATH', `${where} is "${path}": files a model names must lie in its own folder (no absolute paths, URLs or '..')`, { details: { path } });
  }
}

async function readRequired(source: ModelSource, path: string, code: 'IMPORT_NOT_FOUND' | 'IMPORT_MISSING_SHARD', what: string): Promise<Uint8Array> {
  const data = await source.read(path);
  if (data === undefined) {
    const hint = code === 'IMPORT_MISSING_SHARD' ? '; copy every .bin file the converter wrote next to model.json' : '';
    throw new ImportError(code, `${what} (${path}) is missing${hint}`, { details: { path } });
  }
  return data;
}
