/**
 * `edgeloop import` (`npm run import`): turns a tfjs `model.json` (+ shards) or an ONNX
 * file (+ external data) into a signed package in a registry folder, with the registry
 * index rewritten so the new version installs like any other. The model says what it
 * can (inputs, outputs, shapes, dtypes, task, layout, precision); flags add the rest.
 * A refused import writes nothing.
 *
 * Usage: see `usage` below (`npm run import -- --help`). Only `format/` is loaded (no
 * tfjs), so an import takes well under a second for small models.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CodedError, ImportError, importModel, TASKS, type ImportModelOptions, type ImportReport, type Manifest, type Task } from '../../format/index.ts';
import { nodeModelSource, writeImportedPackage } from '../../format/node.ts';
import type { CheckInputOptions } from '../import-check/check-inputs.ts';
import type { CliCommand } from './cli-command.ts';

/** One backend's outcome in a `--check`. */
export interface BackendCheck {
  backend: string;
  /** True when the package loaded and predicted on this backend. */
  ran: boolean;
  /** Why it did not (the engine's message, e.g. an unsupported operator). */
  reason?: string;
  /** Largest |Δ| of its outputs against the first backend that ran. */
  maxAbsDiff?: number;
  /** Top-1 agreement with the first backend that ran (classifiers). */
  top1Agree?: boolean;
  /** Largest |Δ| of edgeloop's outputs against the raw engine (tfjs / onnxruntime-web called directly) on this backend. */
  rawMaxAbsDiff?: number;
  rawTop1Agree?: boolean;
}

/** What `--check` found. */
export interface PackageCheck {
  backends: BackendCheck[];
  /** Every backend that ran agrees with the first within `tolerance`. */
  agree: boolean;
  tolerance: number;
}

/**
 * Loads a written package version in Chromium on every backend its artifact allows (this
 * repository's `npm run import -- --check`), on a seeded input shaped by `inputs`.
 */
export type CheckImportedPackage = (registryDir: string, manifest: Manifest, inputs: CheckInputOptions, log: (line: string) => void) => Promise<PackageCheck>;

