import { describe, expect, it } from 'vitest';
import { createSeededRandom, shuffleInPlace } from './seeded-random.ts';

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = createSeededRandom(7);
    const b = createSeededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('differs between seeds', () => {
    expect(createSeededRandom(1)()).not.toBe(createSeededRandom(2)());
  });

  it('rejects a non-finite seed', () => {
    expect(() => createSeededRandom(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});

describe('shuffleInPlace', () => {
  it('permutes without losing elements', () => {
    const items = Uint32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(items, createSeededRandom(3));
    expect(Array.from(items).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(items)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
