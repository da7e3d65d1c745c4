/**
 * A model described as plain JSON, so it can be stored in a checkpoint, a
 * package's `lineage.trainerConfig`, a URL or a CLI flag, and rebuilt later with
 * {@link buildModel} into the same architecture and (seeded) initial weights.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { TrainerError } from '../errors.ts';
import { buildCnn, buildMlp, buildMobileNetV2, type CnnOptions, type MlpOptions, type MobileNetV2Options } from './model-builders.ts';

/** The model kinds {@link buildModel} knows. */
export const MODEL_KINDS = ['mlp', 'cnn', 'mobilenet'] as const;

/** One of {@link MODEL_KINDS}. */
export type ModelKind = (typeof MODEL_KINDS)[number];

/** A JSON description of a model: its kind plus that builder's options. */
export type ModelConfig =
  | ({ kind: 'mlp' } & MlpOptions)
  | ({ kind: 'cnn' } & CnnOptions)
  | ({ kind: 'mobilenet' } & MobileNetV2Options);

/** The option names each kind accepts (anything else is a typo and is rejected). */
const ALLOWED_FIELDS: Record<ModelKind, readonly string[]> = {
  mlp: ['inputShape', 'hidden', 'classes', 'seed'],
  cnn: ['inputShape', 'classes', 'seed'],
  mobilenet: ['inputSize', 'alpha', 'classes', 'seed'],
};

function invalid(field: string, message: string, value: unknown): TrainerError {
  return new TrainerError('CONFIG_INVALID', `model config: ${field} ${message}`, { details: { field, value } });
}

function checkPositiveInt(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalid(field, `must be a positive integer, got ${JSON.stringify(value)}`, value);
  }
}

function checkIntList(value: unknown, field: string, length?: number): void {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw invalid(field, `must be an array of ${length ?? 'some'} positive integers, got ${JSON.stringify(value)}`, value);
  }
  value.forEach((v, i) => checkPositiveInt(v, `${field}[${i}]`));
}

/**
 * Checks that `value` is a well-formed {@link ModelConfig} and returns it typed.
 * Unknown fields are errors, so a misspelt option never silently falls back to a
 * default.
 *
 * @throws {TrainerError} `CONFIG_INVALID` naming the offending field
 *   (`details.field`).
 */
export function validateModelConfig(value: unknown): ModelConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('(root)', `must be an object like { "kind": "mlp" }, got ${JSON.stringify(value)}`, value);
  }
  const config = value as Record<string, unknown>;
  const kind = config.kind;
  if (typeof kind !== 'string' || !(MODEL_KINDS as readonly string[]).includes(kind)) {
    throw invalid('kind', `must be one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(kind)}`, kind);
  }
  const allowed = ALLOWED_FIELDS[kind as ModelKind];
  for (const field of Object.keys(config)) {
    if (field !== 'kind' && !allowed.includes(field)) {
      throw invalid(field, `is not an option of a '${kind}' model (allowed: ${allowed.join(', ')})`, config[field]);
    }
  }
  if (config.classes !== undefined) checkPositiveInt(config.classes, 'classes');
  if (config.seed !== undefined && (typeof config.seed !== 'number' || !Number.isFinite(config.seed))) {
    throw invalid('seed', `must be a finite number, got ${JSON.stringify(config.seed)}`, config.seed);
  }
  if (kind === 'mlp') {
    if (config.inputShape !== undefined) checkIntList(config.inputShape, 'inputShape');
    if (config.hidden !== undefined) {
      if (!Array.isArray(config.hidden)) throw invalid('hidden', `must be an array of layer sizes, got ${JSON.stringify(config.hidden)}`, config.hidden);
      config.hidden.forEach((v, i) => checkPositiveInt(v, `hidden[${i}]`));
    }
  } else if (kind === 'cnn') {
    if (config.inputShape !== undefined) checkIntList(config.inputShape, 'inputShape', 3);
  } else {
    if (config.inputSize !== undefined) checkPositiveInt(config.inputSize, 'inputSize');
    if (config.alpha !== undefined && (typeof config.alpha !== 'number' || !(config.alpha > 0) || !Number.isFinite(config.alpha))) {
      throw invalid('alpha', `must be a positive number, got ${JSON.stringify(config.alpha)}`, config.alpha);
    }
  }
  return config as unknown as ModelConfig;
}

/**
 * Validates `config` and builds the model it describes (logits output, seeded
 * initial weights: the same config always gives the same weights).
 *
 * @throws {TrainerError} `CONFIG_INVALID` when the config is malformed.
 */
export function buildModel(config: ModelConfig): LayersModel {
  const valid = validateModelConfig(config);
  const { kind, ...options } = valid;
  switch (kind) {
    case 'mlp':
      return buildMlp(options as MlpOptions);
    case 'cnn':
      return buildCnn(options as CnnOptions);
    case 'mobilenet':
      return buildMobileNetV2(options as MobileNetV2Options);
  }
}
