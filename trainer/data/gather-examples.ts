/**
 * Picks rows of a flat feature matrix (and their labels) by index — how a split's
 * index arrays become training or test tensors' backing arrays.
 */

/** Labels of a data set: class indices (`Uint8Array`, `Int32Array`) or regression targets (`Float32Array`). */
export type ExampleLabels = Uint8Array | Int32Array | Float32Array;

/** A labelled set: `count` rows of `features.length / count` values each. */
export interface LabelledExamples<L extends ExampleLabels = Uint8Array> {
  features: Float32Array;
  labels: L;
  count: number;
}

/**
 * Copies rows `indices` of `features` (rows of `rowSize` values) and the matching
 * `labels` into new arrays, in the order of `indices`. The labels keep their array type.
 *
 * @throws {RangeError} when `rowSize` does not divide `features` into `labels.length`
 *   rows, or an index is out of range.
 */
export function gatherExamples<L extends ExampleLabels = Uint8Array>(
  features: Float32Array,
  labels: L,
  rowSize: number,
  indices: ArrayLike<number>,
): LabelledExamples<L> {
  if (!Number.isInteger(rowSize) || rowSize <= 0 || features.length !== labels.length * rowSize) {
    throw new RangeError(
      `gatherExamples: ${features.length} features are not ${labels.length} rows of ${rowSize} values`,
    );
  }
  const count = indices.length;
  const outFeatures = new Float32Array(count * rowSize);
  const outLabels = new (labels.constructor as new (length: number) => L)(count);
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= labels.length) {
      throw new RangeError(`gatherExamples: index ${i} at position ${k} is outside 0..${labels.length - 1}`);
    }
    outFeatures.set(features.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize);
    outLabels[k] = labels[i];
  }
  return { features: outFeatures, labels: outLabels, count };
}
