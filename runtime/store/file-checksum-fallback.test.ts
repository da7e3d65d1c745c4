/**
 * Where the checksum's wasm cannot start (a page whose Content-Security-Policy has no
 * 'wasm-unsafe-eval', say), the store neither fails nor skips its check: installs record
 * no checksum and loads check SHA-256. The wasm refusal is simulated here by replacing
 * xxhash-wasm's start with the rejection a browser gives.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isEdgeloopError, sha256Hex } from '../../format/index.ts';
import { fileChecksum, verifyStoredFile } from './file-checksum.ts';

vi.mock('xxhash-wasm', () => ({
  default: () => Promise.reject(new WebAssembly.CompileError("WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source")),
}));

const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
afterAll(() => warn.mockRestore());

describe('without the checksum hasher', () => {
  it('records no checksum, says why once, and checks a stored file by SHA-256', async () => {
    const data = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(await fileChecksum(data)).toBeUndefined();
    expect(await fileChecksum(data)).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/checked with SHA-256 instead/);

    const sha256 = await sha256Hex(data);
    const file = { path: 'tfjs/group1-shard1of1.bin', bytes: data.byteLength, sha256 };
    // A row written while the hasher worked elsewhere still carries a checksum: SHA-256 decides.
    const row = { sha256, checksum: 'xxh64:0123456789abcdef' };
    await expect(verifyStoredFile(file, row, data, 'checksum', 'store:m/1.0.0/x')).resolves.toBeUndefined();
    const flipped = data.slice();
    flipped[5] ^= 0x10;
    const error = await verifyStoredFile(file, row, flipped, 'checksum', 'store:m/1.0.0/x').catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'INTEGRITY_MISMATCH')).toBe(true);
    expect((error as { details: { check: string } }).details.check).toBe('sha256');
  });
});
