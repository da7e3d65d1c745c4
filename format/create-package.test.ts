import { beforeAll, describe, expect, it } from 'vitest';
import { isEdgeloopError } from './edgeloop-error.ts';
import { createPackage, PACKAGE_FILES, type CreatePackageInput } from './create-package.ts';
import { sha256Hex } from './sha256.ts';
import { generateSigningKeyPair, verifyManifestSignature, type SigningKeyPair } from './signature.ts';
import { parseManifest } from './validate-manifest.ts';

let key: SigningKeyPair;
beforeAll(async () => {
  key = await generateSigningKeyPair();
});

function input(): CreatePackageInput {
  const weights = new Float32Array(1000).map((_, i) => Math.sin(i));
  const modelJson = new TextEncoder().encode(JSON.stringify({ format: 'layers-model', weightsManifest: [] }));
  return {
    manifest: {
      name: 'tiny-mlp',
      version: '0.1.0',
      createdAt: new Date(Date.UTC(2025, 0, 31, 12)).toISOString(),
      task: 'tabular-classification',
      input: { name: 'features', shape: [-1, 4], dtype: 'float32', preprocessing: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } },
      output: { name: 'probabilities', shape: [-1, 3], labels: ['setosa', 'versicolor', 'virginica'], activation: 'softmax' },
      metrics: { accuracy: 0.95 },
      lineage: { trainerConfig: { epochs: 3, layers: [16, 3] } },
    },
    artifacts: [
      {
        id: 'tfjs-fp32',
        engine: 'tfjs',
        precision: 'fp32',
        target: 'generic',
        files: [
          { path: 'tfjs-fp32/model.json', data: modelJson },
          { path: 'tfjs-fp32/group1-shard1of1.bin', data: new Uint8Array(weights.buffer) },
        ],
      },
    ],
  };
}

describe('createPackage', () => {
  it('builds a signed package whose bytes parse back to the manifest', async () => {
    const source = input();
    const built = await createPackage({ ...source, signingKey: key });

    expect(parseManifest(built.manifestBytes)).toEqual(built.manifest);
    expect(built.manifest.format).toBe('edgeloop/1');
    expect(built.manifest.name).toBe('tiny-mlp');

    const files = source.artifacts[0].files;
    expect(built.manifest.artifacts[0].files).toEqual(
      await Promise.all(files.map(async (f) => ({ path: f.path, bytes: f.data.byteLength, sha256: await sha256Hex(f.data) }))),
    );
    expect([...built.files.keys()]).toEqual(files.map((f) => f.path));
    expect(built.files.get('tfjs-fp32/group1-shard1of1.bin')?.byteLength).toBe(4000);

    await expect(verifyManifestSignature(built.manifestBytes, built.signature, [key.publicKey])).resolves.toEqual({
      keyId: key.keyId,
    });
  });

  it('writes pretty JSON with a trailing newline and the format first', async () => {
    const text = new TextDecoder().decode((await createPackage(input())).manifestBytes);
    expect(text.startsWith('{\n  "format": "edgeloop/1",\n  "name": "tiny-mlp",')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('leaves the package unsigned without a key', async () => {
    expect((await createPackage(input())).signature).toBeUndefined();
  });

  it('refuses to write a file path that escapes the package', async () => {
    const bad = input();
    bad.artifacts[0].files[1].path = '../outside.bin';
    const error = await createPackage(bad).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe('artifacts[0].files[1].path');
  });

  it('refuses to write a file named like the package files', async () => {
    const bad = input();
    bad.artifacts[0].files[0].path = PACKAGE_FILES.signature;
    const error = await createPackage(bad).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
  });

  it('refuses unknown manifest keys rather than dropping them', async () => {
    const bad = input();
    (bad.manifest as unknown as Record<string, unknown>).licence = 'MIT';
    const error = await createPackage(bad).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe('licence');
  });

  it('refuses an image input without a batch dimension before anything is built', async () => {
    const bad = input();
    bad.manifest.task = 'image-classification';
    bad.manifest.input = { name: 'image', shape: [28, 28, 1], dtype: 'float32', layout: 'NHWC' };
    const error = await createPackage(bad).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe('input.shape');
    expect((error as Error).message).toMatch(/add the batch dimension first, e\.g\. \[-1, 28, 28, 1\]/);
  });

  it('throws TypeError when file data is not bytes', async () => {
    const bad = input();
    (bad.artifacts[0].files[0] as unknown as { data: unknown }).data = 'not bytes';
    await expect(createPackage(bad)).rejects.toThrow(TypeError);
  });
});
