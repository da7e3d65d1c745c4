/** Starts the distillation worker (`distill-worker.ts`) for one job. */
import { proxy, wrap } from 'comlink';
import { installErrorTransfer, registerCodedError } from '../../format/index.ts';
import { TrainerError } from '../../trainer/index.ts';
import type { DistillJob, DistillOutcome, DistillProgress, DistillWorkerApi } from './distill-api.ts';

/** Runs one distillation in a fresh worker, which is stopped when it ends. */
export async function runDistillation(job: DistillJob, onProgress: (progress: DistillProgress) => void): Promise<DistillOutcome> {
  installErrorTransfer();
  registerCodedError('TrainerError', TrainerError);
  const worker = new Worker(new URL('./distill-worker.ts', import.meta.url), { type: 'module', name: 'edgeloop-distill' });
  try {
    return await wrap<DistillWorkerApi>(worker).distill(job, proxy(onProgress));
  } finally {
    worker.terminate();
  }
}
