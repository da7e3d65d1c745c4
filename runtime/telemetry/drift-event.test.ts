/**
 * A closed window's event: exact counts and no `epsilon` without noise; noised integer
 * counts and the ε that scaled them with it — both accepted by the endpoint's schema.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { telemetryBody } from '../../sync/schemas.ts';
import { toDriftEvent, type WindowMeta } from './drift-event.ts';
import { seededRandom } from './laplace-noise.ts';
import type { WindowCounts } from './window-counts.ts';

const ajv = new Ajv({ strict: false });
addFormats.default(ajv);
const validateBody = ajv.compile(telemetryBody);

const meta: WindowMeta = { model: 'mnist-cnn', version: '1.0.0', deviceClass: 'desktop-wasm', startMs: Date.now() - 60_000, endMs: Date.now() };
const counts = (): WindowCounts => ({
  predictionCount: 40,
  signals: { mean_intensity: [10, 30, 0], entropy: [40, 0] },
  predictions: { 0: 25, 1: 15 },
  latency: [0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  errors: { INPUT_INVALID: 2 },
});
const bodyOf = (event: unknown) => ({ schema: 1, batchId: crypto.randomUUID(), deviceId: crypto.randomUUID(), sentAt: new Date().toISOString(), events: [event] });

describe('toDriftEvent', () => {
  it('without noise sends the exact counts and no epsilon', () => {
    const event = toDriftEvent(meta, counts());
    expect(event).not.toHaveProperty('epsilon');
    expect(event.signals).toEqual(counts().signals);
    expect(event.predictions).toEqual({ 0: 25, 1: 15 });
    expect(validateBody(bodyOf(event)), JSON.stringify(validateBody.errors)).toBe(true);
  });

  it.each([0.1, 1, 8])('with noise of ε = %s carries that epsilon, and noised non-negative integer counts', (epsilon) => {
    const event = toDriftEvent(meta, counts(), { epsilon, random: seededRandom(5) });
    expect(event.epsilon).toBe(epsilon);
    const all = [...Object.values(event.signals).flat(), ...Object.values(event.predictions), ...event.latencyMs.counts, ...Object.values(event.errors)];
    expect(all.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    expect(validateBody(bodyOf(event)), JSON.stringify(validateBody.errors)).toBe(true);
  });

  it('of a package without a baseline (latency and errors only) is accepted too', () => {
    const event = toDriftEvent(meta, { ...counts(), signals: {}, predictions: {} });
    expect(event.signals).toEqual({});
    expect(event.predictions).toEqual({});
    expect(validateBody(bodyOf(event)), JSON.stringify(validateBody.errors)).toBe(true);
  });

  it('with strong noise (ε = 0.1) the counts sent are not the exact ones', () => {
    const event = toDriftEvent(meta, counts(), { epsilon: 0.1, random: seededRandom(5) });
    expect([...event.signals.mean_intensity, ...event.signals.entropy]).not.toEqual([10, 30, 0, 40, 0]);
  });
});
