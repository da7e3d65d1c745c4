import { describe, expect, it } from 'vitest';
import { coverRect } from './image-fit.ts';

describe('coverRect', () => {
  it.each([
    // [image, target, expected crop]
    ['landscape photo into a square', [640, 480], [280, 280], { sx: 80, sy: 0, sw: 480, sh: 480 }],
    ['portrait photo into a square', [480, 640], [280, 280], { sx: 0, sy: 80, sw: 480, sh: 480 }],
    ['square into a square', [100, 100], [280, 280], { sx: 0, sy: 0, sw: 100, sh: 100 }],
    ['square into a wide target', [100, 100], [200, 100], { sx: 0, sy: 25, sw: 100, sh: 50 }],
  ] as const)('%s', (_name, [w, h], [tw, th], expected) => {
    const rect = coverRect(w, h, tw, th);
    for (const key of ['sx', 'sy', 'sw', 'sh'] as const) expect(rect[key]).toBeCloseTo(expected[key], 9);
  });

  it('rejects empty sizes', () => {
    expect(() => coverRect(0, 10, 28, 28)).toThrow(RangeError);
    expect(() => coverRect(10, 10, 28, Number.NaN)).toThrow(RangeError);
  });
});
