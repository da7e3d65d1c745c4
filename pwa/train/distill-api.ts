/** The distillation worker's boundary: what `distill-worker.ts` implements and `distill-client.ts` calls. */
import type { EpochSummary, ModelConfig } from '../../trainer/index.ts';
import type { TrainProgress, TrainerSet } from '../../trainer/browser.ts';

/** A distillation: the teacher package, the student's config and the data. */
export interface DistillJob {
  teacher: { manifestBytes: Uint8Array; files: ReadonlyMap<string, Uint8Array> };
  student: ModelConfig;
  /** The student package's name and version. */
  name: string;
  version: string;
  train: TrainerSet;
  validation?: TrainerSet;
  test: TrainerSet;
  options: { epochs: number; batchSize: number; learningRate: number; seed: number };
  /** Softmax temperature of the soft targets. */
  temperature: number;
  /** Weight of the soft (teacher) term; 1 − alpha goes to the labels. */
  alpha: number;
}

/** Batch and epoch events, as the trainer's. */
export type DistillProgress = Extract<TrainProgress, { kind: 'batch' | 'epoch' }>;

/** What a distillation gives back: the student's history, accuracies and package. */
export interface DistillOutcome {
  history: EpochSummary[];
  testAccuracy: number;
  teacherAccuracy: number;
  package: { name: string; manifestBytes: Uint8Array; files: Map<string, Uint8Array>; reportJson: Uint8Array; reportHtml: Uint8Array };
}

/** The interface the distillation worker exposes. */
export interface DistillWorkerApi {
  distill(job: DistillJob, onProgress?: (progress: DistillProgress) => void): Promise<DistillOutcome>;
}
