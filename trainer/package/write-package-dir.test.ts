import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPackage, type BuiltPackage } from '../../format/index.ts';
import { writePackageDir } from './write-package-dir.ts';

async function build(version: string, byte: number, path = 'onnx/model.onnx'): Promise<BuiltPackage> {
  return createPackage({
    manifest: {
      name: 'tiny',
      version,
      createdAt: '2024-01-01T00:00:00.000Z',
      task: 'tabular-classification',
      input: { name: 'input', shape: [-1, 2], dtype: 'float32' },
      output: { name: 'logits', shape: [-1, 2], activation: 'softmax' },
      metrics: {},
    },
    artifacts: [
      { id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path, data: new Uint8Array([byte, 2, 3]) }] },
    ],
  });
}

describe('writePackageDir', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeloop-write-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes manifest and files under <root>/<name>/<version>, leaving no staging folder', async () => {
    const built = await build('1.0.0', 1);
    const dir = await writePackageDir(root, built);
    expect(dir).toBe(join(root, 'tiny', '1.0.0'));
    expect(new Uint8Array(await readFile(join(dir, 'manifest.json')))).toEqual(built.manifestBytes);
    expect(Array.from(await readFile(join(dir, 'onnx', 'model.onnx')))).toEqual([1, 2, 3]);
    expect(await readdir(join(root, 'tiny'))).toEqual(['1.0.0']);
  });

  it('refuses to replace a version unless told to overwrite', async () => {
    await writePackageDir(root, await build('1.0.0', 1));
    await expect(writePackageDir(root, await build('1.0.0', 9))).rejects.toMatchObject({ code: 'EEXIST' });
    await writePackageDir(root, await build('1.0.0', 9), { overwrite: true });
    expect((await readFile(join(root, 'tiny', '1.0.0', 'onnx', 'model.onnx')))[0]).toBe(9);
    expect(await readdir(join(root, 'tiny'))).toEqual(['1.0.0']);
  });

  it('leaves nothing behind when a write fails', async () => {
    const built = await build('2.0.0', 1);
    // A path that escapes the version folder (the validator forbids it; simulate a corrupt input).
    built.files.set('../escape.bin', new Uint8Array([1]));
    await expect(writePackageDir(root, built)).rejects.toThrow(RangeError);
    expect(await readdir(join(root, 'tiny'))).toEqual([]);
  });
});
