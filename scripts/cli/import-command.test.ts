/**
 * `edgeloop import` end to end on files made by the test: a good import lands in the
 * registry folder with a signed index that lists every version; each bad import prints
 * its typed error, exits non-zero and writes nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKeyPair, parseManifest, parseRegistryIndex, verifyManifestSignature, type SigningKeyPair } from '../../format/index.ts';
import { onnxClassifier, trainerCnnFiles, writeFiles } from '../../test-support/import-models.ts';
import { createImportCommand } from './import-command.ts';

let dir: string;
let key: SigningKeyPair;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeloop-import-cli-'));
  key = await generateSigningKeyPair();
  await writeFile(join(dir, 'publisher.json'), JSON.stringify(key));
  const { files } = await trainerCnnFiles();
  await writeFiles(join(dir, 'cnn'), files);
  await writeFiles(join(dir, 'no-shard'), [files[0]!]);
  await writeFiles(join(dir, 'onnx'), [
    { path: 'model.onnx', data: onnxClassifier().model },
    { path: 'opset27.onnx', data: onnxClassifier({ opset: 27, irVersion: 10 }).model },
    { path: 'notes.onnx', data: new TextEncoder().encode('not a model\n') },
  ]);
  await writeFile(join(dir, 'labels.txt'), 'circle\nsquare\n\ntriangle\nstar\nhexagon\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs the command; returns what it printed and its exit code. */
async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void (out += `${String(line)}\n`));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  await createImportCommand().run(args, 'edgeloop import');
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { out, err, code };
}

describe('edgeloop import', () => {
  it('writes signed versions into a registry folder whose index lists them all', async () => {
    const registry = join(dir, 'registry');
    const first = await run('--tfjs', join(dir, 'cnn', 'model.json'), '--name', 'digits', '--version', '1.0.0', '--out', registry, '--labels', '0,1,2,3,4,5,6,7,8,9', '--scale', '1/255', '--key', join(dir, 'publisher.json'));
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/tfjs layers model: conv_1_input float32\[-1, 28, 28, 1\] → logits float32\[-1, 10\]/);
    const manifestBytes = await readFile(join(registry, 'digits', '1.0.0', 'manifest.json'));
    expect(parseManifest(manifestBytes).input.preprocessing?.scale).toBeCloseTo(1 / 255, 12);
    await expect(verifyManifestSignature(manifestBytes, await readFile(join(registry, 'digits', '1.0.0', 'manifest.sig')), [key.publicKey])).resolves.toBeTruthy();

    const second = await run('--onnx', join(dir, 'onnx', 'model.onnx'), '--name', 'digits', '--version', '1.1.0', '--out', registry, '--labels-file', join(dir, 'labels.txt'), '--key', join(dir, 'publisher.json'));
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/ONNX opset 13, from edgeloop-test: pixels float32\[-1, 3, -1, -1\] → logits float32\[-1, 5\]/);
    expect(second.out).toMatch(/note: .*dynamic.*--size/);
    const indexBytes = await readFile(join(registry, 'digits', 'index.json'));
    const index = parseRegistryIndex(indexBytes, 'digits');
    expect(index.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(index.aliases).toEqual({ latest: '1.1.0' });
    await expect(verifyManifestSignature(indexBytes, await readFile(join(registry, 'digits', 'index.sig')), [key.publicKey])).resolves.toBeTruthy();

    const again = await run('--tfjs', join(dir, 'cnn', 'model.json'), '--name', 'digits', '--version', '1.0.0', '--out', registry);
    expect([again.code, again.err]).toEqual([1, expect.stringMatching(/^error \[IMPORT_VERSION_EXISTS\]/)]);
  });

  it.each([
    ['a model.json whose shard is missing', ['--tfjs', 'no-shard/model.json'], 'IMPORT_MISSING_SHARD', 1],
    ['a file that is not ONNX', ['--onnx', 'onnx/notes.onnx'], 'IMPORT_NOT_ONNX', 1],
    ['an unsupported opset', ['--onnx', 'onnx/opset27.onnx'], 'IMPORT_UNSUPPORTED_OPSET', 1],
    ['labels that do not fit', ['--onnx', 'onnx/model.onnx', '--labels', 'a,b'], 'IMPORT_FLAG_INVALID', 2],
    ['no model', [], 'IMPORT_FLAG_MISSING', 2],
    ['--check outside the repository script', ['--onnx', 'onnx/model.onnx', '--check'], 'IMPORT_FLAG_INVALID', 2],
  ])('refuses %s and writes nothing', async (_, modelArgs, code, exitCode) => {
    const out = join(dir, `refused-${code}`);
    const args = modelArgs.map((a, i) => (i === 1 ? join(dir, a) : a));
    const result = await run(...args, '--name', 'bad', '--version', '1.0.0', '--out', out);
    expect(result.err).toMatch(new RegExp(`^error \\[${code}\\]`));
    expect(result.code).toBe(exitCode);
    expect(existsSync(out)).toBe(false);
  });

  it('lists the command in its help', async () => {
    const help = await run('--help');
    expect([help.code, help.err]).toEqual([0, '']);
    expect(help.out).toMatch(/usage: edgeloop import \(--tfjs <model\.json> \| --onnx <model\.onnx>\)/);
  });
});
