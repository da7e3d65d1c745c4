/**
 * The batched predict loop: one for the runtime's `predictBatch`, the compressor's
 * evaluation, the trainer's evaluation and the benchmarks.
 */
import type { TensorData } from './types.ts';

/** One batch {@link predictInBatches} ran. */
export interface BatchResult {
  /** Index of the batch's first row in the input. */
  start: number;
  /** The batch's raw output (batch dimension first). */
  output: TensorData;
  /** Wall time of the `run` call, in milliseconds. */
  ms: number;
}

/** Options of {@link predictInBatches}. */
export interface PredictInBatchesOptions {
  /** Rows per `run` call. @defaultValue 256 */
  batchSize?: number;
  /** Called after each batch, in order. */
  onBatch?: (batch: BatchResult, progress: { done: number; total: number }) => void;
}

/**
 * Runs `input` (rows along its first dimension) through `run` in batches of
 * `batchSize` rows and returns the outputs stacked in input order. `run` is an engine
 * session's `run`, or any function of the same shape (a raw tfjs model, a test double).
 */
export async function predictInBatches(
  run: (batch: TensorData) => Promise<TensorData>,
  input: TensorData,
  options: PredictInBatchesOptions = {},
): Promise<TensorData> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
  const rows = input.shape[0] ?? 0;
  const rowSize = input.shape.slice(1).reduce((a, b) => a * b, 1);
  if (input.data.length !== rows * rowSize) {
    throw new RangeError(`input has ${input.data.length} values, but its shape [${input.shape.join(', ')}] needs ${rows * rowSize}`);
  }
  const parts: TensorData[] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    const began = performance.now();
    const output = await run({ data: input.data.subarray(start * rowSize, (start + n) * rowSize), shape: [n, ...input.shape.slice(1)] });
    const ms = performance.now() - began;
    parts.push(output);
    options.onBatch?.({ start, output, ms }, { done: start + n, total: rows });
  }
  return concatRows(parts, rows);
}

/** Stacks tensors along their first dimension (all share the other dimensions). */
export function concatRows(parts: readonly TensorData[], rows = parts.reduce((sum, p) => sum + (p.shape[0] ?? 0), 0)): TensorData {
  if (parts.length === 1) return parts[0]!;
  const data = new Float32Array(parts.reduce((sum, p) => sum + p.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { data, shape: [rows, ...(parts[0]?.shape.slice(1) ?? [])] };
}
