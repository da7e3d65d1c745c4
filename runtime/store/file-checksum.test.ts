import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { isEdgeloopError, sha256Hex, type ArtifactFile } from '../../format/index.ts';
import { fileChecksum, verifyStoredFile } from './file-checksum.ts';

/** Deterministic bytes (a shard-like mix), `n` long. */
function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 2654435761) >>> 24;
  return out;
}

async function stored(data: Uint8Array): Promise<{ file: ArtifactFile; row: { sha256: string; checksum?: string } }> {
  const sha256 = await sha256Hex(data);
  return { file: { path: 'tfjs/group1-shard1of1.bin', bytes: data.byteLength, sha256 }, row: { sha256, checksum: await fileChecksum(data) } };
}

async function refusal(check: Promise<void>): Promise<{ code: string; check: unknown; path: unknown }> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEdgeloopError(error)) throw new Error(`expected an EdgeloopError, got ${String(error)}`);
  const details = error.details as { check?: unknown; path?: unknown };
  return { code: error.code, check: details.check, path: details.path };
}

describe('fileChecksum', () => {
  it('is xxHash64 of the whole file, whatever its length against the chunk size', async () => {
    const { h64Raw } = await xxhash();
    // Empty, shorter than a chunk, one byte past a chunk boundary, several chunks and a tail.
    for (const n of [0, 1, 31, 65_536, 65_537, 300_001]) {
      const data = bytes(n);
      expect(await fileChecksum(data)).toBe(`xxh64:${h64Raw(data).toString(16).padStart(16, '0')}`);
    }
    expect(await fileChecksum(new Uint8Array(0))).toBe('xxh64:ef46db3751d8e999'); // xxHash64's published value for no input
  });

  it('hashes only the view it is given', async () => {
    const whole = bytes(200_000);
    expect(await fileChecksum(whole.subarray(1_000, 150_000))).toBe(await fileChecksum(whole.slice(1_000, 150_000)));
  });
});

describe('verifyStoredFile', () => {
  const url = 'store:mnist-mlp/1.0.0/tfjs/group1-shard1of1.bin';

  it('passes the bytes the install recorded, with either check', async () => {
    const data = bytes(150_000);
    const { file, row } = await stored(data);
    await expect(verifyStoredFile(file, row, data, 'checksum', url)).resolves.toBeUndefined();
    await expect(verifyStoredFile(file, row, data, 'sha256', url)).resolves.toBeUndefined();
  });

  it('refuses one flipped byte, naming the file and the check that caught it', async () => {
    const data = bytes(150_000);
    const { file, row } = await stored(data);
    const flipped = data.slice();
    flipped[100_000] ^= 0x01;
    expect(await refusal(verifyStoredFile(file, row, flipped, 'checksum', url))).toEqual({ code: 'INTEGRITY_MISMATCH', check: 'checksum', path: file.path });
    expect(await refusal(verifyStoredFile(file, row, flipped, 'sha256', url))).toEqual({ code: 'INTEGRITY_MISMATCH', check: 'sha256', path: file.path });
  });

  it("with 'sha256' the recorded checksum is not what decides", async () => {
    const data = bytes(150_000);
    const { file, row } = await stored(data);
    const wrongChecksum = { ...row, checksum: 'xxh64:0000000000000000' };
    await expect(verifyStoredFile(file, wrongChecksum, data, 'sha256', url)).resolves.toBeUndefined();
    expect(await refusal(verifyStoredFile(file, wrongChecksum, data, 'checksum', url))).toMatchObject({ check: 'checksum' });
  });

  it('checks a row without a checksum (a store written before them), or with an unknown one, by SHA-256', async () => {
    const data = bytes(150_000);
    const { file, row } = await stored(data);
    const flipped = data.slice();
    flipped[7] ^= 0x80;
    for (const old of [{ sha256: row.sha256 }, { sha256: row.sha256, checksum: 'crc32:1234abcd' }]) {
      await expect(verifyStoredFile(file, old, data, 'checksum', url)).resolves.toBeUndefined();
      expect(await refusal(verifyStoredFile(file, old, flipped, 'checksum', url))).toMatchObject({ check: 'sha256' });
    }
  });

  it('refuses a row that is not the file the signed manifest lists, and a file of the wrong size', async () => {
    const data = bytes(150_000);
    const { file, row } = await stored(data);
    const other = { ...file, sha256: 'a'.repeat(64) };
    expect(await refusal(verifyStoredFile(other, row, data, 'checksum', url))).toMatchObject({ check: 'sha256' });
    expect(await refusal(verifyStoredFile(file, row, data.subarray(0, 149_999), 'checksum', url))).toMatchObject({ check: 'size' });
  });
});
