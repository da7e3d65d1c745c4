/**
 * The array type that holds class indices: bytes while they fit, 32-bit integers
 * beyond 256 classes.
 */

/** Class indices, one per example; `classes[labels[i]]` is example `i`'s class name. */
export type ClassLabels = Uint8Array | Int32Array;

/** A zeroed {@link ClassLabels} of `length`: a `Uint8Array` for up to 256 classes, else an `Int32Array`. */
export function createClassLabels(length: number, classCount: number): ClassLabels {
  return classCount <= 256 ? new Uint8Array(length) : new Int32Array(length);
}
