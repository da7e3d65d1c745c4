/**
 * A retrained version ships with its parent's artifact set, built from the new weights:
 * the fp32 ONNX export runs the candidate (not the parent), the edge target's int8 ONNX
 * is compressed again within its budget, an artifact of an unknown target is left out
 * with the reason, and the package is signed by the publisher.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressPackage, createArtifactRunner, exportOnnx } from '../../compress/index.ts';
import { getEdgeTarget } from '../../devices/index.ts';
import { createPackage, generateSigningKeyPair, parseManifest, verifyManifestSignature, type BuiltPackage, type SigningKeyPair } from '../../format/index.ts';
import { buildMlp } from '../../trainer/index.ts';
import { tinyPackage } from '../../test-support/tiny-package.ts';
import { buildLikeParent } from './parent-artifacts.ts';

let key: SigningKeyPair;
beforeAll(async () => {
  await tf.setBackend('cpu');
  key = await generateSigningKeyPair();
});

const logits = (model: LayersModel, x: Float32Array, shape: number[]) => tf.tidy(() => (model.predict(tf.tensor(x, [x.length / 64, ...shape])) as tf.Tensor).dataSync() as Float32Array);

/** `built` plus artifacts (re-signed). */
async function withArtifacts(built: BuiltPackage, extra: Array<{ id: string; engine: 'tfjs' | 'onnx'; precision: 'fp32'; target: string; files: Array<{ path: string; data: Uint8Array }> }>): Promise<BuiltPackage> {
  const { format: _format, artifacts, ...rest } = built.manifest;
  const kept = artifacts.map((a) => ({ ...a, files: a.files.map((f) => ({ path: f.path, data: built.files.get(f.path)! })) }));
  return createPackage({ manifest: rest, artifacts: [...kept, ...extra], signingKey: key });
}

describe('buildLikeParent', () => {
  it("builds the parent's ONNX and edge-target artifacts again from the candidate, and leaves out one it cannot", async () => {
    const runArtifact = createArtifactRunner();
    // The parent: tfjs fp32 + ONNX fp32 + int8 ONNX for phone-wasm + an artifact of a target nobody knows.
    const parentModel = buildMlp({ inputShape: [8, 8, 1], hidden: [128], classes: 3, seed: 1 });
    const { built: tiny, test } = await tinyPackage(parentModel, { count: 60 });
    let parent = await withArtifacts(tiny, [{ id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'onnx/model.onnx', data: exportOnnx(parentModel) }] }]);
    parent = (await compressPackage({ manifest: parent.manifest, files: parent.files, model: parentModel, targets: [getEdgeTarget('phone-wasm')], test, runArtifact, signingKey: key })).built;
    parent = await withArtifacts(parent, [{ id: 'tfjs-fp32-moon', engine: 'tfjs', precision: 'fp32', target: 'moon-phone', files: [{ path: 'moon/model.json', data: parent.files.get('tfjs/model.json')! }] }]);
    expect(parent.manifest.artifacts.map((a) => a.id)).toEqual(['tfjs-fp32', 'onnx-fp32', 'onnx-int8-phone-wasm', 'tfjs-fp32-moon']);

    // The candidate: other weights, packaged by the trainer with its fp32 tfjs artifact only.
    const candidate = buildMlp({ inputShape: [8, 8, 1], hidden: [128], classes: 3, seed: 2 });
    const { built: trained } = await tinyPackage(candidate, { count: 60 });
    const lines: string[] = [];
    const like = await buildLikeParent({ parent: parent.manifest, built: trained, model: candidate, test, train: test, runArtifact, signingKey: key, log: (line) => lines.push(line) });

    const manifest = parseManifest(like.built.manifestBytes);
    expect(manifest.artifacts.map((a) => a.id)).toEqual(['tfjs-fp32', 'onnx-fp32', 'onnx-int8-phone-wasm']);
    expect(like.rebuilt).toEqual(['onnx-fp32', 'onnx-int8-phone-wasm']);
    expect(like.dropped).toEqual([{ id: 'tfjs-fp32-moon', reason: expect.stringMatching(/target "moon-phone" is not an edge target this worker knows/) }]);
    expect(lines.join('\n')).toMatch(/tfjs-fp32-moon is not carried over/);
    await expect(verifyManifestSignature(like.built.manifestBytes, like.built.signature, [key.publicKey])).resolves.toBeTruthy();

    // The new ONNX artifacts run the candidate's weights, not the parent's.
    const path = manifest.artifacts[1]!.files[0]!.path;
    const fromOnnx = await runArtifact({ engine: 'onnx', files: like.built.files, paths: [path] }, test.x, [8, 8, 1]);
    const want = logits(candidate, test.x, [8, 8, 1]);
    const old = logits(parentModel, test.x, [8, 8, 1]);
    expect(Math.max(...fromOnnx.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-4);
    expect(Math.max(...fromOnnx.map((v, i) => Math.abs(v - old[i]!)))).toBeGreaterThan(1e-2);
    const int8 = manifest.artifacts[2]!;
    expect(int8).toMatchObject({ engine: 'onnx', precision: 'int8', target: 'phone-wasm' });
    expect(int8.files[0]!.sha256).not.toBe(parent.manifest.artifacts[2]!.files[0]!.sha256);
    expect(int8.files[0]!.bytes).toBeLessThan(manifest.artifacts[1]!.files[0]!.bytes * 0.4);
    expect(manifest.metrics['onnx-int8-phone-wasm.top1_agreement']).toBeGreaterThan(0.9);
    parentModel.dispose();
    candidate.dispose();
  }, 120_000);
});
