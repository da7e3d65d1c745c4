/**
 * One model's open window: its sketch plus when it opened. It closes after
 * `windowPredictions` predictions or once it has been open `windowMs` (checked on each
 * prediction and on each flush tick), and becomes one event. The clock is injected.
 */
import type { Manifest } from '../../format/index.ts';
import { toDriftEvent, type DriftEvent } from './drift-event.ts';
import type { Random } from './laplace-noise.ts';
import { ModelSketch, type SketchSample } from './model-sketch.ts';

/** How a window closes and what its event carries. */
export interface WindowRules {
  readonly windowPredictions: number;
  readonly windowMs: number;
  readonly epsilon: number | null;
}

/** A model's counting window. */
export class TelemetryWindow {
  readonly sketch: ModelSketch;
  #startMs: number | null = null;

  constructor(
    manifest: Manifest,
    private readonly rules: WindowRules,
    private readonly random: Random,
  ) {
    this.sketch = new ModelSketch(manifest);
  }

  /** When the open window started (its first prediction or error), or `null` when nothing is counted. */
  get startMs(): number | null {
    return this.#startMs;
  }

  /** Counts one prediction; returns the closed window's event when this one filled it. */
  record(sample: SketchSample, now: number, deviceClass: string | null): DriftEvent | undefined {
    const expired = this.closeIfExpired(now, deviceClass);
    this.#startMs ??= now;
    this.sketch.record(sample);
    if (this.sketch.predictionCount >= this.rules.windowPredictions) return this.close(now, deviceClass) ?? expired;
    return expired;
  }

  /** Counts one failed prediction. */
  recordError(code: string, now: number, deviceClass: string | null): DriftEvent | undefined {
    const expired = this.closeIfExpired(now, deviceClass);
    this.#startMs ??= now;
    this.sketch.recordError(code);
    return expired;
  }

  /** Closes the window when it has been open `windowMs` or longer. */
  closeIfExpired(now: number, deviceClass: string | null): DriftEvent | undefined {
    if (this.#startMs === null || now - this.#startMs < this.rules.windowMs) return undefined;
    return this.close(now, deviceClass);
  }

  /** Closes the window now (if anything was counted) and starts the next one empty. */
  close(now: number, deviceClass: string | null): DriftEvent | undefined {
    if (this.#startMs === null || this.sketch.empty) return undefined;
    const meta = { model: this.sketch.model, version: this.sketch.version, deviceClass, startMs: this.#startMs, endMs: now };
    const { epsilon } = this.rules;
    const event = toDriftEvent(meta, this.sketch.take(), epsilon === null ? undefined : { epsilon, random: this.random });
    this.#startMs = null;
    return event;
  }

  /** Forgets what was counted (telemetry disabled). */
  discard(): void {
    this.sketch.reset();
    this.#startMs = null;
  }
}
