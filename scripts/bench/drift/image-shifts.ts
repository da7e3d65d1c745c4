/**
 * The input shifts of the drift bench, over 28 × 28 MNIST digits (values 0..1, white on
 * black): each is a pure function of one digit (plus a seeded generator for noise), so a
 * shifted pool is computed once and every window samples from it.
 */
import { MNIST_PIXELS } from '../../../trainer/node.ts';

const SIDE = 28;
const CENTRE = (SIDE - 1) / 2;

/** The shifts, in table order. `label-shift` changes which digits are drawn, not the digits. */
export const SHIFTS = ['none', 'rotate-30', 'invert', 'noise-0.3', 'label-shift', 'canvas-drawn'] as const;
export type Shift = (typeof SHIFTS)[number];

/** Class weights of `label-shift`: classes 0–4 five times as frequent as 5–9. */
export const LABEL_SHIFT_WEIGHTS: readonly number[] = Object.freeze([5, 5, 5, 5, 5, 1, 1, 1, 1, 1]);

/** The digit rotated by `degrees` about its centre (bilinear; outside the frame is black). */
export function rotateDigit(image: ArrayLike<number>, degrees: number): Float32Array {
  const out = new Float32Array(MNIST_PIXELS);
  const cos = Math.cos((degrees * Math.PI) / 180);
  const sin = Math.sin((degrees * Math.PI) / 180);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      // The source point that lands on (x, y): the inverse rotation.
      const sx = cos * (x - CENTRE) + sin * (y - CENTRE) + CENTRE;
      const sy = -sin * (x - CENTRE) + cos * (y - CENTRE) + CENTRE;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let v = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const px = x0 + dx;
        const py = y0 + dy;
        if (px < 0 || py < 0 || px >= SIDE || py >= SIDE) continue;
        v += image[py * SIDE + px]! * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      }
      out[y * SIDE + x] = v;
    }
  }
  return out;
}

/** 1 − x: a dark digit on a light background (a photographed page instead of a screen). */
export function invertDigit(image: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: MNIST_PIXELS }, (_, i) => 1 - image[i]!);
}

/** Uniform noise in [−amplitude, amplitude] on every pixel, clamped to [0, 1] (a noisy camera). */
export function noisyDigit(image: ArrayLike<number>, amplitude: number, random: () => number): Float32Array {
  return Float32Array.from({ length: MNIST_PIXELS }, (_, i) => Math.min(1, Math.max(0, image[i]! + amplitude * (2 * random() - 1))));
}

/** 3 × 3 max filter (grey dilation): every stroke one pixel thicker on each side. */
function dilate(image: ArrayLike<number>): Float32Array {
  const out = new Float32Array(MNIST_PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let max = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const px = x + dx;
          const py = y + dy;
          if (px >= 0 && py >= 0 && px < SIDE && py < SIDE) max = Math.max(max, image[py * SIDE + px]!);
        }
      }
      out[y * SIDE + x] = max;
    }
  }
  return out;
}

/**
 * The digit as a finger would draw it on a canvas: dilated twice (strokes ~4 px thicker)
 * and thresholded at 0.5 to pure black and white (no anti-aliasing, uniform ink).
 */
export function canvasDrawnDigit(image: ArrayLike<number>): Float32Array {
  return dilate(dilate(image)).map((v) => (v >= 0.5 ? 1 : 0));
}

/**
 * The pool of `count` digits under `shift` (`label-shift` and `none` return the digits
 * as they are). Noise is drawn once per digit from `random`, so the pool is fixed.
 */
export function shiftedPool(images: Float32Array, count: number, shift: Shift, random: () => number): Float32Array {
  if (shift === 'none' || shift === 'label-shift') return images;
  const out = new Float32Array(count * MNIST_PIXELS);
  for (let n = 0; n < count; n++) {
    const digit = images.subarray(n * MNIST_PIXELS, (n + 1) * MNIST_PIXELS);
    const shifted =
      shift === 'rotate-30' ? rotateDigit(digit, 30) : shift === 'invert' ? invertDigit(digit) : shift === 'noise-0.3' ? noisyDigit(digit, 0.3, random) : canvasDrawnDigit(digit);
    out.set(shifted, n * MNIST_PIXELS);
  }
  return out;
}
