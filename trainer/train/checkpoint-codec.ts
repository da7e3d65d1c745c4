/**
 * A checkpoint as one self-checking byte string, for files and downloads:
 *
 * ```
 * "EDGECKP1" | u32 LE JSON length | JSON | zero padding to 4 bytes | float32 data | SHA-256 of everything before it (32 bytes)
 * ```
 *
 * In the JSON every `Float32Array` is replaced by `{ "$f32": [offset, length] }`
 * (offset in floats into the data section) and every non-finite number by
 * `{ "$num": "Infinity" }` (JSON has no Infinity).
 */
import { TrainerError } from '../errors.ts';
import { validateCheckpoint, type TrainingCheckpoint } from './checkpoint.ts';

const MAGIC = 'EDGECKP1';
const DIGEST_BYTES = 32;

function broken(message: string, where: string | undefined, cause?: unknown): TrainerError {
  return new TrainerError('CHECKPOINT_INVALID', `checkpoint${where === undefined ? '' : ` ${where}`} is corrupt: ${message}; delete it and start again`, {
    details: where === undefined ? {} : { file: where },
    cause,
  });
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Serialises `checkpoint` (see the file comment for the layout). */
export async function encodeCheckpoint(checkpoint: TrainingCheckpoint): Promise<Uint8Array> {
  const arrays: Float32Array[] = [];
  let floats = 0;
  const json = JSON.stringify(checkpoint, function (this: unknown, key: string, value: unknown) {
    // The replacer sees typed arrays before JSON.stringify turns them into objects.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Float32Array) {
      arrays.push(raw);
      floats += raw.length;
      return { $f32: [floats - raw.length, raw.length] };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
    return value;
  });
  const jsonBytes = new TextEncoder().encode(json);
  const headerBytes = MAGIC.length + 4 + jsonBytes.length;
  const dataOffset = Math.ceil(headerBytes / 4) * 4;
  const body = new Uint8Array(dataOffset + floats * 4 + DIGEST_BYTES);
  body.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(body.buffer).setUint32(MAGIC.length, jsonBytes.length, true);
  body.set(jsonBytes, MAGIC.length + 4);
  const data = new Float32Array(body.buffer, dataOffset, floats);
  let offset = 0;
  for (const a of arrays) {
    data.set(a, offset);
    offset += a.length;
  }
  const digestAt = body.length - DIGEST_BYTES;
  body.set(await sha256(body.subarray(0, digestAt)), digestAt);
  return body;
}

/**
 * Parses bytes written by {@link encodeCheckpoint} and checks the digest and the
 * structure.
 *
 * @param where - The file's path, for error messages.
 * @throws {TrainerError} `CHECKPOINT_INVALID` when the bytes are truncated, altered or malformed.
 */
export async function decodeCheckpoint(bytes: Uint8Array, where?: string): Promise<TrainingCheckpoint> {
  if (bytes.length < MAGIC.length + 4 + DIGEST_BYTES || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw broken(`it does not start with ${MAGIC}`, where);
  }
  const digestAt = bytes.length - DIGEST_BYTES;
  const expected = await sha256(bytes.subarray(0, digestAt));
  const actual = bytes.subarray(digestAt);
  if (expected.some((b, i) => b !== actual[i])) throw broken('its SHA-256 does not match (truncated or altered)', where);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  const dataOffset = Math.ceil((MAGIC.length + 4 + jsonLength) / 4) * 4;
  if (dataOffset > digestAt || (digestAt - dataOffset) % 4 !== 0) throw broken('its sections do not add up', where);
  // Copy so the floats are aligned and independent of the caller's buffer.
  const data = new Float32Array(bytes.slice(dataOffset, digestAt).buffer);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)), (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as { $f32?: unknown; $num?: unknown };
        if (Array.isArray(v.$f32)) {
          const [offset, length] = v.$f32 as number[];
          if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || offset + length > data.length) {
            throw new RangeError(`array reference [${offset}, ${length}] is outside the ${data.length} stored floats`);
          }
          return data.slice(offset, offset + length);
        }
        if (typeof v.$num === 'string') return Number(v.$num);
      }
      return value;
    });
  } catch (error) {
    throw broken(`its JSON section cannot be read (${(error as Error).message})`, where, error);
  }
  return validateCheckpoint(parsed, where);
}
