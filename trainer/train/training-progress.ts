/**
 * What the training loop reports while it runs: one {@link BatchProgress} per gradient
 * step and one {@link EpochSummary} per epoch (the entries of a run's `history`, which
 * checkpoints keep). Its own file so checkpoints and training options can both name
 * them without importing each other.
 */

/** Progress after one gradient step. */
export interface BatchProgress {
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  totalBatches: number;
  /** This batch's training loss. */
  loss: number;
  /** This batch's training accuracy (0..1). */
  accuracy: number;
  /** Examples per second since the epoch started. */
  samplesPerSecond: number;
  learningRate: number;
}

/** What one epoch achieved (the entries of `history`). */
export interface EpochSummary {
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's examples. */
  loss: number;
  /** Training accuracy over the epoch (0..1). */
  accuracy: number;
  /** Validation cross-entropy, when there is a validation set. */
  valLoss?: number;
  /** Validation accuracy, when there is a validation set. */
  valAccuracy?: number;
  /** Learning rate used during the epoch. */
  learningRate: number;
  samplesPerSecond: number;
  millis: number;
}
