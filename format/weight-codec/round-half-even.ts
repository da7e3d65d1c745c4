/**
 * Rounding shared by the integer quantizers: half to even, as ONNX QuantizeLinear and
 * numpy's `round` (hence tfjs-converter) do, so every writer agrees on the same codes.
 */

/** `x` rounded to the nearest integer, ties to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
