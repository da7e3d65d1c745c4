import { describe, expect, it } from 'vitest';
import { resolveTelemetrySettings } from './telemetry-settings.ts';

describe('resolveTelemetrySettings', () => {
  it('is off (null) unless configured', () => {
    expect(resolveTelemetrySettings(undefined)).toBeNull();
  });

  it('fills the stated defaults into a frozen object', () => {
    const s = resolveTelemetrySettings({ endpoint: 'https://sync.example.com/', token: 't' })!;
    expect(s).toEqual({
      url: 'https://sync.example.com/v1/telemetry',
      token: 't',
      deviceClass: null,
      windowPredictions: 500,
      windowMs: 1_800_000,
      epsilon: null,
      flushIntervalMs: 60_000,
      maxQueuedEvents: 1000,
      databaseName: 'edgeloop-telemetry',
    });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('keeps a path prefix and resolves a relative endpoint against the page', () => {
    expect(resolveTelemetrySettings({ endpoint: '/sync', token: 't' }, 'http://localhost:4173/app/')!.url).toBe('http://localhost:4173/sync/v1/telemetry');
  });

  it.each([
    [{ endpoint: 'ftp://x', token: 't' }, TypeError],
    [{ endpoint: 'https://x', token: '' }, TypeError],
    [{ endpoint: 'https://x', token: 't', deviceClass: 'has space' }, TypeError],
    [{ endpoint: 'https://x', token: 't', deviceClass: '-leading-dash' }, TypeError],
    [{ endpoint: 'https://x', token: 't', windowPredictions: 0 }, RangeError],
    [{ endpoint: 'https://x', token: 't', windowMs: 1.5 }, RangeError],
    [{ endpoint: 'https://x', token: 't', epsilon: 0 }, RangeError],
    [{ endpoint: 'https://x', token: 't', maxQueuedEvents: -1 }, RangeError],
  ])('refuses %j', (options, error) => {
    expect(() => resolveTelemetrySettings(options)).toThrow(error);
  });
});
