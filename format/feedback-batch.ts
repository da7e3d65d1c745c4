/**
 * The wire types of feedback (`POST /v1/feedback`, docs/SYNC-API.md "Feedback"):
 * labelled examples a device sends only when its user chose to share them, stored by
 * the endpoint as one dataset per model for retraining. The endpoint's JSON Schema
 * (`sync/schemas.ts`) validates them; the runtime builds them. The limits and the
 * example id live here too, so a device can split its batches and know the id the
 * endpoint will give each example without asking.
 */
import { sha256Hex } from './sha256.ts';

/** How an example's input bytes are read. */
export const FEEDBACK_INPUT_DTYPES = ['uint8', 'float32'] as const;

/**
 * `float32`: the model's input tensor after the manifest's preprocessing, little-endian
 * (only for a model whose input dtype is `float32`). `uint8`: 8-bit values before the
 * manifest's `scale` / `mean` / `std` (pixels 0–255 at the model's input size), or the
 * input tensor itself for a `uint8` model.
 */
export type FeedbackInputDtype = (typeof FEEDBACK_INPUT_DTYPES)[number];

/** What one feedback request may carry (docs/SYNC-API.md, "Feedback"). */
export const FEEDBACK_LIMITS = Object.freeze({
  /** Most examples in one batch. */
  maxExamplesPerBatch: 100,
  /** Most bytes of one example's decoded input (256 KiB: a 224×224 RGB image as uint8 fits, as float32 it does not). */
  maxInputBytes: 256 * 1024,
  /** Largest request body, JSON and base64 included (4 MiB). */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Longest label, in characters: the manifest validator's bound on an output label. */
  maxLabelLength: 1024,
  /** Longest `installId`. */
  maxInstallIdLength: 128,
});

/** One example's input: a batch of one, in the model's input shape. */
export interface FeedbackInput {
  /**
   * The manifest's input shape with its batch dimension 1 (`[1, 784]`, `[1, 28, 28, 1]`);
   * a `-1` dimension after the first takes this example's size.
   */
  shape: number[];
  dtype: FeedbackInputDtype;
  /** Standard base64 (RFC 4648 §4, padded) of the elements' bytes, `shape` product × 1 or 4 bytes. */
  data: string;
}

/** One labelled example. */
export interface FeedbackExample {
  /** The right label, as the user gave it: one of the version's manifest `output.labels`. */
  label: string;
  input: FeedbackInput;
  /** What the model predicted (top-1), one of the same labels. */
  predicted?: string;
  /** When the user labelled it (RFC 3339, the device's clock). */
  createdAt: string;
}

/** The body of `POST /v1/feedback`: examples for one model version. */
export interface FeedbackBatch {
  /** Payload version; only 1 exists. */
  schema: 1;
  /** The package name. */
  model: string;
  /** The published version that made the predictions; its manifest decides labels and shape. */
  version: string;
  /** The app install that shared them (the same id that picks its canary side), for erasure on request. */
  installId?: string;
  examples: FeedbackExample[];
}

/**
 * The id of an example: lower-case hex SHA-256 of
 * `"edgeloop-feedback/1\n" + JSON.stringify([model, label, dtype, shape]) + "\n"`
 * followed by the input bytes. The same example sent twice, by one device or by two,
 * has one id and is stored once; the version that carried it is not part of it.
 */
export async function feedbackExampleId(model: string, label: string, input: { dtype: FeedbackInputDtype; shape: readonly number[] }, bytes: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`edgeloop-feedback/1\n${JSON.stringify([model, label, input.dtype, input.shape])}\n`);
  const preimage = new Uint8Array(header.byteLength + bytes.byteLength);
  preimage.set(header, 0);
  preimage.set(bytes, header.byteLength);
  return sha256Hex(preimage);
}
