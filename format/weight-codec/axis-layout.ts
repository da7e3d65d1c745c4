/**
 * Row-major view of a tensor around one axis, used by the per-channel and block-wise
 * quantizers: element `i` sits at `outer = floor(i / (dim × inner))`,
 * `c = floor(i / inner) mod dim`, `j = i mod inner`.
 */

/** Sizes before, on and after `axis` of a row-major tensor of `shape`. */
export interface AxisLayout {
  /** Product of the dimensions before `axis`. */
  outer: number;
  /** `shape[axis]`. */
  dim: number;
  /** Product of the dimensions after `axis`. */
  inner: number;
}

/**
 * The {@link AxisLayout} of `shape` around `axis` (negative counts from the end).
 *
 * @throws {RangeError} when `axis` is not an integer inside `shape`.
 */
export function axisLayout(shape: readonly number[], axis: number): AxisLayout {
  const resolved = resolveAxis(shape, axis);
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < resolved; d++) outer *= shape[d];
  for (let d = resolved + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, dim: shape[resolved], inner };
}

/**
 * `axis` as a non-negative index into `shape` (−1 is the last axis).
 *
 * @throws {RangeError} when `axis` is not an integer in [−rank, rank).
 */
export function resolveAxis(shape: readonly number[], axis: number): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`axis must be an integer in [${-rank}, ${rank}) for shape [${shape.join(', ')}], got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}
