/**
 * The page side of labelled examples (`runtime.feedback`): how many the device keeps,
 * deleting them, and sending the shared ones now. The examples themselves are given with
 * `model.feedback(input, label, { share })`.
 */
import type { Remote } from 'comlink';
import type { ExampleCounts, FeedbackFlushResult, WorkerFeedbackApi } from '../worker/api.ts';

/** `runtime.feedback`: the device's labelled examples. */
export interface RuntimeFeedback {
  /** Examples kept on this device (all, or one model's): stored, shared, waiting to be sent, sent. */
  counts(model?: string): Promise<ExampleCounts>;
  /** Deletes the examples of one model, or all (shared ones not yet sent are not sent); resolves to how many. */
  clear(model?: string): Promise<number>;
  /** Sends the shared examples waiting now (they are also sent on their own, and retried). */
  flush(): Promise<FeedbackFlushResult>;
}

/** Implements {@link RuntimeFeedback} over the worker's API. */
export class FeedbackClient implements RuntimeFeedback {
  constructor(
    private readonly api: Remote<WorkerFeedbackApi>,
    private readonly assertAlive: () => void,
  ) {}

  counts(model?: string): Promise<ExampleCounts> {
    this.assertAlive();
    return this.api.counts(model);
  }

  clear(model?: string): Promise<number> {
    this.assertAlive();
    return this.api.clear(model);
  }

  flush(): Promise<FeedbackFlushResult> {
    this.assertAlive();
    return this.api.flush();
  }
}
