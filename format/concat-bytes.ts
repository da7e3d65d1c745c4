/**
 * Joining byte arrays: weight shards into one buffer, package files into one blob. One
 * definition for every writer and reader of the format.
 */

/** The bytes of `parts`, one after the other, in a new array (never a view of a part). */
export function concatBytes(parts: readonly (Uint8Array | ArrayBuffer)[]): Uint8Array<ArrayBuffer> {
  const views = parts.map((part) => (part instanceof Uint8Array ? part : new Uint8Array(part)));
  const out = new Uint8Array(views.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of views) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
