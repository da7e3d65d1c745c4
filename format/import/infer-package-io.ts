/**
 * From what a model file says about its inputs and outputs (and what the user added)
 * to the manifest's `task`, `input`, `output` and, for the `tensor` task, every named
 * input and output: the task (one float rank-4 input and a [N, C] output is an image
 * classifier, a rank-2 input a tabular model, anything else a generic tensor model), the
 * image layout, labels and preprocessing. It asks (a typed error naming the flag) only
 * for what the model cannot say.
 */
import type { ManifestInput, ManifestOutput, Preprocessing, Task, TensorDtype } from '../manifest.ts';
import { ImportError } from './import-error.ts';
import { isTensorDtype, shapeText, type TensorInfo } from './tensor-info.ts';

/** What the user may add to what the model says (every field optional). */
export interface PackageIoOptions {
  /** The task; inferred from the inputs and outputs when absent. */
  task?: Task;
  /** Class names in output order (classifiers). @defaultValue `class_0` … `class_<n-1>`, with a note */
  labels?: string[];
  /** Image layout; inferred from where the 1- or 3-channel dimension is when absent. */
  layout?: 'NHWC' | 'NCHW';
  /** Multiply raw values by this first (e.g. 1/255 for 8-bit pixels). */
  scale?: number;
  /** Per-channel (images) or per-feature (tabular) mean and std; give both or neither. */
  mean?: number[];
  std?: number[];
  /** Image size the runtime resizes pictures to, for models with a dynamic height and width. */
  size?: { width: number; height: number };
  /** `tensor` task: input name → the output whose value feeds it on the next call. Inferred from names (`state`→`stateN`, `h`→`hn`) when absent. */
  state?: Record<string, string>;
  /**
   * `tensor` task: input name → a typical input (a shape with every -1 filled in, a value
   * for every element), written as the input's `warmup`: the runtime warms up and measures
   * `auto` on it, and `--check` feeds it (e.g. `{ input: { shape: [1, 512] }, sr: { value: 16000 } }`).
   */
  warmup?: Record<string, { shape?: number[]; value?: number }>;
}

/** The manifest's description of the model's inputs and outputs. */
export interface PackageIo {
  task: Task;
  input: ManifestInput;
  output: ManifestOutput;
  /** `tensor` task: every input and output (the first of each is `input` / `output`). */
  inputs?: ManifestInput[];
  outputs?: ManifestOutput[];
  /** What the user should know: defaults taken, flags that would help. */
  notes: string[];
}

const flagMissing = (flag: string, message: string): ImportError => new ImportError('IMPORT_FLAG_MISSING', message, { details: { flag } });
const flagInvalid = (flag: string, message: string, details: Record<string, unknown> = {}): ImportError =>
  new ImportError('IMPORT_FLAG_INVALID', message, { details: { flag, ...details } });

/**
 * Describes the model's inputs and outputs for the manifest. `engine` breaks a layout tie
 * (tfjs models are channels-last).
 *
 * @throws ImportError `IMPORT_UNSUPPORTED_MODEL` (an unknown shape, a dtype packages cannot
 *   carry), `IMPORT_FLAG_MISSING`, `IMPORT_FLAG_INVALID`.
 */
export function inferPackageIo(inputs: TensorInfo[], outputs: TensorInfo[], engine: 'tfjs' | 'onnx', activations: string[], options: PackageIoOptions = {}): PackageIo {
  if (inputs.length === 0 || outputs.length === 0) {
    throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `the model has ${inputs.length} inputs and ${outputs.length} outputs; a package needs at least one of each`, {
      details: { inputs: inputs.length, outputs: outputs.length },
    });
  }
  for (const [kind, list] of [['input', inputs], ['output', outputs]] as const) {
    for (const t of list) {
      if (t.unknownAt !== undefined) {
        throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `cannot tell the shape of ${kind} "${t.name}": shape inference stops at ${t.unknownAt}, a layer the importer does not know`, {
          details: { [kind]: t.name, at: t.unknownAt },
        });
      }
      if (!isTensorDtype(t.dtype)) {
        throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `${kind} "${t.name}" has element type ${t.dtype}; packages carry float32, float16, int32, int64, uint8 and bool tensors`, {
          details: { [kind]: t.name, dtype: t.dtype },
        });
      }
    }
  }
  const task = options.task ?? inferTask(inputs, outputs, options);
  if (task === 'tensor') return tensorIo(inputs, outputs, options);
  if (options.warmup !== undefined) throw flagInvalid('input-shape', `--input-shape and --input-value describe tensor models' inputs; this ${task} model takes pictures or rows (see --size)`);
  const input = inputs[0]!;
  const output = outputs[0]!;
  const rank = task === 'image-classification' ? 4 : 2;
  if (inputs.length !== 1 || outputs.length !== 1 || input.dtype !== 'float32' || input.shape.length !== rank || output.shape.length !== 2) {
    throw flagInvalid('task', `--task ${task} needs one float32 input of rank ${rank} and one [N, C] output; the model has ${describeAll(inputs)} → ${describeAll(outputs)} (use --task tensor)`, { task });
  }
  const notes: string[] = [];
  const producer = activations[0] ?? 'linear';
  const activation = producer === 'softmax' || producer === 'sigmoid' ? 'none' : task === 'tabular-regression' ? 'none' : 'softmax';
  if (activation === 'none' && task !== 'tabular-regression') notes.push(`the model ends in ${producer}: its outputs are scores already (output.activation "none")`);
  const imported: ManifestInput = { name: input.name, shape: input.shape, dtype: 'float32' };
  const channelsOrFeatures = task === 'image-classification' ? imageInput(imported, engine, options, notes) : input.shape[1]!;
  const preprocessing = { ...imported.preprocessing, ...numericPreprocessing(channelsOrFeatures, task === 'image-classification' ? 'channels' : 'features', options, notes) };
  if (Object.keys(preprocessing).length > 0) imported.preprocessing = preprocessing;
  const out: ManifestOutput = { name: output.name, shape: output.shape, activation };
  if (task !== 'tabular-regression') out.labels = labelsFor(output, options, notes);
  else if (options.labels !== undefined) throw flagInvalid('labels', '--labels applies to classifiers, not --task tabular-regression');
  return { task, input: imported, output: out, notes };
}

