/**
 * The drift sketch of one loaded model: which of the manifest baseline's signals this
 * runtime can compute, and their counts in the baseline's fixed bins. `record` costs a
 * pass over the input (the image signals) plus a binary search per signal; no input or
 * output value is kept, only the bin counts.
 */
import type { BaselineSignal, Manifest } from '../../format/index.ts';
import { FixedHistogram, LATENCY_EDGES_MS } from './histogram.ts';
import { imageGeometry, imageSignalNames, imageSignalValuesOf, topOneOf, type ImageGeometry } from './signal-values.ts';
import type { WindowCounts } from './window-counts.ts';

/** Output signal names, as the trainer's `PREDICTION_SIGNAL_NAMES`. */
export const OUTPUT_SIGNALS = Object.freeze({ predictedClass: 'predicted_class', confidence: 'confidence', prediction: 'prediction' });
/** The endpoint's key rule (`COUNT_KEY_PATTERN`) for signal names and error codes. */
const WIRE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** The endpoint takes at most this many prediction classes per event. */
const MAX_CLASSES = 1024;

/** One prediction, as the sketch sees it (in the worker, before anything crosses). */
export interface SketchSample {
  /** The model's input tensor of this example (after preprocessing). */
  input: { data: ArrayLike<number>; shape: readonly number[] };
  /** The activated output row of this example. */
  output: ArrayLike<number>;
  latencyMs: number;
}

type InputPlan = { kind: 'image'; grid: number; names: string[] } | { kind: 'tabular'; names: string[] } | { kind: 'none' };

/** The counting state of one model, reset when a window closes. */
export class ModelSketch {
  readonly model: string;
  readonly version: string;
  /** Baseline signals this runtime computes (the rest are listed in {@link ModelSketch.skipped}). */
  readonly monitored: readonly string[];
  /** Baseline signals it cannot compute (an unknown formula or a name the endpoint refuses). */
  readonly skipped: readonly string[];
  readonly #baseline: ReadonlyMap<string, BaselineSignal>;
  readonly #input: InputPlan;
  readonly #layout: 'NHWC' | 'NCHW';
  readonly #classes: number;
  readonly #resize?: { height: number; width: number };
  #geometry?: ImageGeometry;
  #scratch = new Float64Array(0);
  #counts!: WindowCounts;
  #histograms!: Map<string, FixedHistogram>;
  #latency!: FixedHistogram;

