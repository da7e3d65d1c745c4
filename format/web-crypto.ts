/**
 * Internal: access to WebCrypto that works the same on the browser main thread, in a
 * Web Worker and in Node 20 (where `globalThis.crypto` is the WebCrypto object).
 * Not part of the public surface.
 */

/**
 * The `SubtleCrypto` of this realm.
 *
 * Browsers expose `crypto.subtle` only in secure contexts (HTTPS or localhost), see
 * https://developer.mozilla.org/en-US/docs/Web/API/Crypto/subtle, so a page served
 * over plain HTTP from another host gets `undefined`; say so instead of failing later
 * with "cannot read properties of undefined".
 */
export function getSubtle(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error(
      'WebCrypto (crypto.subtle) is not available: serve the page over HTTPS or from localhost ' +
        '(a secure context) so that edgeloop can check package hashes and signatures',
    );
  }
  return subtle;
}

/**
 * `data` as a `BufferSource` WebCrypto accepts. WebCrypto rejects views on a
 * `SharedArrayBuffer` (its IDL has no `[AllowShared]`), which cross-origin-isolated
 * pages can hand us, so those are copied; ordinary buffers are used as they are.
 */
export function toBufferSource(data: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (!ArrayBuffer.isView(data)) {
    throw new TypeError(`expected an ArrayBuffer or an ArrayBufferView (got ${typeof data})`);
  }
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (view.buffer instanceof ArrayBuffer) return view as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}