function inferTask(inputs: TensorInfo[], outputs: TensorInfo[], options: PackageIoOptions): Task {
  const [input] = inputs;
  const [output] = outputs;
  if (inputs.length !== 1 || outputs.length !== 1 || input!.dtype !== 'float32' || output!.dtype !== 'float32' || output!.shape.length !== 2) return 'tensor';
  if (input!.shape.length === 4) return 'image-classification';
  if (input!.shape.length !== 2) return 'tensor';
  return output!.shape[1] === 1 && options.labels === undefined ? 'tabular-regression' : 'tabular-classification';
}

/** Fills layout, resize and colour space of an image input; returns its channel count. */
function imageInput(input: ManifestInput, engine: 'tfjs' | 'onnx', options: PackageIoOptions, notes: string[]): number {
  const shape = input.shape;
  const isChannels = (d: number | undefined) => d === 1 || d === 3;
  let layout = options.layout;
  if (layout === undefined) {
    if (isChannels(shape[3]) && !isChannels(shape[1])) layout = 'NHWC';
    else if (isChannels(shape[1]) && !isChannels(shape[3])) layout = 'NCHW';
    else if (engine === 'tfjs') layout = 'NHWC';
    else throw flagMissing('layout', `cannot tell whether input ${shapeText(shape)} is NHWC or NCHW; pass --layout NHWC or --layout NCHW`);
    notes.push(`image layout ${layout} (from the input shape ${shapeText(shape)}; --layout overrides)`);
  }
  const [channels, height, width] = layout === 'NHWC' ? [shape[3]!, shape[1]!, shape[2]!] : [shape[1]!, shape[2]!, shape[3]!];
  if (!isChannels(channels)) {
    throw flagInvalid('layout', `a ${layout} image input ${shapeText(shape)} has ${channels === -1 ? 'a dynamic number of' : channels} channels; image models take 1 (grayscale) or 3 (RGB): check --layout, or import with --task tensor`, { layout, shape });
  }
  input.layout = layout;
  const preprocessing: Preprocessing = { colorSpace: channels === 1 ? 'grayscale' : 'rgb' };
  if (options.size !== undefined) {
    const { width: w, height: h } = options.size;
    if ((height !== -1 && height !== h) || (width !== -1 && width !== w)) {
      throw flagInvalid('size', `--size ${w}x${h} differs from the model's fixed input ${width}×${height}`, { size: options.size, shape });
    }
    preprocessing.resize = { width: w, height: h };
  } else if (height !== -1 && width !== -1) {
    preprocessing.resize = { width, height };
  } else {
    notes.push(`the input's height and width are dynamic ${shapeText(shape)}: pass images as { data, shape } tensors, or import with --size <width>x<height> to have pictures resized`);
  }
  input.preprocessing = preprocessing;
  return channels;
}

function numericPreprocessing(count: number, what: 'channels' | 'features', options: PackageIoOptions, notes: string[]): Preprocessing {
  const { scale, mean, std } = options;
  const result: Preprocessing = {};
  if (scale !== undefined) {
    if (!Number.isFinite(scale)) throw flagInvalid('scale', `--scale must be a finite number (got ${scale})`);
    result.scale = scale;
  }
  if ((mean === undefined) !== (std === undefined)) throw flagMissing(mean === undefined ? 'mean' : 'std', '--mean and --std go together: give both (one value, or one per channel/feature)');
  if (mean !== undefined && std !== undefined) {
    for (const [flag, values] of [['mean', mean], ['std', std]] as const) {
      if (values.length !== 1 && values.length !== count) {
        throw flagInvalid(flag, `--${flag} has ${values.length} values; give 1 or one per ${what.slice(0, -1)} (${count})`, { expected: count, actual: values.length });
      }
    }
    if (std.some((s) => !(s > 0))) throw flagInvalid('std', `--std values must be greater than 0 (got ${std.join(',')})`);
    result.mean = [...mean];
    result.std = [...std];
  }
  if (scale === undefined && mean === undefined && what === 'channels') {
    notes.push('no --scale/--mean/--std: pictures reach the model as raw 0–255 values; if it was trained on 0–1 pixels, import again with --scale 0.00392156862745098');
  }
  return result;
}

