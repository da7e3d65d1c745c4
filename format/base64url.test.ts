import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64url.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('base64url', () => {
  // RFC 4648 §10 test vectors, without padding.
  it.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes and decodes %j as %j', (text, encoded) => {
    expect(encodeBase64Url(bytes(text))).toBe(encoded);
    expect(decodeBase64Url(encoded)).toEqual(bytes(text));
  });

  it('uses the URL-safe alphabet and round-trips every byte value at every length', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const encoded = encodeBase64Url(all);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encoded).toContain('-');
    expect(encoded).toContain('_');
    for (let length = 0; length <= 70; length++) {
      const slice = all.subarray(length, length * 2);
      expect(decodeBase64Url(encodeBase64Url(slice))).toEqual(slice);
    }
  });

  it.each([
    ['padding', 'Zg=='],
    ['plain base64 "+"', 'ab+c'],
    ['plain base64 "/"', 'ab/c'],
    ['whitespace', 'Zm9v YmFy'],
    ['an impossible length', 'Zm9vY'],
    ['non-zero unused bits', 'Zh'],
    ['a non-ASCII character', 'Zm9vé'],
  ])('rejects %s with TypeError', (_description, text) => {
    expect(() => decodeBase64Url(text)).toThrow(TypeError);
  });
});

describe('base64 (standard, padded)', () => {
  // RFC 4648 §10 test vectors, with padding.
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('decodes %j from %j and encodes it back', (text, encoded) => {
    expect(decodeBase64(encoded)).toEqual(bytes(text));
    expect(encodeBase64(bytes(text))).toBe(encoded);
  });

  it('decodes and encodes every byte value at every length as Node does', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let length = 0; length <= 70; length++) {
      const slice = all.subarray(length, length * 2);
      expect(decodeBase64(Buffer.from(slice).toString('base64'))).toEqual(slice);
      expect(encodeBase64(slice)).toBe(Buffer.from(slice).toString('base64'));
    }
  });

  it.each([
    ['the base64url "-"', 'ab-c'],
    ['the base64url "_"', 'ab_c'],
    ['missing padding', 'Zg'],
    ['missing one "="', 'Zg='],
    ['too much padding', 'Zg==='],
    ['padding in the middle', 'Zg==Zg=='],
    ['padding only', '===='],
    ['"=" before a character', 'Z=g='],
    ['non-zero unused bits under "=="', 'QR=='],
    ['non-zero unused bits under "="', 'Zm9='],
    ['whitespace', 'Zm9v YmFy'],
    ['a line break', 'Zm9v\nYmFy'],
    ['a non-ASCII character', 'Zm9vé==='],
  ])('rejects %s with TypeError', (_description, text) => {
    expect(() => decodeBase64(text)).toThrow(TypeError);
  });

  it('agrees with the unpadded base64url decoder on the bytes', () => {
    const sample = Uint8Array.from({ length: 97 }, (_, i) => (i * 37) & 255);
    const standard = Buffer.from(sample).toString('base64');
    expect(decodeBase64(standard)).toEqual(decodeBase64Url(encodeBase64Url(sample)));
    expect(() => decodeBase64Url(standard)).toThrow(TypeError);
  });
});
