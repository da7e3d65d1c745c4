/**
 * Internal to the manifest validator: the model's inputs and outputs — `input`,
 * `output`, and for `tensor` models every named one in `inputs` / `outputs` — with
 * their shapes, element types, preprocessing, carried state, and the rules an image
 * input must follow (rank 4, batch first, channels that match the colour space).
 * See validate-manifest.ts.
 */
import {
  array,
  boolean,
  describe,
  fail,
  finite,
  indexPath,
  integer,
  keyPath,
  numbers,
  oneOf,
  strictObject,
  string,
  type JsonObject,
} from './json-checks.ts';
import {
  CLASSIFIER_INPUT_DTYPES,
  TENSOR_DTYPES,
  type ManifestInput,
  type ManifestOutput,
  type Preprocessing,
  type Task,
} from './manifest.ts';
import { MANIFEST_LIMITS } from './manifest-limits.ts';

const L = MANIFEST_LIMITS;

const SHAPE = {
  input: { required: ['name', 'shape', 'dtype'], optional: ['layout', 'preprocessing', 'state', 'warmup'] },
  state: { required: ['from'] },
  warmup: { required: [], optional: ['value', 'shape'] },
  preprocessing: { required: [], optional: ['resize', 'colorSpace', 'invert', 'scale', 'mean', 'std'] },
  resize: { required: ['width', 'height'] },
  output: { required: ['name', 'shape', 'activation'], optional: ['dtype', 'labels'] },
} as const;

/** The validated inputs and outputs of a manifest. */
export interface ModelIo {
  input: ManifestInput;
  output: ManifestOutput;
  inputs?: ManifestInput[];
  outputs?: ManifestOutput[];
}

/**
 * Checks `input`, `output`, `inputs` and `outputs` of the manifest object `m` for
 * `task`: a `tensor` model lists every input and output (unique names, `input` =
 * `inputs[0]`, `output` = `outputs[0]`); any other task has one of each.
 */
export function modelIo(m: JsonObject, task: Task): ModelIo {
  const tensor = task === 'tensor';
  const io: ModelIo = {
    input: input(m.input, 'input', task, task === 'image-classification'),
    output: output(m.output, 'output', task),
  };
  if (tensor) {
    if (m.inputs === undefined) fail('inputs', 'required', 'is required for task "tensor": list every input of the model, in order (input is inputs[0])');
    if (m.outputs === undefined) fail('outputs', 'required', 'is required for task "tensor": list every output of the model, in order (output is outputs[0])');
  }
  const most = tensor ? L.maxTensors : 1;
  const why = tensor ? 'inputs' : `inputs (task "${task}" has one input; use task "tensor" for more)`;
  if (m.inputs !== undefined) {
    io.inputs = array(m.inputs, 'inputs', 1, most, why).map((item, i) => input(item, indexPath('inputs', i), task, i === 0 && task === 'image-classification'));
    uniqueNames(io.inputs, 'inputs');
    same(io.input, io.inputs[0]!, 'input', 'inputs[0]');
  }
  if (m.outputs !== undefined) {
    const whyOut = tensor ? 'outputs' : `outputs (task "${task}" has one output; use task "tensor" for more)`;
    io.outputs = array(m.outputs, 'outputs', 1, most, whyOut).map((item, i) => output(item, indexPath('outputs', i), task));
    uniqueNames(io.outputs, 'outputs');
    same(io.output, io.outputs[0]!, 'output', 'outputs[0]');
  }
  (io.inputs ?? [io.input]).forEach((item, i) => {
    if (item.state !== undefined) state(item, io.inputs ? indexPath('inputs', i) : 'input', io.outputs ?? []);
  });
  return io;
}

function shape(value: unknown, field: string, minRank: number): number[] {
  const what = 'dimensions (integers ≥ 1, or -1 for "any")';
  const dims = array(value, field, minRank, L.maxDims, minRank === 0 ? `${what}; [] for a scalar` : what);
  return dims.map((dim, i) => {
    const ok = typeof dim === 'number' && Number.isInteger(dim) && (dim === -1 || (dim >= 1 && dim <= L.maxDimSize));
    if (!ok) {
      fail(indexPath(field, i), typeof dim === 'number' ? 'value' : 'type', `must be an integer ≥ 1, or -1 for "any" (got ${describe(dim)})`);
    }
    return dim as number;
  });
}

