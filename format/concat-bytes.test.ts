import { describe, expect, it } from 'vitest';
import { concatBytes } from './concat-bytes.ts';

describe('concatBytes', () => {
  it.each([
    [[], []],
    [[Uint8Array.of(1, 2)], [1, 2]],
    [[Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3).buffer], [1, 2, 3]],
    [[Uint8Array.of(9, 8, 7).subarray(1)], [8, 7]],
  ])('joins %j', (parts, bytes) => {
    expect(Array.from(concatBytes(parts as (Uint8Array | ArrayBuffer)[]))).toEqual(bytes);
  });

  it('returns a fresh array, not a view of a part', () => {
    const part = Uint8Array.of(1, 2);
    const out = concatBytes([part]);
    out[0] = 9;
    expect(part[0]).toBe(1);
  });
});
