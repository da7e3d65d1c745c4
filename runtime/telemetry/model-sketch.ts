/**
 * The drift sketch of one loaded model: which of the manifest baseline's signals this
 * runtime can compute, and their counts in the baseline's fixed bins. The formulas are
 * format's (`format/drift-signals.ts`), the ones the trainer wrote the baseline with.
 * `record` costs one pass over the input (the image signals), a pass over the output
 * row, and a binary search per signal; no input or output value is kept, only counts.
 */
import {
  DRIFT_SIGNAL_NAMES,
  OUTPUT_SIGNAL_NAMES,
  blockSignalName,
  entropyOf,
  imageSignalGeometry,
  imageSignalNames,
  imageSignalValuesOf,
  topOneOf,
  type BaselineSignal,
  type ImageSignalGeometry,
  type Manifest,
} from '../../format/index.ts';
import { FixedHistogram, LATENCY_EDGES_MS } from './histogram.ts';
import type { WindowCounts } from './window-counts.ts';

/** The endpoint's key rule (`COUNT_KEY_PATTERN`) for signal names and error codes. */
const WIRE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** The endpoint takes at most this many prediction classes per event. */
const MAX_CLASSES = 1024;
const CHANNEL_MEAN = /^channel_mean_(0|[1-9]\d*)$/;
const BLOCK = /^block_(0|[1-9]\d*)_(0|[1-9]\d*)$/;
const GLOBAL_IMAGE_SIGNALS = new Set<string>([DRIFT_SIGNAL_NAMES.meanIntensity, DRIFT_SIGNAL_NAMES.contrast]);

/** One prediction, as the sketch sees it (in the worker, before anything crosses). */
export interface SketchSample {
  /** The model's input tensor of this example (after preprocessing). */
  input: { data: ArrayLike<number>; shape: readonly number[] };
  /** The activated output row of this example. */
  output: ArrayLike<number>;
  latencyMs: number;
}

/**
 * Input signals the sketch computes. Images: `grid` is the block grid (0: no block
 * signals monitored); `flat` means the input has no known image size, so only
 * `mean_intensity` and `contrast` (which need none) are computed.
 */
type InputPlan = { kind: 'image'; names: string[]; grid: number; flat: boolean } | { kind: 'tabular'; names: string[] } | { kind: 'none'; names: [] };

/** The image size the manifest declares, as far as it is known before a prediction. */
interface DeclaredSize {
  height: number;
  width: number;
  channels: number;
}

/** The counting state of one model, reset when a window closes. */
export class ModelSketch {
  readonly model: string;
  readonly version: string;
  /** Baseline signals this runtime computes, in baseline order (the rest are {@link ModelSketch.skipped}). */
  readonly monitored: readonly string[];
  /** Baseline signals it cannot compute (an unknown formula, a size the input lacks, or a name the endpoint refuses). */
  readonly skipped: readonly string[];
  readonly #baseline: ReadonlyMap<string, BaselineSignal>;
  readonly #input: InputPlan;
  readonly #layout: 'NHWC' | 'NCHW';
  readonly #classes: number;
  /** Predicted-class counts are sent only with a baseline to compare them with. */
  readonly #countPredictions: boolean;
  readonly #resize?: { height: number; width: number };
  #geometry?: ImageSignalGeometry;
  /** For each input signal of the plan, its index in the geometry's signal vector (−1: absent at this size). */
  #indexes = new Int32Array(0);
  #scratch = new Float64Array(0);
  #counts!: WindowCounts;
  #histograms!: Map<string, FixedHistogram>;
  #inputHistograms: FixedHistogram[] = [];
  #predictedClass?: FixedHistogram;
  #confidence?: FixedHistogram;
  #entropy?: FixedHistogram;
  #prediction?: FixedHistogram;
  #latency!: FixedHistogram;