function labelsFor(output: TensorInfo, options: PackageIoOptions, notes: string[]): string[] {
  const width = output.shape[1]!;
  if (options.labels !== undefined) {
    if (width !== -1 && options.labels.length !== width) {
      throw flagInvalid('labels', `${options.labels.length} labels given for ${width} outputs (output "${output.name}" ${shapeText(output.shape)})`, {
        expected: width,
        actual: options.labels.length,
      });
    }
    return [...options.labels];
  }
  if (width === -1) throw flagMissing('labels', `output "${output.name}" ${shapeText(output.shape)} has a dynamic number of classes; pass --labels a,b,… or --labels-file <file>`);
  notes.push(`no --labels: the ${width} classes are named class_0 … class_${width - 1}; pass --labels a,b,… or --labels-file <file> (one per line)`);
  return Array.from({ length: width }, (_, i) => `class_${i}`);
}

function tensorIo(inputs: TensorInfo[], outputs: TensorInfo[], options: PackageIoOptions): PackageIo {
  for (const flag of ['labels', 'layout', 'scale', 'mean', 'std', 'size'] as const) {
    if (options[flag] !== undefined) throw flagInvalid(flag, `--${flag} applies to image and tabular models; this one is imported as --task tensor`);
  }
  for (const name of Object.keys(options.warmup ?? {})) {
    if (!inputs.some((i) => i.name === name)) throw flagInvalid('input-shape', `names input "${name}", which the model does not have (${inputs.map((i) => i.name).join(', ')})`);
  }
  const notes: string[] = [];
  const outputNames = new Set(outputs.map((o) => o.name));
  const state = options.state ?? inferState(inputs, outputs);
  for (const [from, to] of Object.entries(state)) {
    if (!inputs.some((i) => i.name === from)) throw flagInvalid('state', `--state names input "${from}", which the model does not have (${inputs.map((i) => i.name).join(', ')})`);
    if (!outputNames.has(to)) throw flagInvalid('state', `--state names output "${to}", which the model does not have (${[...outputNames].join(', ')})`);
  }
  const imported = inputs.map((t): ManifestInput => {
    const from = state[t.name];
    const warmup = options.warmup?.[t.name];
    if (from === undefined) return { name: t.name, shape: t.shape, dtype: t.dtype as TensorDtype, ...(warmup ? { warmup: { ...warmup } } : {}) };
    // The runtime starts a state input at zeros of its shape, so every dimension must be known:
    // a dynamic one (the batch, as in Silero VAD's [2, batch, 128]) becomes 1, one sequence at a time.
    const shape = t.shape.map((d) => (d === -1 ? 1 : d));
    if (shape.some((d, i) => d !== t.shape[i])) notes.push(`state input "${t.name}" ${shapeText(t.shape)} is carried as ${shapeText(shape)} (dynamic dimensions set to 1: one sequence at a time)`);
    return { name: t.name, shape, dtype: t.dtype as TensorDtype, state: { from }, ...(warmup ? { warmup: { ...warmup } } : {}) };
  });
  const exported = outputs.map((t): ManifestOutput => ({ name: t.name, shape: t.shape, activation: 'none', dtype: t.dtype as TensorDtype }));
  if (Object.keys(state).length > 0 && options.state === undefined) {
    notes.push(`state carried between calls: ${Object.entries(state).map(([i, o]) => `${o} → ${i}`).join(', ')} (from the names; --state input=output overrides)`);
  }
  notes.push(`generic tensor model: ${describeAll(inputs)} → ${describeAll(outputs)}`);
  return { task: 'tensor', input: imported[0]!, output: exported[0]!, inputs: imported, outputs: exported, notes };
}

/** Input → output pairs whose names say the output is the input's next value (`state`/`stateN`, `h`/`hn`, `past…`/`present…`). */
function inferState(inputs: TensorInfo[], outputs: TensorInfo[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const input of inputs) {
    const n = input.name;
    const candidates = [`${n}n`, `${n}N`, `${n}_out`, `${n}_new`, `${n}_next`, `next_${n}`, `new_${n}`, n.replace(/_in$/, '_out'), n.replace(/^past_key_values/, 'present')];
    const match = outputs.find((o) => o.name !== n && candidates.includes(o.name) && o.dtype === input.dtype && o.shape.length === input.shape.length);
    if (match) pairs[n] = match.name;
  }
  return pairs;
}

function describeAll(list: TensorInfo[]): string {
  return list.map((t) => `${t.name} ${t.dtype}${shapeText(t.shape)}`).join(', ');
}