  constructor(manifest: Manifest) {
    this.model = manifest.name;
    this.version = manifest.version;
    this.#layout = manifest.input.layout ?? 'NHWC';
    this.#resize = manifest.input.preprocessing?.resize;
    const signals = (manifest.baseline?.signals ?? []).filter((s) => WIRE_NAME.test(s.name));
    this.#baseline = new Map(signals.map((s) => [s.name, s]));
    const outputNames = new Set<string>(Object.values(OUTPUT_SIGNALS));
    const inputSignals = signals.filter((s) => !outputNames.has(s.name)).map((s) => s.name);
    this.#input = planInput(manifest, inputSignals);
    const width = manifest.output.shape[manifest.output.shape.length - 1] ?? 1;
    this.#classes = manifest.output.activation === 'softmax' || (manifest.output.labels?.length ?? 0) > 1 ? Math.max(1, width) : 0;
    const monitored = [...(this.#input.kind === 'none' ? [] : this.#input.names)];
    if (this.#classes > 0) for (const name of [OUTPUT_SIGNALS.predictedClass, OUTPUT_SIGNALS.confidence]) if (this.#baseline.has(name)) monitored.push(name);
    if (this.#classes === 0 && this.#baseline.has(OUTPUT_SIGNALS.prediction)) monitored.push(OUTPUT_SIGNALS.prediction);
    this.monitored = Object.freeze(monitored);
    this.skipped = Object.freeze((manifest.baseline?.signals ?? []).map((s) => s.name).filter((n) => !monitored.includes(n)));
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

  /** Counts one prediction. */
  record(sample: SketchSample): void {
    const counts = this.#counts;
    counts.predictionCount++;
    this.#latency.add(sample.latencyMs);
    const input = this.#input;
    if (input.kind === 'image' && input.grid === 0) {
      const { data } = sample.input;
      let total = 0;
      for (let i = 0; i < data.length; i++) total += data[i]!;
      this.#histograms.get('mean_intensity')!.add(total / data.length);
    } else if (input.kind === 'image') {
      const geometry = this.#geometryOf(sample.input.shape, input.grid);
      if (geometry) {
        imageSignalValuesOf(sample.input.data, geometry, this.#scratch);
        for (let i = 0; i < input.names.length; i++) this.#histograms.get(input.names[i]!)!.add(this.#scratch[i]!);
      }
    } else if (input.kind === 'tabular' && sample.input.data.length === input.names.length) {
      for (let f = 0; f < input.names.length; f++) this.#histograms.get(input.names[f]!)!.add(sample.input.data[f]!);
    }
    if (this.#classes > 0 && sample.output.length === this.#classes) {
      const { predicted, confidence } = topOneOf(sample.output);
      const key = String(predicted);
      if (key in counts.predictions) counts.predictions[key]!++;
      this.#histograms.get(OUTPUT_SIGNALS.predictedClass)?.add(predicted);
      this.#histograms.get(OUTPUT_SIGNALS.confidence)?.add(confidence);
    } else if (this.#classes === 0) {
      this.#histograms.get(OUTPUT_SIGNALS.prediction)?.add(sample.output[0]!);
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
    if (this.#classes > 0 && this.#classes <= MAX_CLASSES) for (let c = 0; c < this.#classes; c++) predictions[String(c)] = 0;
    this.#counts = { predictionCount: 0, signals: {}, predictions, latency: [], errors: {} };
    this.#histograms = new Map(this.monitored.map((name) => [name, new FixedHistogram(this.#baseline.get(name)!.edges)]));
    this.#latency = new FixedHistogram(LATENCY_EDGES_MS);
  }

  #geometryOf(shape: readonly number[], grid: number): ImageGeometry | undefined {
    let height: number, width: number, channels: number;
    if (shape.length === 4) {
      [height, width, channels] = this.#layout === 'NHWC' ? [shape[1]!, shape[2]!, shape[3]!] : [shape[2]!, shape[3]!, shape[1]!];
    } else if (shape.length === 2 && this.#resize) {
      // A flattened image: its size is the manifest's resize target.
      ({ height, width } = this.#resize);
      channels = shape[1]! / (height * width);
      if (!Number.isInteger(channels) || channels < 1) return undefined;
    } else {
      return undefined;
    }
    const g = this.#geometry;
    if (g && g.height === height && g.width === width && g.channels === channels) return g;
    if (height < grid || width < grid) return undefined;
    this.#geometry = imageGeometry(height, width, channels, grid, this.#layout);
    this.#scratch = new Float64Array(1 + grid * grid);
    return this.#geometry;
  }
}

/** Which input signals the baseline names and this runtime can compute. */
function planInput(manifest: Manifest, names: readonly string[]): InputPlan {
  if (names.length === 0) return { kind: 'none' };
  const { shape } = manifest.input;
  // Tabular: the trainer writes one signal per feature column, in column order.
  if (shape.length === 2 && shape[1] === names.length) return { kind: 'tabular', names: [...names] };
  if (names.length === 1 && names[0] === 'mean_intensity') return { kind: 'image', grid: 0, names: ['mean_intensity'] };
  const grid = Math.round(Math.sqrt(names.length - 1));
  const expected = imageSignalNames(grid);
  // Only the trainer's exact set (mean_intensity + a full block grid) is computed.
  if (grid >= 1 && expected.length === names.length && expected.every((n, i) => n === names[i])) return { kind: 'image', grid, names: expected };
  return { kind: 'none' };
}
