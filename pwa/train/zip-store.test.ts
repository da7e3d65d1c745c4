import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, zipStore } from './zip-store.ts';

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('crc32', () => {
  it.each([
    ['', 0],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('of %j is %i', (text, expected) => {
    expect(crc32(new TextEncoder().encode(text))).toBe(expected);
  });
});

describe('zipStore', () => {
  const files = new Map<string, Uint8Array>([
    ['pkg/1.0.0/manifest.json', new TextEncoder().encode('{"name":"pkg"}\n')],
    ['pkg/1.0.0/tfjs/weights.bin', Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)],
  ]);

  it('ends with an end-of-central-directory record that counts the files', () => {
    const zip = zipStore(files);
    const view = new DataView(zip.buffer, zip.byteOffset + zip.length - 22);
    expect(view.getUint32(0, true)).toBe(0x06054b50);
    expect(view.getUint16(10, true)).toBe(2);
    expect(new DataView(zip.buffer).getUint32(0, true)).toBe(0x04034b50);
  });

  it.skipIf(!hasUnzip())('is read back byte for byte by unzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-store-'));
    try {
      writeFileSync(join(dir, 'out.zip'), zipStore(files));
      execFileSync('unzip', ['-q', 'out.zip', '-d', 'x'], { cwd: dir });
      for (const [path, data] of files) expect(new Uint8Array(readFileSync(join(dir, 'x', path)))).toEqual(data);
      execFileSync('unzip', ['-tq', 'out.zip'], { cwd: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a path that would leave the archive folder', () => {
    expect(() => zipStore(new Map([['../evil', new Uint8Array(1)]]))).toThrow(RangeError);
    expect(() => zipStore(new Map([['/abs', new Uint8Array(1)]]))).toThrow(RangeError);
  });
});
