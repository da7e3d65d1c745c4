/**
 * The Train page's distillation worker: the trainer's `distill` (a small student MLP
 * learns from the teacher's softened logits and the labels), off the main thread, on
 * tfjs-wasm (with the trainer's convolution-gradient kernels, so a CNN student trains
 * too); then the student's package with the trainer's package writer. The trainer
 * worker trains and packages one model per job and has no teacher option, so the page
 * runs distillation here with the trainer's own functions.
 */
import { expose, releaseProxy, type Remote } from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { loadTfjsArtifact } from '../../compress/index.ts';
import { installErrorTransfer, parseManifest } from '../../format/index.ts';
import { buildModel, buildTrainedPackage, distill, evaluateAccuracy, registerWasmTrainingKernels } from '../../trainer/index.ts';
import type { DistillJob, DistillOutcome, DistillProgress, DistillWorkerApi } from './distill-api.ts';

installErrorTransfer();

let ready: Promise<void> | undefined;
function useWasm(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('PROD', true);
    // tfjs-wasm's threads hang once the bundle is minified (docs/ARCHITECTURE.md, "Known facts").
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths({ 'tfjs-backend-wasm.wasm': tfjsWasm, 'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd });
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to start in this browser');
  })();
  return ready;
}

const api: DistillWorkerApi = {
  async distill(job: DistillJob, onProgress?: (progress: DistillProgress) => void): Promise<DistillOutcome> {
    try {
      await useWasm();
      const manifest = parseManifest(job.teacher.manifestBytes);
      const fp32 = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
      if (!fp32) throw new Error(`${manifest.name}@${manifest.version} has no fp32 tfjs artifact to distill from`);
      const teacher = await loadTfjsArtifact(job.teacher.files, fp32.files.map((f) => f.path));
      const student = buildModel(job.student);
      try {
        const inputShape = manifest.input.shape.slice(1);
        const result = await distill({
          teacher,
          student,
          data: { x: job.train.x, y: job.train.y, inputShape, validation: job.validation },
          ...job.options,
          temperature: job.temperature,
          alpha: job.alpha,
          onBatch: (p) => onProgress?.({ kind: 'batch', ...p }),
          onEpoch: (e) => onProgress?.({ kind: 'epoch', ...e }),
        });
        const teacherAccuracy = evaluateAccuracy(teacher, job.test.x, job.test.y);
        const testAccuracy = evaluateAccuracy(student, job.test.x, job.test.y);
        const built = await buildTrainedPackage({
          name: job.name,
          version: job.version,
          model: student,
          labels: manifest.output.labels ?? [],
          input: manifest.input,
          train: job.train,
          test: job.test,
          history: result.history,
          config: { model: job.student, training: job.options, distillation: { temperature: job.temperature, alpha: job.alpha, teacher: `${manifest.name}@${manifest.version}` } },
          lineage: { teacher: `${manifest.name}@${manifest.version}` },
        });
        return {
          history: result.history,
          testAccuracy,
          teacherAccuracy,
          package: { name: job.name, manifestBytes: built.manifestBytes, files: built.files, reportJson: built.reportJson, reportHtml: built.reportHtml },
        };
      } finally {
        teacher.dispose();
        student.dispose();
      }
    } finally {
      (onProgress as Partial<Remote<unknown>> | undefined)?.[releaseProxy]?.();
    }
  },
};

expose(api);
