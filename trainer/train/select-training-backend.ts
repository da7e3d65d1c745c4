/**
 * Node-only: picks and initialises the tfjs backend a training run uses. Every model
 * kind trains on tfjs-backend-wasm (it runs in Node from the package's own `.wasm`
 * files) with {@link registerWasmTrainingKernels}, the convolution gradients wasm
 * lacks; the plain-JS cpu backend (with {@link registerFastCpuKernels}) is what `auto`
 * falls back to when wasm does not start, and what `--backend cpu` asks for.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelKind } from './model-config.ts';
import { registerFastCpuKernels } from './register-fast-cpu-kernels.ts';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels.ts';

/** Backend choices of the CLIs. */
export const TRAINING_BACKENDS = ['auto', 'cpu', 'wasm'] as const;

/** The backend in use and, when `auto` fell back, why. */
export interface SelectedBackend {
  backend: 'cpu' | 'wasm';
  note?: string;
}

async function useWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") answered false');
}

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
}

/**
 * Sets the tfjs backend for training a `kind` model: `auto` and `wasm` are wasm with
 * edgeloop's convolution-gradient kernels (`auto` falls back to cpu, with a note, if
 * wasm fails to start; `wasm` throws then); `cpu` is the plain-JS backend.
 *
 * @param kind - What will train, for the note (every kind trains on every backend).
 */
export async function selectTrainingBackend(preference: (typeof TRAINING_BACKENDS)[number], kind?: ModelKind): Promise<SelectedBackend> {
  // PROD silences tfjs's "install tfjs-node" banner (it cannot be installed here) and skips debug checks.
  tf.env().set('PROD', true);
  if (preference === 'cpu') {
    await useCpu();
    return { backend: 'cpu' };
  }
  try {
    await useWasm();
    return { backend: 'wasm' };
  } catch (error) {
    if (preference === 'wasm') throw error;
    await useCpu();
    return { backend: 'cpu', note: `wasm backend unavailable (${(error as Error).message}); training${kind ? ` the ${kind}` : ''} on cpu` };
  }
}
