/**
 * The model form: a kind the trainer builds (MLP or CNN) and its options, with defaults
 * that train in seconds on a phone, read into a JSON run config and written back when a
 * saved run is resumed.
 */
import type { ModelConfig } from '../../trainer/index.ts';
import type { TrainerBackend } from '../../trainer/browser.ts';

/** The training choices of one run, as JSON. */
export interface ModelChoice {
  kind: 'mlp' | 'cnn';
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  backend: 'auto' | TrainerBackend;
  name: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Parses "128" or "256, 64" into layer sizes; a RangeError in words for anything else. */
export function parseHidden(text: string, what = 'Hidden units'): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const sizes = parts.map(Number);
  if (parts.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 4096)) {
    throw new RangeError(`${what}: give one whole number from 1 to 4096 per layer, e.g. "128" or "256, 64" (got "${text}")`);
  }
  return sizes;
}

function positiveNumber(id: string, what: string, integer: boolean): number {
  const value = Number($<HTMLInputElement>(id).value);
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${what} must be a positive ${integer ? 'whole number' : 'number'}`);
  }
  return value;
}

/** Reads the model form. @throws RangeError naming the field that is wrong. */
export function readModelChoice(): ModelChoice {
  const kind = $<HTMLSelectElement>('kind').value as ModelChoice['kind'];
  const name = $<HTMLInputElement>('package-name').value.trim();
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw new RangeError(`Package name "${name}" must be 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit`);
  return {
    kind,
    hidden: kind === 'mlp' ? parseHidden($<HTMLInputElement>('hidden').value) : [],
    epochs: positiveNumber('epochs', 'Epochs', true),
    batchSize: positiveNumber('batch-size', 'Batch size', true),
    learningRate: positiveNumber('learning-rate', 'Learning rate', false),
    backend: $<HTMLSelectElement>('train-backend').value as ModelChoice['backend'],
    name,
  };
}

/** Puts a saved choice back into the form. */
export function writeModelChoice(choice: ModelChoice): void {
  $<HTMLSelectElement>('kind').value = choice.kind;
  $<HTMLInputElement>('hidden').value = choice.hidden.join(', ') || '128';
  $<HTMLInputElement>('epochs').value = String(choice.epochs);
  $<HTMLInputElement>('batch-size').value = String(choice.batchSize);
  $<HTMLInputElement>('learning-rate').value = String(choice.learningRate);
  $<HTMLSelectElement>('train-backend').value = choice.backend;
  $<HTMLInputElement>('package-name').value = choice.name;
  syncKindFields();
}

/** Shows the options of the chosen kind only. */
export function syncKindFields(): void {
  const kind = $<HTMLSelectElement>('kind').value;
  for (const node of document.querySelectorAll<HTMLElement>('[data-kind]')) node.hidden = node.dataset.kind !== kind;
}

/** The trainer's model config for `choice` on data of `inputShape` with `classes` classes. */
export function modelConfig(choice: ModelChoice, inputShape: number[], classes: number): ModelConfig {
  if (choice.kind === 'cnn') {
    if (inputShape.length !== 3) throw new RangeError('A CNN needs images; for a CSV file choose the MLP');
    return { kind: 'cnn', inputShape: [inputShape[0]!, inputShape[1]!, inputShape[2]!], classes, seed: 1 };
  }
  return { kind: 'mlp', inputShape, hidden: choice.hidden, classes, seed: 1 };
}

/**
 * The backend to train on. "Auto" trains an MLP on wasm (small dense models are
 * fastest there) and leaves a CNN to the trainer's own choice: WebGPU on a hardware
 * adapter, else wasm (a software adapter such as SwiftShader is slower than wasm).
 */
export function trainerBackend(choice: ModelChoice): TrainerBackend | undefined {
  if (choice.backend !== 'auto') return choice.backend;
  return choice.kind === 'mlp' ? 'wasm' : undefined;
}
