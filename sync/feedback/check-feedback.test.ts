import { describe, expect, it } from 'vitest';
import { feedbackExampleId, type FeedbackBatch, type FeedbackExample } from '../../format/index.ts';
import { isSyncError } from '../errors.ts';
import { checkFeedback, decodeFeedbackInputs } from './check-feedback.ts';
import type { FeedbackTarget } from './feedback-targets.ts';

const meta = { sender: 'app:0123456789ab', receivedAt: '2026-11-23T17:00:00.000Z' };
/** A version's target; `labels: null` for a model without output labels. */
const target = (shape: number[], dtype: FeedbackTarget['dtype'] = 'float32', labels: string[] | null = ['cat', 'dog']): FeedbackTarget => ({
  model: 'pets',
  version: '1.0.0',
  shape,
  dtype,
  labels: labels === null ? undefined : new Set(labels),
});
const example = (shape: number[], dtype: 'uint8' | 'float32', bytes: number, label = 'cat'): FeedbackExample => ({
  label,
  input: { shape, dtype, data: Buffer.alloc(bytes, 1).toString('base64') },
  createdAt: '2026-11-23T18:00:00+01:00',
});
const batch = (...examples: FeedbackExample[]): FeedbackBatch => ({ schema: 1, model: 'pets', version: '1.0.0', examples });

async function check(t: FeedbackTarget, b: FeedbackBatch) {
  return checkFeedback(b, decodeFeedbackInputs(b.examples), t, meta);
}

/** The code and field of what `check` throws, or `'ok'`. */
async function outcome(t: FeedbackTarget, e: FeedbackExample): Promise<string> {
  try {
    await check(t, batch(e));
    return 'ok';
  } catch (error) {
    if (!isSyncError(error)) throw error;
    return `${error.code} ${String(error.details.field)}`;
  }
}

describe('checkFeedback', () => {
  // [manifest input shape, dtype, example shape, example dtype, bytes, outcome]
  const cases: Array<[number[], FeedbackTarget['dtype'], number[], 'uint8' | 'float32', number, string]> = [
    [[-1, 4], 'float32', [1, 4], 'float32', 16, 'ok'],
    [[-1, 4], 'float32', [1, 4], 'uint8', 4, 'ok'],
    [[1, 4], 'float32', [1, 4], 'uint8', 4, 'ok'],
    [[-1, -1, -1, 3], 'float32', [1, 7, 5, 3], 'uint8', 105, 'ok'],
    [[-1, -1, -1, 3], 'float32', [1, 7, 5, 1], 'uint8', 35, 'FEEDBACK_INCONSISTENT examples[0].input.shape'],
    [[-1, 4], 'float32', [4], 'uint8', 4, 'FEEDBACK_INCONSISTENT examples[0].input.shape'],
    [[-1, 4], 'float32', [2, 4], 'uint8', 8, 'FEEDBACK_INCONSISTENT examples[0].input.shape'],
    [[4, 4], 'float32', [1, 4], 'uint8', 4, 'FEEDBACK_INCONSISTENT examples[0].input.shape'],
    [[-1, 4], 'float32', [1, 4], 'float32', 4, 'FEEDBACK_INCONSISTENT examples[0].input.data'],
    [[-1, 4], 'uint8', [1, 4], 'uint8', 4, 'ok'],
    [[-1, 4], 'uint8', [1, 4], 'float32', 16, 'FEEDBACK_INCONSISTENT examples[0].input.dtype'],
    [[-1, 4], 'int32', [1, 4], 'uint8', 4, 'ok'],
    [[-1, 4], 'float32', [1, 4], 'uint8', 256 * 1024 + 1, 'PAYLOAD_TOO_LARGE examples[0].input.data'],
  ];
  for (const [manifest, dtype, shape, exampleDtype, bytes, expected] of cases) {
    it(`input [${manifest}] ${dtype}, example [${shape}] ${exampleDtype} of ${bytes} bytes → ${expected}`, async () => {
      expect(await outcome(target(manifest, dtype), example(shape, exampleDtype, bytes))).toBe(expected);
    });
  }

  it('refuses every example of a version without output labels', async () => {
    expect(await outcome(target([-1, 4], 'float32', null), example([1, 4], 'uint8', 4))).toBe('FEEDBACK_INCONSISTENT version');
  });

  it('refuses infinities in float32 input, read little-endian at any byte offset', async () => {
    const bytes = Buffer.alloc(16);
    bytes.writeFloatLE(Number.POSITIVE_INFINITY, 8);
    const e = { ...example([1, 4], 'float32', 16), input: { shape: [1, 4], dtype: 'float32' as const, data: bytes.toString('base64') } };
    expect(await outcome(target([-1, 4]), e)).toBe('FEEDBACK_INCONSISTENT examples[0].input.data');
  });

  it('gives each example its content id, keeps one of each, and normalises createdAt to UTC', async () => {
    const a = example([1, 4], 'uint8', 4);
    const b = example([1, 4], 'uint8', 4, 'dog');
    const checked = await check(target([-1, 4]), { ...batch(a, b, a), installId: 'i-1' });
    const idOfA = await feedbackExampleId('pets', 'cat', a.input, Buffer.alloc(4, 1));
    expect(checked.ids).toEqual([idOfA, await feedbackExampleId('pets', 'dog', b.input, Buffer.alloc(4, 1)), idOfA]);
    expect(checked.examples.map((e) => [e.id, e.label, e.createdAt, e.installId, e.predicted])).toEqual([
      [idOfA, 'cat', '2026-11-23T17:00:00.000Z', 'i-1', null],
      [checked.ids[1], 'dog', '2026-11-23T17:00:00.000Z', 'i-1', null],
    ]);
  });
});
