/**
 * Bad packages and bad inputs: each gets its typed error (by code, across the worker
 * boundary), and the runtime still serves the next good call.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { generateSigningKeyPair, signManifest } from '../format/index.ts';
import { openLab, packageVariant, writeSignedManifest } from './lab.ts';

const NAME = 'mnist-mlp';
const GOOD = `/fixtures/registry/${NAME}/1.0.0/manifest.json`;

/** A shard of the tfjs artifact (the first .bin file). */
function shardOf(manifest: { artifacts: Array<{ engine: string; files: Array<{ path: string }> }> }): string {
  return manifest.artifacts.find((a) => a.engine === 'tfjs')!.files.find((f) => f.path.endsWith('.bin'))!.path;
}

test('bad packages and inputs get typed errors; the runtime serves the next good call', async ({ page }) => {
  const cases: Record<string, string> = {
    missingShard: await packageVariant(NAME, 'missing-shard', async (dir, manifest) => rm(join(dir, shardOf(manifest)))),
    corruptShard: await packageVariant(NAME, 'corrupt-shard', async (dir, manifest) => {
      const path = join(dir, shardOf(manifest));
      const bytes = await readFile(path);
      bytes[bytes.length >> 1] ^= 0x01;
      await writeFile(path, bytes);
    }),
    wrongHash: await packageVariant(NAME, 'wrong-hash', async (dir, manifest) => {
      const file = manifest.artifacts.find((a) => a.engine === 'onnx')!.files[0]!;
      file.sha256 = file.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      await writeSignedManifest(dir, manifest);
    }),
    badSignature: await packageVariant(NAME, 'bad-signature', async (dir) => {
      const path = join(dir, 'manifest.json');
      const text = await readFile(path, 'utf8');
      await writeFile(path, text.replace('"metrics": {', '"metrics": {\n    "tampered": 1,'));
    }),
    untrusted: await packageVariant(NAME, 'untrusted', async (dir) => {
      const stranger = await generateSigningKeyPair();
      const bytes = await readFile(join(dir, 'manifest.json'));
      await writeFile(join(dir, 'manifest.sig'), await signManifest(bytes, stranger.privateKey, stranger.publicKey));
    }),
  };

  await openLab(page);
  const outcome = await page.evaluate(
    async ({ good, cases }) => {
      const { createRuntime, trustedKeys, loadTestDigits, isEdgeloopError } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys });
      const { images, labels } = await loadTestDigits(1);
      const digit = { data: images[0]!.map((v) => v * 255), shape: [1, 28, 28, 1] };
      const codeOf = async (work: () => Promise<unknown>) => {
        try {
          await work();
          return 'no error';
        } catch (error) {
          return isEdgeloopError(error) ? error.code : `untyped ${(error as Error).name}: ${(error as Error).message}`;
        }
      };
      const model = await runtime.load(good);
      const goodCall = async () => (await model.predict(digit)).topK[0]!.index === labels[0];
      const rows: Array<{ what: string; code: string; nextGood: boolean }> = [];
      const check = async (what: string, work: () => Promise<unknown>) => rows.push({ what, code: await codeOf(work), nextGood: await goodCall() });

      await check('wrong package URL', () => runtime.load('/fixtures/registry/no-such-model/1.0.0/manifest.json'));
      // Measured afresh, so every candidate's artifact is fetched and checked: a remembered
      // choice (the good package's, for the variants whose manifest is unchanged) fetches
      // only its own artifact, and would never read the tfjs shard these cases break.
      for (const [what, url] of Object.entries(cases)) await check(what, () => runtime.load(url, { rememberBackend: false }));
      await check('wrong shape', () => model.predict({ data: new Float32Array(100), shape: [1, 10, 10, 1] }));
      await check('wrong dtype', () => model.predict({ data: new Int32Array(784), shape: [1, 28, 28, 1] }));
      await check('data/shape mismatch', () => model.predict({ data: new Float32Array(783), shape: [1, 28, 28, 1] }));
      await check('not an input', () => model.predict('seven' as never));
      await runtime.dispose();
      return rows;
    },
    { good: GOOD, cases },
  );

  const expected: Record<string, string> = {
    'wrong package URL': 'NOT_FOUND',
    missingShard: 'NOT_FOUND',
    corruptShard: 'INTEGRITY_MISMATCH',
    wrongHash: 'INTEGRITY_MISMATCH',
    badSignature: 'SIGNATURE_INVALID',
    untrusted: 'SIGNATURE_UNTRUSTED',
    'wrong shape': 'INPUT_INVALID',
    'wrong dtype': 'INPUT_INVALID',
    'data/shape mismatch': 'INPUT_INVALID',
    'not an input': 'INPUT_INVALID',
  };
  expect(Object.fromEntries(outcome.map((r) => [r.what, r.code]))).toEqual(expected);
  for (const row of outcome) expect(row.nextGood, `good call after "${row.what}"`).toBe(true);
});

test('the client refuses a 65-character package name the way it refuses any bad name; 64 characters are a name', async ({ page }) => {
  await openLab(page);
  const outcome = await page.evaluate(async () => {
    const runtime = await window.edgeloop.createRuntime();
    const attempt = (name: string) =>
      runtime.store.install(name, { from: '/fixtures/registry/' }).then(
        () => ({ name: 'ok', code: undefined as string | undefined }),
        (e: Error & { code?: string }) => ({ name: e.name, code: e.code }),
      );
    const result = { long: await attempt('a'.repeat(65)), bad: await attempt('Bad_Name'), longest: await attempt('a'.repeat(64)) };
    await runtime.dispose();
    return result;
  });
  expect(outcome.long).toEqual({ name: 'TypeError', code: undefined });
  expect(outcome.long).toEqual(outcome.bad);
  // A valid name that the registry does not hold: refused by the registry, not by the name rule.
  expect(outcome.longest.name).toBe('EdgeloopError');
  expect(outcome.longest.code).toBe('NOT_FOUND');
});
