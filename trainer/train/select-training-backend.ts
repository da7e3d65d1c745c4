/**
 * Node-only: picks and initialises the tfjs backend a training run uses. Dense
 * models train on tfjs-backend-wasm (it runs in Node from the package's own
 * `.wasm` files); CNNs cannot (wasm has no `Conv2DBackpropFilter`), so they run on
 * the plain-JS cpu backend with {@link registerFastCpuKernels}.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TrainerError } from '../errors.ts';
import type { ModelKind } from './model-config.ts';
import { registerFastCpuKernels } from './register-fast-cpu-kernels.ts';

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
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") answered false');
}

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
}

/**
 * Sets the tfjs backend for training a `kind` model: `auto` is wasm for an MLP
 * (falling back to cpu if wasm fails to start) and cpu otherwise.
 *
 * @throws {TrainerError} `CONFIG_INVALID` when wasm is asked for a convolutional model.
 */
export async function selectTrainingBackend(preference: (typeof TRAINING_BACKENDS)[number], kind: ModelKind): Promise<SelectedBackend> {
  // PROD silences tfjs's "install tfjs-node" banner (it cannot be installed here) and skips debug checks.
  tf.env().set('PROD', true);
  if (preference === 'wasm' && kind !== 'mlp') {
    throw new TrainerError('CONFIG_INVALID', `--backend wasm cannot train a '${kind}' model (tfjs-backend-wasm has no Conv2DBackpropFilter); use --backend cpu`, {
      details: { field: 'backend', value: preference },
    });
  }
  if (preference === 'cpu' || (preference === 'auto' && kind !== 'mlp')) {
    await useCpu();
    return { backend: 'cpu' };
  }
  try {
    await useWasm();
    return { backend: 'wasm' };
  } catch (error) {
    if (preference === 'wasm') throw error;
    await useCpu();
    return { backend: 'cpu', note: `wasm backend unavailable (${(error as Error).message}); training on cpu` };
  }
}