const FLAGS = {
  tfjs: { type: 'string' },
  onnx: { type: 'string' },
  name: { type: 'string' },
  version: { type: 'string' },
  out: { type: 'string' },
  labels: { type: 'string' },
  'labels-file': { type: 'string' },
  task: { type: 'string' },
  scale: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  layout: { type: 'string' },
  size: { type: 'string' },
  state: { type: 'string' },
  key: { type: 'string' },
  check: { type: 'boolean' },
  'input-shape': { type: 'string' },
  'input-value': { type: 'string' },
  'check-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const usage = (prog: string) => `usage: ${prog} (--tfjs <model.json> | --onnx <model.onnx>) --name <name> --version <semver> --out <registry dir> [options]

  --tfjs <model.json>     a tfjs layers or graph model; its weight shards are read from the same folder
  --onnx <model.onnx>     an ONNX model (opset 7–26); external-data files are read from the same folder
  --name <name>           package name (a-z 0-9 . _ -)
  --version <semver>      package version, e.g. 1.0.0 (versions are immutable)
  --out <dir>             registry folder: writes <dir>/<name>/<version>/ and rewrites <dir>/<name>/index.json
  --labels a,b,…          class names in output order (classifiers; default class_0 … class_<n-1>)
  --labels-file <file>    class names, one per line
  --task <task>           ${TASKS.join(' | ')} (default: from the model's inputs and outputs)
  --scale <x>             multiply raw values first, e.g. 0.00392156862745098 or 1/255 for 0–255 pixels
  --mean <m[,m…]>         subtract per channel (images) or feature (tabular); with --std
  --std <s[,s…]>          then divide
  --layout <NHWC|NCHW>    image layout (default: from where the 1- or 3-channel dimension is)
  --size <W>x<H>          resize pictures to this for a model with a dynamic height and width
  --state in=out[,…]      tensor models: the output each state input is fed from on the next call
                          (default: from the names, e.g. state=stateN, h=hn)
  --input-shape in=1x512  tensor models: a typical shape of an input (its manifest warmup: the runtime warms up
                          and measures backends on it, --check feeds it); 'scalar' for []
  --input-value sr=16000  tensor models: a value every element of an input gets in that typical input (a sample rate)
  --key <publisher.json>  sign the manifest and index.json with this { publicKey, privateKey } key pair
  --check                 load the package in Chromium on every backend its artifact allows, report which run and
                          which refuse, and compare their outputs (in the edgeloop repository: npm run import -- --check)
  --check-size <n>        --check: size of dynamic dimensions no --size or --input-shape fixes (default 64; batch 1)

examples:
  ${prog} --tfjs web_model/model.json --name pets --version 1.0.0 --out registry --labels-file labels.txt --scale 1/255
  ${prog} --onnx silero_vad.onnx --name vad --version 5.0.0 --out registry --input-shape input=1x512 --input-value sr=16000 --check
  ${prog} --onnx resnet18.onnx --name resnet --version 1.0.0 --out registry --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --scale 1/255 --size 224x224`;

const flagError = (flag: string, message: string): ImportError => new ImportError('IMPORT_FLAG_INVALID', `--${flag} ${message}`, { details: { flag } });

/** A number, or a fraction such as `1/255`. */
function numberFlag(flag: string, value: string): number {
  const fraction = /^\s*([-+]?[\d.e+-]+)\s*\/\s*([\d.e+-]+)\s*$/.exec(value);
  const n = fraction ? Number(fraction[1]) / Number(fraction[2]) : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw flagError(flag, `must be a number such as 0.5 or 1/255 (got '${value}')`);
  return n;
}

const numberList = (flag: string, value: string): number[] => value.split(',').map((part) => numberFlag(flag, part));

/** `a=x,b=y` → `{ a: parse(x), b: parse(y) }`. */
function pairs<T>(flag: string, value: string, example: string, parse: (text: string) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const pair of value.split(',')) {
    const [name, text, ...rest] = pair.split('=').map((s) => s.trim());
    const parsed = text === undefined ? undefined : parse(text);
    if (!name || parsed === undefined || rest.length > 0) throw flagError(flag, `must be name=value pairs, e.g. ${example} (got '${value}')`);
    out[name] = parsed;
  }
  return out;
}

/** `--input-shape` / `--input-value` → each named input's warm-up. */
function warmupFlags(f: { 'input-shape'?: string; 'input-value'?: string }): ImportModelOptions['warmup'] {
  if (f['input-shape'] === undefined && f['input-value'] === undefined) return undefined;
  const warmup: NonNullable<ImportModelOptions['warmup']> = {};
  const shapes = f['input-shape'] === undefined ? {} : pairs('input-shape', f['input-shape'], 'input=1x512', (text) => (/^\d+(x\d+)*$/.test(text) ? text.split('x').map(Number) : text === 'scalar' ? [] : undefined));
  const values = f['input-value'] === undefined ? {} : pairs('input-value', f['input-value'], 'sr=16000', (text) => (text !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined));
  for (const [name, shape] of Object.entries(shapes)) warmup[name] = { ...warmup[name], shape };
  for (const [name, value] of Object.entries(values)) warmup[name] = { ...warmup[name], value };
  return warmup;
}

function checkInputFlags(f: { 'check-size'?: string }): CheckInputOptions {
  if (f['check-size'] === undefined) return {};
  const size = Number(f['check-size']);
  if (!Number.isInteger(size) || size < 1) throw flagError('check-size', `must be a whole number ≥ 1 (got '${f['check-size']}')`);
  return { dynamicSize: size };
}

async function importOptions(f: ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values']): Promise<ImportModelOptions> {
  const options: ImportModelOptions = {};
  if (f.labels !== undefined && f['labels-file'] !== undefined) throw flagError('labels', 'and --labels-file are two ways to give the labels; pass one');
  if (f.labels !== undefined) options.labels = f.labels.split(',').map((l) => l.trim());
  if (f['labels-file'] !== undefined) {
    const text = await readFile(f['labels-file'], 'utf8').catch((cause: Error) => {
      throw new ImportError('IMPORT_NOT_FOUND', `--labels-file ${f['labels-file']} cannot be read (${cause.message})`, { details: { flag: 'labels-file' }, cause });
    });
    options.labels = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  }
  if (f.task !== undefined) {
    if (!(TASKS as readonly string[]).includes(f.task)) throw flagError('task', `must be one of ${TASKS.join(', ')} (got '${f.task}')`);
    options.task = f.task as Task;
  }
  if (f.scale !== undefined) options.scale = numberFlag('scale', f.scale);
  if (f.mean !== undefined) options.mean = numberList('mean', f.mean);
  if (f.std !== undefined) options.std = numberList('std', f.std);
  if (f.layout !== undefined) {
    if (f.layout !== 'NHWC' && f.layout !== 'NCHW') throw flagError('layout', `must be NHWC or NCHW (got '${f.layout}')`);
    options.layout = f.layout;
  }
  if (f.size !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(f.size.trim());
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw flagError('size', `must be <width>x<height>, e.g. 224x224 (got '${f.size}')`);
    options.size = { width: Number(match[1]), height: Number(match[2]) };
  }
  if (f.state !== undefined) options.state = pairs('state', f.state, 'state=stateN,h=hn', (output) => output || undefined);
  const warmup = warmupFlags(f);
  if (warmup) options.warmup = warmup;
  if (f.key !== undefined) options.signingKey = await readKey(f.key);
  return options;
}

async function readKey(path: string): Promise<{ publicKey: string; privateKey: string }> {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new ImportError('IMPORT_FLAG_INVALID', `--key ${path} cannot be read as JSON (${(cause as Error).message})`, { details: { flag: 'key', path }, cause });
  }
  if (typeof key?.publicKey !== 'string' || typeof key.privateKey !== 'string') {
    throw new ImportError('IMPORT_FLAG_INVALID', `--key ${path} must hold { publicKey, privateKey } (as fixtures/keys/publisher.json does)`, { details: { flag: 'key', path } });
  }
  return { publicKey: key.publicKey, privateKey: key.privateKey };
}

const kib = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);
const tensors = (list: ImportReport['inputs']): string => list.map((t) => `${t.name} ${t.dtype}[${t.shape.join(', ')}]`).join(', ');

async function main(args: readonly string[], usageText: string, check: CheckImportedPackage | undefined): Promise<void> {
  const started = performance.now();
  const { values: f } = parseArgs({ args: [...args], options: FLAGS });
  if (f.help) {
    console.log(usageText);
    return;
  }
  if ((f.tfjs === undefined) === (f.onnx === undefined)) {
    throw new ImportError('IMPORT_FLAG_MISSING', f.tfjs === undefined ? 'give the model: --tfjs <model.json> or --onnx <model.onnx>' : '--tfjs and --onnx both given; import one model at a time', {
      details: { flag: 'tfjs|onnx' },
    });
  }
  for (const flag of ['name', 'version', 'out'] as const) {
    if (!f[flag]) throw new ImportError('IMPORT_FLAG_MISSING', `--${flag} is required`, { details: { flag } });
  }
  if (f.check && !check) throw flagError('check', 'loads the package in Chromium through the edgeloop repository; run npm run import -- --check there');
  const engine = f.tfjs !== undefined ? 'tfjs' : 'onnx';
  const modelPath = (f.tfjs ?? f.onnx)!;
  const options = await importOptions(f);
  const checkInputs = checkInputFlags(f);

  console.log(`reading ${modelPath} (${engine})…`);
  const { built, report } = await importModel(nodeModelSource(engine, modelPath), f.name!, f.version!, options);
  const kind = report.kind === 'onnx' ? `ONNX opset ${report.opset}${report.producer ? `, from ${report.producer}` : ''}` : `tfjs ${report.kind} model`;
  console.log(`${kind}: ${tensors(report.inputs)} → ${tensors(report.outputs)}`);
  console.log(`task ${report.task}; artifact ${built.manifest.artifacts[0]!.id} (${report.files.length} files, ${kib(report.files.reduce((s, file) => s + file.bytes, 0))})`);
  for (const note of report.notes) console.log(`note: ${note}`);

  const written = await writeImportedPackage(f.out!, built, options.signingKey ? { signingKey: options.signingKey } : {});
  console.log(`wrote ${written.versionDir}/ (manifest ${built.signature ? 'signed' : 'unsigned'})`);
  console.log(`${written.indexPath}: versions ${written.versions.join(', ')}; latest → ${written.aliases.latest}`);
  for (const note of written.notes) console.log(`note: ${note}`);

  if (f.check && check) {
    const result = await check(f.out!, built.manifest, checkInputs, (line) => console.log(line));
    const ran = result.backends.filter((b) => b.ran);
    if (ran.length === 0) {
      throw new ImportError('IMPORT_CHECK_FAILED', `no backend could run ${built.manifest.name}@${built.manifest.version}: ${result.backends.map((b) => `${b.backend}: ${b.reason}`).join('; ')}`, {
        details: { backends: result.backends },
      });
    }
    if (!result.agree) {
      const differing = ran.filter((b) => !((b.maxAbsDiff ?? 0) <= result.tolerance) || b.top1Agree === false);
      throw new ImportError('IMPORT_CHECK_FAILED', `${differing.map((b) => `${b.backend}`).join(', ')} disagree${differing.length === 1 ? 's' : ''} with ${ran[0]!.backend} by more than ${result.tolerance} (max |Δ| ${differing.map((b) => b.maxAbsDiff).join(', ')}): the engines compute this model differently; see the lines above`, {
        details: { backends: result.backends },
      });
    }
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** `edgeloop import`; `check` enables `--check`. */
export function createImportCommand(options: { check?: CheckImportedPackage } = {}): CliCommand {
  return {
    async run(args, prog) {
      const usageText = usage(prog);
      try {
        await main(args, usageText, options.check);
      } catch (error) {
        const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
        if (!(error instanceof CodedError) && !parseError) throw error;
        const flagProblem = parseError || /^IMPORT_FLAG_/.test((error as CodedError).code);
        process.stderr.write(`error${parseError ? '' : ` [${(error as CodedError).code}]`}: ${(error as Error).message}\n${flagProblem ? `\n${usageText}\n` : ''}`);
        process.exitCode = flagProblem ? 2 : 1;
      }
    },
  };
}