function input(value: unknown, field: string, task: Task, imageTask: boolean): ManifestInput {
  const o = strictObject(value, field, SHAPE.input);
  const tensor = task === 'tensor';
  const result: ManifestInput = {
    name: string(o.name, keyPath(field, 'name'), 1, 128),
    shape: shape(o.shape, keyPath(field, 'shape'), tensor ? 0 : 1),
    dtype: oneOf(o.dtype, keyPath(field, 'dtype'), tensor ? TENSOR_DTYPES : CLASSIFIER_INPUT_DTYPES),
  };
  if (o.layout !== undefined) result.layout = oneOf(o.layout, keyPath(field, 'layout'), ['NHWC', 'NCHW'] as const);
  if (o.preprocessing !== undefined) {
    result.preprocessing = preprocessing(o.preprocessing, keyPath(field, 'preprocessing'));
    if (tensor && result.dtype !== 'float32') {
      fail(keyPath(field, 'preprocessing'), 'value', `applies to float32 inputs only (this input is ${result.dtype}); remove it or make the input float32`);
    }
  }
  if (o.state !== undefined) {
    const at = keyPath(field, 'state');
    if (!tensor) fail(at, 'value', `is for task "tensor" only (this manifest's task is "${task}")`);
    const s = strictObject(o.state, at, SHAPE.state);
    result.state = { from: string(s.from, keyPath(at, 'from'), 1, 128) };
  }
  if (o.warmup !== undefined) {
    const at = keyPath(field, 'warmup');
    if (!tensor) fail(at, 'value', `is for task "tensor" only (this manifest's task is "${task}")`);
    result.warmup = warmup(o.warmup, at, result);
  }
  if (imageTask || result.layout !== undefined) image(result, field);
  return result;
}

/** Value ranges of the integer dtypes a warm-up value must fall in. */
const WARMUP_RANGES: Partial<Record<string, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  bool: [0, 1],
};

function warmup(value: unknown, field: string, input: ManifestInput): NonNullable<ManifestInput['warmup']> {
  const o = strictObject(value, field, SHAPE.warmup);
  const result: NonNullable<ManifestInput['warmup']> = {};
  if (o.value !== undefined) {
    const at = keyPath(field, 'value');
    const range = WARMUP_RANGES[input.dtype];
    result.value = range ? integer(o.value, at, range[0], range[1], `a ${input.dtype} value`) : finite(o.value, at);
  }
  if (o.shape !== undefined) {
    const at = keyPath(field, 'shape');
    result.shape = shape(o.shape, at, input.shape.length);
    const fits = result.shape.length === input.shape.length && result.shape.every((d, i) => d !== -1 && (input.shape[i] === -1 || input.shape[i] === d));
    if (!fits) fail(at, 'value', `is [${result.shape.join(', ')}] but must be the input's shape [${input.shape.join(', ')}] with every -1 given a size`);
  }
  return result;
}

/**
 * An image input is rank 4, batch first, in its layout (NHWC by default); its channels
 * agree with `colorSpace` and its height and width with `resize` where both are known.
 * A rank-2 input with no `layout` is a flattened image (`[batch, height × width ×
 * channels]`, e.g. an MLP on MNIST's 784 pixels): its size must agree with `resize` and
 * `colorSpace` where they are given.
 */
function image(value: ManifestInput, field: string): void {
  const layout = value.layout ?? 'NHWC';
  const dims = layout === 'NHWC' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  const at = keyPath(field, 'shape');
  const { shape: s, preprocessing: p = {} } = value;
  if (s.length === 2 && value.layout === undefined) {
    const { resize, colorSpace } = p;
    if (resize !== undefined && colorSpace !== undefined && s[1] !== -1) {
      const pixels = resize.width * resize.height * (colorSpace === 'grayscale' ? 1 : 3);
      if (s[1] !== pixels) fail(at, 'value', `is [${s.join(', ')}], a flattened image of ${s[1]} values, but preprocessing (${resize.width}×${resize.height} ${colorSpace}) gives ${pixels}; make them agree`);
    }
    return;
  }
  if (s.length !== 4) {
    const hint = s.length === 3 ? `: add the batch dimension first, e.g. [${[-1, ...s].join(', ')}] (-1 = any batch size)` : '';
    fail(at, 'length', `is [${s.join(', ')}] but an image input (layout ${layout}) needs 4 dimensions, ${dims}${hint}`);
  }
  const [channels, height, width] = layout === 'NHWC' ? [s[3]!, s[1]!, s[2]!] : [s[1]!, s[2]!, s[3]!];
  if (p.colorSpace !== undefined && channels !== -1) {
    const wanted = p.colorSpace === 'grayscale' ? 1 : 3;
    if (channels !== wanted) {
      fail(at, 'value', `has ${channels} channel${channels === 1 ? '' : 's'} (${dims}) but preprocessing.colorSpace "${p.colorSpace}" gives ${wanted}; make them agree`);
    }
  }
  const { resize } = p;
  if (resize !== undefined && ((height !== -1 && height !== resize.height) || (width !== -1 && width !== resize.width))) {
    fail(keyPath(keyPath(field, 'preprocessing'), 'resize'), 'value', `is ${resize.width}×${resize.height} but ${at} [${s.join(', ')}] takes ${width}×${height} images (width × height); make them agree`);
  }
}

