/**
 * Windows close by count and by time (an injected clock), and what they become is an
 * event the endpoint's own JSON schema (sync/schemas.ts `telemetryBody`) accepts.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../format/index.ts';
import { telemetryBody } from '../../sync/schemas.ts';
import { seededRandom } from './laplace-noise.ts';
import { TelemetryWindow, type WindowRules } from './telemetry-window.ts';

const MANIFEST = {
  format: 'edgeloop/1',
  name: 'mnist-cnn',
  version: '1.0.0',
  createdAt: '2026-12-01T00:00:00.000Z',
  task: 'image-classification',
  input: { name: 'x', shape: [-1, 28, 28, 1], dtype: 'float32' },
  output: { name: 'p', shape: [-1, 10], activation: 'softmax' },
  artifacts: [],
  baseline: {
    signals: [
      { name: 'mean_intensity', edges: [0, 0.1, 0.2, 1], counts: [1, 1, 1] },
      { name: 'confidence', edges: [0, 0.5, 0.9, 1], counts: [1, 1, 1] },
    ],
  },
} as unknown as Manifest;

const image = (value: number) => ({ data: new Float32Array(784).fill(value), shape: [1, 28, 28, 1] });
const probs = (c: number) => Float32Array.from({ length: 10 }, (_, i) => (i === c ? 0.91 : 0.01));
const rules = (r: Partial<WindowRules> = {}): WindowRules => ({ windowPredictions: 3, windowMs: 60_000, epsilon: null, ...r });

const ajv = new Ajv({ strict: false });
addFormats.default(ajv);
const validateBody = ajv.compile(telemetryBody);

describe('TelemetryWindow', () => {
  it('closes after windowPredictions predictions, with the bounds of its first and last', () => {
    const window = new TelemetryWindow(MANIFEST, rules(), seededRandom(1));
    const t0 = Date.parse('2026-12-02T10:00:00Z');
    expect(window.record({ input: image(0.05), output: probs(3), latencyMs: 4 }, t0, 'desktop-wasm')).toBeUndefined();
    expect(window.record({ input: image(0.15), output: probs(3), latencyMs: 4 }, t0 + 1000, 'desktop-wasm')).toBeUndefined();
    const event = window.record({ input: image(0.5), output: probs(7), latencyMs: 40 }, t0 + 2000, 'desktop-wasm')!;
    expect(event).toMatchObject({
      type: 'drift',
      model: 'mnist-cnn',
      version: '1.0.0',
      deviceClass: 'desktop-wasm',
      windowStart: '2026-12-02T10:00:00.000Z',
      windowEnd: '2026-12-02T10:00:02.000Z',
      signals: { mean_intensity: [1, 1, 1], confidence: [0, 0, 3] },
      predictions: { 0: 0, 3: 2, 7: 1 },
      errors: {},
    });
    expect(event.latencyMs.counts.reduce((a, b) => a + b, 0)).toBe(3);
    // The next window starts empty.
    expect(window.startMs).toBeNull();
    expect(window.sketch.predictionCount).toBe(0);
  });

  it('closes once open windowMs: on the next prediction or on a tick', () => {
    const window = new TelemetryWindow(MANIFEST, rules({ windowPredictions: 100, windowMs: 30_000 }), seededRandom(1));
    const t0 = 1_800_000_000_000;
    window.record({ input: image(0.05), output: probs(1), latencyMs: 1 }, t0, null);
    expect(window.closeIfExpired(t0 + 29_999, null)).toBeUndefined();
    const byTick = window.closeIfExpired(t0 + 30_000, null)!;
    expect(byTick.predictions['1']).toBe(1);
    expect(byTick).not.toHaveProperty('deviceClass');
    // A prediction that arrives after the window expired closes it first, then opens the next.
    window.record({ input: image(0.05), output: probs(2), latencyMs: 1 }, t0 + 40_000, null);
    const closed = window.record({ input: image(0.05), output: probs(2), latencyMs: 1 }, t0 + 75_000, null)!;
    expect(closed.windowStart).toBe(new Date(t0 + 40_000).toISOString());
    expect(closed.predictions['2']).toBe(1);
    expect(window.sketch.predictionCount).toBe(1);
  });

  it('an empty window never becomes an event; errors alone do', () => {
    const window = new TelemetryWindow(MANIFEST, rules(), seededRandom(1));
    expect(window.close(5, null)).toBeUndefined();
    window.recordError('INFERENCE_FAILED', 10, null);
    expect(window.close(20, null)?.errors).toEqual({ INFERENCE_FAILED: 1 });
  });

  it('with ε, every count is noised and stays a non-negative integer', () => {
    const window = new TelemetryWindow(MANIFEST, rules({ windowPredictions: 50, epsilon: 0.5 }), seededRandom(9));
    let event;
    for (let i = 0; i < 50; i++) event = window.record({ input: image(0.15), output: probs(4), latencyMs: 3 }, i, 'x');
    const counts = [...Object.values(event!.signals).flat(), ...Object.values(event!.predictions), ...event!.latencyMs.counts];
    expect(counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    // Noise was added: the exact counts (all 50 in one bin, zeros elsewhere) are not what is sent.
    expect(counts.filter((c) => c !== 0 && c !== 50).length).toBeGreaterThan(0);
  });

  it("an event (and a batch of them) is what the endpoint's schema accepts", () => {
    const window = new TelemetryWindow(MANIFEST, rules({ windowPredictions: 2 }), seededRandom(1));
    window.record({ input: image(0.05), output: probs(3), latencyMs: 4 }, Date.now() - 1000, 'phone-wasm');
    const event = window.record({ input: image(0.05), output: probs(3), latencyMs: 4 }, Date.now(), 'phone-wasm');
    const body = { schema: 1, batchId: crypto.randomUUID(), deviceId: crypto.randomUUID(), sentAt: new Date().toISOString(), events: [event] };
    expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
  });
});
