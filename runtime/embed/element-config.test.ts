import { describe, expect, it } from 'vitest';
import { readElementConfig, resultRows } from './element-config.ts';

const attrs = (values: Record<string, string>) => (name: string) => values[name] ?? null;

describe('readElementConfig', () => {
  it('defaults: eager, list, top 3, auto backend and precision, no source', () => {
    expect(readElementConfig(attrs({}))).toEqual({ source: null, backend: 'auto', precision: 'auto', for: null, topK: 3, trustedKeys: [], loading: 'eager', render: 'list', telemetry: null });
  });

  it('telemetry needs both the endpoint and its app token', () => {
    expect(readElementConfig(attrs({ 'telemetry-endpoint': 'https://sync.example', 'telemetry-token': 'app-1' })).telemetry).toEqual({ endpoint: 'https://sync.example', token: 'app-1' });
    expect(() => readElementConfig(attrs({ 'telemetry-endpoint': 'https://sync.example' }))).toThrow(/needs both telemetry-endpoint .* and telemetry-token/);
    expect(() => readElementConfig(attrs({ 'telemetry-token': 'app-1' }))).toThrow(TypeError);
  });

  it('src wins over registry + name', () => {
    const config = readElementConfig(attrs({ src: 'https://m.example/a/1.0.0/manifest.json', registry: 'https://r.example/', name: 'a' }));
    expect(config.source).toEqual({ kind: 'url', url: 'https://m.example/a/1.0.0/manifest.json' });
  });

  it('registry + name [+ alias] is a store source', () => {
    expect(readElementConfig(attrs({ registry: 'https://r.example/', name: 'mnist-cnn', alias: 'stable' })).source).toEqual({ kind: 'registry', registry: 'https://r.example/', name: 'mnist-cnn', alias: 'stable' });
    expect(readElementConfig(attrs({ registry: 'https://r.example/', name: 'mnist-cnn' })).source).toEqual({ kind: 'registry', registry: 'https://r.example/', name: 'mnist-cnn', alias: undefined });
  });

  it('trusted-keys splits on spaces and commas', () => {
    const a = 'A'.repeat(43);
    const b = 'B'.repeat(43);
    expect(readElementConfig(attrs({ 'trusted-keys': ` ${a}, ${b}\n` })).trustedKeys).toEqual([a, b]);
  });

  it.each([
    [{ registry: 'https://r.example/' }, TypeError, /registry and name/],
    [{ name: 'x' }, TypeError, /registry and name/],
    [{ 'top-k': '0' }, RangeError, /top-k/],
    [{ 'top-k': '2.5' }, RangeError, /top-k/],
    [{ loading: 'soon' }, RangeError, /loading/],
    [{ backend: 'gpu' }, RangeError, /backend/],
    [{ precision: 'int3' }, RangeError, /precision/],
  ] as const)('rejects %j', (values, ErrorClass, message) => {
    expect(() => readElementConfig(attrs(values))).toThrow(ErrorClass);
    expect(() => readElementConfig(attrs(values))).toThrow(message);
  });

  it('the config is frozen', () => {
    expect(Object.isFrozen(readElementConfig(attrs({ src: 'x' })))).toBe(true);
  });
});

describe('resultRows', () => {
  it.each([
    [0.987, 99, '7: 99%'],
    [0.004, 0, '7: 0%'],
    [1.2, 100, '7: 100%'],
    [-0.1, 0, '7: 0%'],
  ])('score %d → %d%%', (score, percent, text) => {
    expect(resultRows([{ label: '7', score }])).toEqual([{ label: '7', percent, text }]);
  });
});
