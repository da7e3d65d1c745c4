/**
 * A feedback batch from schema-valid JSON to the examples the store takes
 * (docs/SYNC-API.md, "Feedback"), in two steps around the version lookup: first what
 * needs no manifest (each input decodes as base64 and fits the size limit), then what
 * the version's manifest decides (labels, dtype, shape, the data's length, finite
 * floats). Every check runs before the store sees anything, so a refused batch
 * writes nothing; each error names the field (`details.field`, answered as `field`).
 */
import { FEEDBACK_LIMITS, feedbackExampleId, type FeedbackBatch, type FeedbackExample } from '../../format/index.ts';
import { dateTimeMs } from '../date-time.ts';
import { SyncError } from '../errors.ts';
import { decodeStrictBase64 } from '../publish.ts';
import type { NewFeedbackExample } from '../store/store.ts';
import type { FeedbackTarget } from './feedback-targets.ts';

const BYTES_PER_ELEMENT = { uint8: 1, float32: 4 } as const;

const inconsistent = (field: string, message: string) => new SyncError('FEEDBACK_INCONSISTENT', message, { details: { field } });

/**
 * Decodes every example's `input.data` (strict base64) and checks its size.
 * @throws SyncError `BAD_REQUEST` for data that is not canonical base64; `PAYLOAD_TOO_LARGE` past `maxInputBytes`.
 */
export function decodeFeedbackInputs(examples: readonly FeedbackExample[]): Buffer[] {
  return examples.map((e, i) => {
    const field = `examples[${i}].input.data`;
    const bytes = decodeStrictBase64(e.input.data, field);
    if (bytes.byteLength > FEEDBACK_LIMITS.maxInputBytes) {
      throw new SyncError('PAYLOAD_TOO_LARGE', `${field} holds ${bytes.byteLength} bytes; an example's input may hold at most ${FEEDBACK_LIMITS.maxInputBytes} (send images at the model's input size, as uint8 where they are large)`, {
        details: { field, limit: 'maxInputBytes', max: FEEDBACK_LIMITS.maxInputBytes },
      });
    }
    return bytes;
  });
}

/** The shape an example of `target` has, for messages: `[1, 28, 28, 1]`, `n` where the manifest says `-1`. */
function expectedShape(target: FeedbackTarget): string {
  return `[${target.shape.map((d, i) => (i === 0 ? '1' : d === -1 ? 'n' : String(d))).join(', ')}]`;
}

/** True when `shape` is one example of `target`: its rank, batch dimension 1, every other dimension the manifest's (any size where it says `-1`). */
function fitsShape(shape: readonly number[], target: FeedbackTarget): boolean {
  if (shape.length !== target.shape.length || shape[0] !== 1) return false;
  return target.shape.every((d, i) => (i === 0 ? d === -1 || d === 1 : d === -1 || d === shape[i]));
}

function checkLabel(label: string, target: FeedbackTarget, field: string): void {
  if (!target.labels!.has(label)) {
    throw inconsistent(field, `${field} is ${JSON.stringify(label.slice(0, 80))}, which is not one of the output labels of ${target.model}@${target.version}; send one of its manifest's output.labels`);
  }
}

/** Checks one example against the version's manifest. */
function checkExample(e: FeedbackExample, bytes: Uint8Array, target: FeedbackTarget, at: string): void {
  checkLabel(e.label, target, `${at}.label`);
  if (e.predicted !== undefined) checkLabel(e.predicted, target, `${at}.predicted`);
  const { shape, dtype } = e.input;
  if (dtype === 'float32' && target.dtype !== 'float32') {
    throw inconsistent(`${at}.input.dtype`, `${at}.input.dtype is float32, but ${target.model}@${target.version} takes ${target.dtype} input; send its 8-bit values as uint8`);
  }
  if (!fitsShape(shape, target)) {
    throw inconsistent(`${at}.input.shape`, `${at}.input.shape is [${shape.join(', ')}]; one example of ${target.model}@${target.version} has the shape ${expectedShape(target)} (its input shape with batch dimension 1)`);
  }
  const expected = shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength !== expected) {
    throw inconsistent(`${at}.input.data`, `${at}.input.data holds ${bytes.byteLength} bytes; shape [${shape.join(', ')}] of ${dtype} is ${expected} bytes`);
  }
  if (dtype === 'float32') {
    // Little-endian by the wire rule, read through a DataView: the decoded bytes need not be 4-aligned.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let k = 0; k < bytes.byteLength; k += 4) {
      if (!Number.isFinite(view.getFloat32(k, true))) {
        throw inconsistent(`${at}.input.data`, `${at}.input.data holds NaN or an infinity at element ${k / 4}; a model input is finite`);
      }
    }
  }
}

/** What a checked batch stores, and the id the client is told for each of its examples. */
export interface CheckedFeedback {
  /** Distinct examples in batch order (a repeat within the batch is stored once). */
  examples: NewFeedbackExample[];
  /** `ids[i]` is the content id of `batch.examples[i]`. */
  ids: string[];
}

/**
 * Checks a batch whose inputs {@link decodeFeedbackInputs} decoded against its
 * version's manifest and gives each example its content id (`feedbackExampleId`).
 * @throws SyncError `FEEDBACK_INCONSISTENT` naming the field: a label or prediction the
 *   version does not have (or a version without labels), a float32 input to a model that
 *   takes another dtype, a shape that is not one example of the input, data of another
 *   length than shape × dtype, a NaN or infinity.
 */
export async function checkFeedback(batch: FeedbackBatch, inputs: readonly Uint8Array[], target: FeedbackTarget, meta: { sender: string; receivedAt: string }): Promise<CheckedFeedback> {
  if (target.labels === undefined) {
    throw inconsistent('version', `${target.model}@${target.version} has no output labels; feedback takes labelled examples of classification models only`);
  }
  const byId = new Map<string, NewFeedbackExample>();
  const ids: string[] = [];
  for (const [i, e] of batch.examples.entries()) {
    const at = `examples[${i}]`;
    checkExample(e, inputs[i], target, at);
    const id = await feedbackExampleId(batch.model, e.label, e.input, inputs[i]);
    ids.push(id);
    if (byId.has(id)) continue;
    byId.set(id, {
      id,
      version: batch.version,
      label: e.label,
      predicted: e.predicted ?? null,
      dtype: e.input.dtype,
      shape: e.input.shape,
      data: inputs[i],
      createdAt: new Date(dateTimeMs(e.createdAt, `${at}.createdAt`)).toISOString(),
      receivedAt: meta.receivedAt,
      installId: batch.installId ?? null,
      sender: meta.sender,
    });
  }
  return { examples: [...byId.values()], ids };
}
