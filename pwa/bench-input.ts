/**
 * The input every browser benchmark feeds a model: the same deterministic values for
 * edgeloop (which applies the manifest's preprocessing) and for a raw engine (which gets
 * them already preprocessed).
 */
import type { Manifest } from '../runtime/index.ts';

/**
 * A deterministic input: `raw` is what a caller hands edgeloop (8-bit-range values in the
 * manifest's dtype; edgeloop applies the manifest's preprocessing), `prepared` is the
 * same input after that preprocessing, which is what the raw engine gets.
 */
export function makeInput(manifest: Manifest): { raw: { data: Float32Array | Int32Array | Uint8Array; shape: number[] }; prepared: Float32Array; shape: number[] } {
  const shape = manifest.input.shape.map((d) => (d === -1 ? 1 : d));
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Uint8Array(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state >>> 24;
  }
  // Benchmarked models are classifiers: float32, int32 or uint8 inputs.
  const dtype = manifest.input.dtype;
  const Typed = dtype === 'int32' ? Int32Array : dtype === 'uint8' ? Uint8Array : Float32Array;
  const rawData = Typed.from(values);
  const { scale = 1, invert = false, mean, std } = manifest.input.preprocessing ?? {};
  const channelAxis = manifest.input.layout === 'NCHW' ? 1 : shape.length - 1;
  const channels = shape[channelAxis]!;
  const stride = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const prepared = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let x = values[i]! * scale;
    if (invert) x = 1 - x;
    if (mean && std) {
      const c = mean.length === 1 ? 0 : Math.floor(i / stride) % channels;
      x = (x - mean[c]!) / std[c]!;
    }
    prepared[i] = x;
  }
  return { raw: { data: rawData, shape }, prepared, shape };
}