  constructor(manifest: Manifest) {
    this.model = manifest.name;
    this.version = manifest.version;
    this.#layout = manifest.input.layout ?? 'NHWC';
    this.#resize = manifest.input.preprocessing?.resize;
    const all = manifest.baseline?.signals ?? [];
    const signals = all.filter((s) => WIRE_NAME.test(s.name));
    this.#baseline = new Map(signals.map((s) => [s.name, s]));
    const outputNames = new Set<string>(OUTPUT_SIGNAL_NAMES);
    this.#input = planInput(manifest, signals.filter((s) => !outputNames.has(s.name)).map((s) => s.name));
    const width = manifest.output.shape[manifest.output.shape.length - 1] ?? 1;
    this.#classes = manifest.output.activation === 'softmax' || (manifest.output.labels?.length ?? 0) > 1 ? Math.max(1, width) : 0;
    this.#countPredictions = all.length > 0 && this.#classes > 0 && this.#classes <= MAX_CLASSES;
    const outputs: string[] =
      this.#classes > 0 ? [DRIFT_SIGNAL_NAMES.predictedClass, DRIFT_SIGNAL_NAMES.confidence, DRIFT_SIGNAL_NAMES.entropy] : [DRIFT_SIGNAL_NAMES.prediction];
    const computed = new Set<string>([...this.#input.names, ...outputs.filter((n) => this.#baseline.has(n))]);
    this.monitored = Object.freeze(signals.map((s) => s.name).filter((n) => computed.has(n)));
    this.skipped = Object.freeze(all.map((s) => s.name).filter((n) => !computed.has(n)));
    this.reset();
  }

  /** Predictions counted since the last reset. */
  get predictionCount(): number {
    return this.#counts.predictionCount;
  }

  /** True when nothing (no prediction, no error) was counted since the last reset. */
  get empty(): boolean {
    return this.#counts.predictionCount === 0 && Object.keys(this.#counts.errors).length === 0;
  }

  /** Counts one prediction. Never throws: an input of an unexpected size just goes without input signals. */
  record(sample: SketchSample): void {
    const counts = this.#counts;
    counts.predictionCount++;
    this.#latency.add(sample.latencyMs);
    const input = this.#input;
    const { data } = sample.input;
    if (input.kind === 'image') {
      const geometry = this.#geometryOf(sample.input.shape, data.length, input);
      if (geometry && data.length === geometry.height * geometry.width * geometry.channels) {
        imageSignalValuesOf(data, geometry, this.#scratch);
        for (let i = 0; i < this.#inputHistograms.length; i++) if (this.#indexes[i]! >= 0) this.#inputHistograms[i]!.add(this.#scratch[this.#indexes[i]!]!);
      }
    } else if (input.kind === 'tabular' && data.length === input.names.length) {
      for (let f = 0; f < input.names.length; f++) this.#inputHistograms[f]!.add(data[f]!);
    }
    const { output } = sample;
    if (this.#classes > 0 && output.length === this.#classes) {
      const { predicted, confidence } = topOneOf(output);
      if (this.#countPredictions) counts.predictions[String(predicted)]!++;
      this.#predictedClass?.add(predicted);
      this.#confidence?.add(confidence);
      this.#entropy?.add(entropyOf(output));
    } else if (this.#classes === 0 && output.length > 0) {
      this.#prediction?.add(output[0]!);
    }
  }

  /** Counts one failed prediction under its error code. */
  recordError(code: string): void {
    const key = WIRE_NAME.test(code) ? code : 'UNKNOWN';
    this.#counts.errors[key] = (this.#counts.errors[key] ?? 0) + 1;
  }

  /** The counts so far, then a fresh start (the window closes). */
  take(): WindowCounts {
    const counts = this.#counts;
    counts.latency = [...this.#latency.counts];
    for (const [name, histogram] of this.#histograms) counts.signals[name] = [...histogram.counts];
    this.reset();
    return counts;
  }

  /** Starts counting from zero. */
  reset(): void {
    const predictions: Record<string, number> = {};
    // Every class is present (zeros too), so noise can hide which classes were seen.
    if (this.#countPredictions) for (let c = 0; c < this.#classes; c++) predictions[String(c)] = 0;
    this.#counts = { predictionCount: 0, signals: {}, predictions, latency: [], errors: {} };
    this.#histograms = new Map(this.monitored.map((name) => [name, new FixedHistogram(this.#baseline.get(name)!.edges)]));
    this.#inputHistograms = this.#input.names.map((name) => this.#histograms.get(name)!);
    this.#predictedClass = this.#histograms.get(DRIFT_SIGNAL_NAMES.predictedClass);
    this.#confidence = this.#histograms.get(DRIFT_SIGNAL_NAMES.confidence);
    this.#entropy = this.#histograms.get(DRIFT_SIGNAL_NAMES.entropy);
    this.#prediction = this.#histograms.get(DRIFT_SIGNAL_NAMES.prediction);
    this.#latency = new FixedHistogram(LATENCY_EDGES_MS);
  }

  /** The geometry of this input's size (cached while the size stays), or `undefined` when it has none the plan can use. */
  #geometryOf(shape: readonly number[], length: number, plan: Extract<InputPlan, { kind: 'image' }>): ImageSignalGeometry | undefined {
    const size = plan.flat ? { height: 1, width: length, channels: 1 } : this.#sizeOf(shape);
    if (!size) return undefined;
    const { height, width, channels } = size;
    const g = this.#geometry;
    if (g && g.height === height && g.width === width && g.channels === channels) return g;
    if (!(height >= plan.grid && width >= plan.grid && height >= 1 && width >= 1 && channels >= 1)) return undefined;
    this.#geometry = imageSignalGeometry(height, width, channels, plan.grid, plan.flat ? 'NHWC' : this.#layout);
    const names = imageSignalNames(channels, plan.grid);
    this.#indexes = Int32Array.from(plan.names, (name) => names.indexOf(name));
    this.#scratch = new Float64Array(this.#geometry.signalCount);
    return this.#geometry;
  }

  #sizeOf(shape: readonly number[]): DeclaredSize | undefined {
    if (shape.length === 4) {
      const [height, width, channels] = this.#layout === 'NHWC' ? [shape[1]!, shape[2]!, shape[3]!] : [shape[2]!, shape[3]!, shape[1]!];
      return { height, width, channels };
    }
    if (shape.length === 2 && this.#resize) {
      // A flattened image: its size is the manifest's resize target.
      const { height, width } = this.#resize;
      const channels = shape[1]! / (height * width);
      return Number.isInteger(channels) ? { height, width, channels } : undefined;
    }
    return undefined;
  }
}

/** The image size of the manifest's input, where the manifest fixes it (−1 dimensions stay unknown). */
function declaredSize(manifest: Manifest): { size?: Partial<DeclaredSize>; flat: boolean } {
  const { shape, layout = 'NHWC', preprocessing } = manifest.input;
  const known = (d: number | undefined) => (d !== undefined && Number.isInteger(d) && d >= 1 ? d : undefined);
  if (shape.length === 4) {
    const [height, width, channels] = layout === 'NHWC' ? [shape[1], shape[2], shape[3]] : [shape[2], shape[3], shape[1]];
    return { size: { height: known(height), width: known(width), channels: known(channels) }, flat: false };
  }
  const resize = preprocessing?.resize;
  if (shape.length === 2 && resize) {
    const channels = known(shape[1]) === undefined ? undefined : shape[1]! / (resize.height * resize.width);
    return { size: { height: resize.height, width: resize.width, channels: known(channels) }, flat: false };
  }
  return { flat: true };
}

/** Which input signals the baseline names and this runtime can compute. */
function planInput(manifest: Manifest, names: readonly string[]): InputPlan {
  if (names.length === 0) return { kind: 'none', names: [] };
  if (manifest.task !== 'image-classification') {
    // Tabular: the trainer writes one signal per feature column, in column order.
    const { shape } = manifest.input;
    return shape.length === 2 && shape[1] === names.length ? { kind: 'tabular', names: [...names] } : { kind: 'none', names: [] };
  }
  const { size, flat } = declaredSize(manifest);
  // Block signals count only as the trainer writes them: a full grid × grid set.
  const blocks = names.filter((n) => BLOCK.test(n));
  let grid = Math.round(Math.sqrt(blocks.length));
  const present = new Set(blocks);
  const fullGrid = grid > 0 && grid * grid === blocks.length && Array.from({ length: grid * grid }, (_, b) => blockSignalName(Math.floor(b / grid), b % grid)).every((n) => present.has(n));
  const fits = (d: number | undefined) => d === undefined || d >= grid;
  if (flat || !fullGrid || !fits(size?.height) || !fits(size?.width)) grid = 0;
  const channels = size?.channels;
  const computable = (name: string): boolean => {
    if (GLOBAL_IMAGE_SIGNALS.has(name)) return true;
    if (flat) return false;
    const channel = CHANNEL_MEAN.exec(name);
    if (channel) return channels !== undefined && channels > 1 && Number(channel[1]) < channels;
    return grid > 0 && BLOCK.test(name);
  };
  const monitored = names.filter(computable);
  return monitored.length === 0 ? { kind: 'none', names: [] } : { kind: 'image', names: monitored, grid, flat };
}
