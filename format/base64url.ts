/**
 * Base64url without padding (RFC 4648 §5), the encoding of edgeloop's keys and
 * signatures. Decoding is strict: one spelling per byte string, so a key or a
 * signature cannot be written two ways.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const DECODE_TABLE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Encodes `bytes` as base64url without `=` padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  return out;
}

/**
 * Decodes unpadded base64url. Throws a `TypeError` for anything that is not the
 * canonical encoding of some bytes: characters outside `A–Z a–z 0–9 - _` (including
 * `=` padding and the `+` `/` of plain base64), an impossible length, or non-zero
 * unused bits in the last character.
 */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string') {
    throw new TypeError(`base64url input must be a string (got ${typeof text})`);
  }
  if (text.length % 4 === 1) {
    throw new TypeError(`not base64url: a length of ${text.length} characters is impossible`);
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE_TABLE[code] : -1;
    if (value < 0) {
      throw new TypeError(
        `not base64url: character ${JSON.stringify(text[i])} at index ${i} is not in the base64url alphabet (A-Z a-z 0-9 - _, no padding)`,
      );
    }
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new TypeError('not base64url: the last character has non-zero unused bits (not a canonical encoding)');
  }
  return out;
}
