/**
 * What the store keeps of feedback: one dataset per model of distinct labelled
 * examples (docs/SYNC-API.md, "Feedback"). The shapes here are the store's; the
 * feedback route builds them from a checked batch.
 */
import type { FeedbackInputDtype } from '../../format/index.ts';

/** A checked example, ready to store. */
export interface NewFeedbackExample {
  /** The example's content id (`feedbackExampleId`, lower-case hex SHA-256). */
  id: string;
  version: string;
  label: string;
  predicted: string | null;
  dtype: FeedbackInputDtype;
  shape: readonly number[];
  data: Uint8Array;
  /** ISO time (UTC, milliseconds): the device's `createdAt`. */
  createdAt: string;
  /** ISO time the endpoint received it. */
  receivedAt: string;
  installId: string | null;
  /** Which token sent it (`app:<key id>`). */
  sender: string;
}

/** A stored example. */
export interface FeedbackRecord extends NewFeedbackExample {
  /** The example's place in its model's dataset: increasing, never reused. */
  seq: number;
}

/** Which examples of a model to read or delete. */
export interface FeedbackFilter {
  model: string;
  version?: string;
  installId?: string;
}

/** One page of a dataset, in `seq` order. */
export interface FeedbackPageRequest extends FeedbackFilter {
  /** Only examples with a larger `seq` (the previous page's `next`). */
  after?: number;
  /** At most this many examples. */
  limit: number;
  /** At most this many input bytes in all (always at least one example when any is left). */
  maxBytes: number;
}

export interface FeedbackPage {
  /** Examples matching the filter, in all pages. */
  count: number;
  examples: FeedbackRecord[];
  /** The `after` of the next page; `null` on the last page. */
  next: number | null;
}

/** What storing a batch did. */
export type FeedbackInsertResult =
  | { outcome: 'stored'; stored: number; duplicates: number }
  /** Nothing written: the new examples would have taken the dataset past `max`. */
  | { outcome: 'full'; count: number; added: number; max: number };

/** The feedback half of a store. */
export interface FeedbackStore {
  /**
   * Stores a batch's examples into `model`'s dataset in one transaction, each once by
   * its `id` (an example already there is a duplicate and writes nothing). When the
   * examples new to the dataset would take it past `maxExamples`, nothing is written
   * and the answer is `full`. Resolves only after the commit.
   */
  insertFeedback(model: string, examples: readonly NewFeedbackExample[], maxExamples: number): Promise<FeedbackInsertResult>;
  /** One page of a dataset and the filter's total, read in one snapshot. */
  feedbackPage(request: FeedbackPageRequest): Promise<FeedbackPage>;
  /** Deletes the examples matching `filter`; resolves to how many. */
  deleteFeedback(filter: FeedbackFilter): Promise<number>;
}
