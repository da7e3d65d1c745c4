import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceDirAtomic, writeFileAtomic } from './node.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeloop-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing folders, replaces an existing file and leaves no temporary file', async () => {
    const path = join(dir, 'a', 'b', 'file.json');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['file.json']);
  });

  it('applies the mode to the new file', async () => {
    const path = join(dir, 'key.json');
    await writeFileAtomic(path, '{}', { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('leaves the old contents and no temporary file when the write fails', async () => {
    const path = join(dir, 'file.txt');
    await writeFile(path, 'old');
    // A folder where the file should go makes the rename fail after the temporary file is written.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'inner'), 'x');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'file.txt']);
  });

  it('refuses to create folders when asked not to', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'f'), 'x', { mkdir: false })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('replaceDirAtomic', () => {
  it('swaps a complete new folder in for the old one', async () => {
    const target = join(dir, 'model');
    await replaceDirAtomic(target, async (staging) => writeFile(join(staging, 'old.bin'), 'old'));
    await replaceDirAtomic(target, async (staging) => writeFile(join(staging, 'new.bin'), 'new'));
    expect(await readdir(target)).toEqual(['new.bin']);
    expect(await readdir(dir)).toEqual(['model']);
  });

  it('keeps the old folder and removes the partial one when filling fails', async () => {
    const target = join(dir, 'model');
    await replaceDirAtomic(target, async (staging) => writeFile(join(staging, 'old.bin'), 'old'));
    await expect(
      replaceDirAtomic(target, async (staging) => {
        await writeFile(join(staging, 'half.bin'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(target)).toEqual(['old.bin']);
    expect(await readdir(dir)).toEqual(['model']);
  });
});