function preprocessing(value: unknown, field: string): Preprocessing {
  const o = strictObject(value, field, SHAPE.preprocessing);
  const result: Preprocessing = {};
  if (o.resize !== undefined) {
    const at = keyPath(field, 'resize');
    const r = strictObject(o.resize, at, SHAPE.resize);
    result.resize = {
      width: integer(r.width, keyPath(at, 'width'), 1, L.maxResize, 'a width in pixels'),
      height: integer(r.height, keyPath(at, 'height'), 1, L.maxResize, 'a height in pixels'),
    };
  }
  if (o.colorSpace !== undefined) {
    result.colorSpace = oneOf(o.colorSpace, keyPath(field, 'colorSpace'), ['grayscale', 'rgb'] as const);
  }
  if (o.invert !== undefined) result.invert = boolean(o.invert, keyPath(field, 'invert'));
  if (o.scale !== undefined) result.scale = finite(o.scale, keyPath(field, 'scale'));
  if (o.mean !== undefined) result.mean = numbers(o.mean, keyPath(field, 'mean'), 1, L.maxChannels);
  if (o.std !== undefined) {
    const at = keyPath(field, 'std');
    result.std = numbers(o.std, at, 1, L.maxChannels);
    result.std.forEach((std, i) => {
      if (!(std > 0)) fail(indexPath(at, i), 'range', `must be greater than 0: it divides the input (got ${std})`);
    });
    if (result.mean !== undefined && result.mean.length !== result.std.length) {
      fail(at, 'length', `must have as many entries as ${field}.mean (${result.mean.length}; got ${result.std.length})`);
    }
  }
  return result;
}

function output(value: unknown, field: string, task: Task): ManifestOutput {
  const o = strictObject(value, field, SHAPE.output);
  const tensor = task === 'tensor';
  const result: ManifestOutput = {
    name: string(o.name, keyPath(field, 'name'), 1, 128),
    shape: shape(o.shape, keyPath(field, 'shape'), tensor ? 0 : 1),
    activation: oneOf(o.activation, keyPath(field, 'activation'), ['softmax', 'sigmoid', 'none'] as const),
  };
  if (o.dtype !== undefined) {
    result.dtype = oneOf(o.dtype, keyPath(field, 'dtype'), tensor ? TENSOR_DTYPES : (['float32'] as const));
    if (result.dtype !== 'float32' && result.activation !== 'none') {
      fail(keyPath(field, 'activation'), 'value', `must be "none" for a ${result.dtype} output (softmax and sigmoid apply to float32 outputs only)`);
    }
  }
  if (o.labels !== undefined) {
    const at = keyPath(field, 'labels');
    const seen = new Map<string, number>();
    result.labels = array(o.labels, at, 1, L.maxLabels, 'label strings').map((item, i) => {
      const labelText = string(item, indexPath(at, i), 1, 1024);
      const first = seen.get(labelText);
      if (first !== undefined) {
        fail(indexPath(at, i), 'duplicate', `repeats label ${describe(labelText)} of ${indexPath(at, first)}; labels must be unique`);
      }
      seen.set(labelText, i);
      return labelText;
    });
  }
  return result;
}

function uniqueNames(items: ReadonlyArray<{ name: string }>, field: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first !== undefined) {
      fail(keyPath(indexPath(field, i), 'name'), 'duplicate', `repeats the name ${describe(item.name)} of ${indexPath(field, first)}; names must be unique`);
    }
    seen.set(item.name, i);
  });
}

/** `single` (`input` / `output`) must be the first of the list, field for field. */
function same(single: object, first: object, field: string, firstField: string): void {
  const a = single as Record<string, unknown>;
  const b = first as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const differing = keys.find((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
  if (differing !== undefined) {
    fail(keyPath(field, differing), 'value', `must equal manifest.${keyPath(firstField, differing)} (${field} is the first of the list, kept for single-input readers); got ${describe(a[differing])} and ${describe(b[differing])}`);
  }
}

/** A state input names an output of the same dtype, and its own shape is fully known. */
function state(value: ManifestInput, field: string, outputs: readonly ManifestOutput[]): void {
  const from = value.state!.from;
  const at = keyPath(keyPath(field, 'state'), 'from');
  const source = outputs.find((o) => o.name === from);
  if (source === undefined) {
    fail(at, 'value', `names ${describe(from)}, which is not in manifest.outputs (${outputs.map((o) => describe(o.name)).join(', ')}); name the output whose value feeds this input on the next call`);
  }
  if (value.shape.includes(-1)) {
    fail(keyPath(field, 'shape'), 'value', `is [${value.shape.join(', ')}] but a state input needs every dimension known (no -1): its first value is zeros of this shape`);
  }
  const dtype = source.dtype ?? 'float32';
  if (dtype !== value.dtype) fail(at, 'value', `names output ${describe(from)} of dtype ${dtype}, but this input is ${value.dtype}; they must match`);
  const fits = source.shape.length === value.shape.length && source.shape.every((d, i) => d === -1 || d === value.shape[i]);
  if (!fits) {
    fail(at, 'value', `names output ${describe(from)} of shape [${source.shape.join(', ')}], which cannot feed this input of shape [${value.shape.join(', ')}]`);
  }
}
