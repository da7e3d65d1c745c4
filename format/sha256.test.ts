import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from './edgeloop-error.ts';
import type { ArtifactFile } from './manifest.ts';
import { sha256Hex, verifyFileBytes } from './sha256.ts';

const encode = (text: string) => new TextEncoder().encode(text);

describe('sha256Hex', () => {
  // FIPS 180-2 test vectors.
  it.each([
    ['the empty string', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc"', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'the 448-bit message',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['one million "a"', 'a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ])('hashes %s', async (_description, text, expected) => {
    expect(await sha256Hex(encode(text))).toBe(expected);
  });

  it('hashes an ArrayBuffer and only the bytes of a view', async () => {
    const abc = encode('abc');
    const expected = await sha256Hex(abc);
    expect(await sha256Hex(abc.buffer)).toBe(expected);
    const padded = encode('xxabcyy');
    expect(await sha256Hex(padded.subarray(2, 5))).toBe(expected);
    expect(await sha256Hex(new DataView(padded.buffer, 2, 3))).toBe(expected);
  });

  it('hashes a view on a SharedArrayBuffer', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(3));
    shared.set(encode('abc'));
    expect(await sha256Hex(shared)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('verifyFileBytes', () => {
  const data = encode('{"modelTopology":{}}');
  const url = 'https://models.example/mnist/1.0.0/tfjs/model.json';
  let file: ArtifactFile;

  it('accepts the bytes the manifest describes', async () => {
    file = { path: 'tfjs/model.json', bytes: data.byteLength, sha256: await sha256Hex(data) };
    await expect(verifyFileBytes(file, data)).resolves.toBeUndefined();
    await expect(verifyFileBytes(file, data.buffer, { url })).resolves.toBeUndefined();
  });

  it('rejects a truncated download by size, before hashing', async () => {
    const error = await verifyFileBytes(file, data.subarray(0, 10), { url }).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'INTEGRITY_MISMATCH')).toBe(true);
    expect((error as { details: unknown }).details).toMatchObject({ path: file.path, expected: data.byteLength, actual: 10, url });
  });

  it('rejects same-size bytes whose hash differs', async () => {
    const changed = data.slice();
    changed[3] ^= 1;
    const error = await verifyFileBytes(file, changed, { url }).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'INTEGRITY_MISMATCH')).toBe(true);
    const details = (error as { details: Record<string, unknown> }).details;
    expect(details).toMatchObject({ path: file.path, expected: file.sha256, actual: await sha256Hex(changed), url });
    expect((error as Error).message).toContain('tfjs/model.json');
    expect((error as Error).message).toContain(file.sha256.slice(0, 12));
  });
});
