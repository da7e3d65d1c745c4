/**
 * Base64url without padding (RFC 4648 §5), the encoding of edgeloop's keys and
 * signatures, and standard base64 with padding (RFC 4648 §4), the encoding of the sync
 * endpoint's publish body. Decoding is strict in both: one spelling per byte string
 * (no characters of the other alphabet, no blanks, no padding where there is none and
 * none missing where there is, zero unused bits), so nothing can be written two ways.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const tableOf = (alphabet: string): Int8Array => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
};
const DECODE_TABLE = tableOf(ALPHABET);
const STANDARD_DECODE_TABLE = tableOf(STANDARD_ALPHABET);

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

/** Encodes `bytes` as standard base64 with `=` padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  const url = encodeBase64Url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return url + '='.repeat((4 - (url.length % 4)) % 4);
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
  return decodeWith(text, DECODE_TABLE, 'base64url', 'A-Z a-z 0-9 - _, no padding');
}

/**
 * Decodes standard base64 with padding (RFC 4648 §4). Throws a `TypeError` for anything
 * that is not the canonical encoding of some bytes: characters outside `A–Z a–z 0–9 + /`
 * (including the `-` `_` of base64url and blanks), a length that is not a multiple of
 * 4 (missing padding), `=` anywhere but the last one or two places, or non-zero unused
 * bits before the padding (`QR==` for `QQ==`).
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string') {
    throw new TypeError(`base64 input must be a string (got ${typeof text})`);
  }
  if (text.length % 4 !== 0) {
    throw new TypeError(`not base64: ${text.length} characters is not a multiple of 4 (RFC 4648 §4 base64 is padded with "=")`);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return decodeWith(text.slice(0, text.length - padding), STANDARD_DECODE_TABLE, 'base64', 'A-Z a-z 0-9 + /, "=" only as padding');
}

/** Decodes unpadded text over `table`'s alphabet, canonically (see the callers). */
function decodeWith(text: string, table: Int8Array, name: string, expected: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? table[code] : -1;
    if (value < 0) {
      throw new TypeError(`not ${name}: character ${JSON.stringify(text[i])} at index ${i} is not in the ${name} alphabet (${expected})`);
    }
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new TypeError(`not ${name}: the last character has non-zero unused bits (not a canonical encoding)`);
  }
  return out;
}
