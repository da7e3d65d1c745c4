/**
 * The edge targets of `targets.json`, validated, and the small facts the compressor
 * derives from one: which recipes to build, the manifest precision of an artifact,
 * and its byte budget.
 */
import type { Precision } from '../format/index.ts';
import type { CompressionRecipe, EdgeTarget, FallbackCondition } from './edge-target.ts';
import { EdgeTargetError } from './edge-target-error.ts';
import { validateEdgeTargets } from './validate-edge-target.ts';
import targetsJson from './targets.json' with { type: 'json' };

/** Options of {@link loadEdgeTargets} and {@link getEdgeTarget}. */
export interface EdgeTargetSource {
  /** A targets file (`{ targets: [...] }`) to use instead of the bundled `targets.json`. */
  json?: unknown;
}

/**
 * The edge targets, validated and frozen, in file order.
 *
 * @throws {EdgeTargetError} `TARGET_INVALID` naming the bad field.
 */
export function loadEdgeTargets(options: EdgeTargetSource = {}): readonly EdgeTarget[] {
  return validateEdgeTargets(options.json ?? targetsJson);
}

/**
 * The edge target with id `id`.
 *
 * @throws {EdgeTargetError} `TARGET_UNKNOWN` (listing the known ids in the message
 *   and `details.known`) when there is none; `TARGET_INVALID` when the file is bad.
 */
export function getEdgeTarget(id: string, options: EdgeTargetSource = {}): EdgeTarget {
  const targets = loadEdgeTargets(options);
  const found = targets.find((t) => t.id === id);
  if (found === undefined) {
    const known = targets.map((t) => t.id);
    throw new EdgeTargetError('TARGET_UNKNOWN', `there is no edge target ${JSON.stringify(id)}; known targets: ${known.join(', ')}`, { details: { id, known } });
  }
  return found;
}

/** One artifact the compressor builds for a target. */
export interface TargetRecipe {
  recipe: CompressionRecipe;
  /** Set for the fallback artifact: when the runtime should pick it. */
  when?: FallbackCondition;
}

/** The recipes to build for `target`: its main recipe, then its fallback if it has one. */
export function targetRecipes(target: EdgeTarget): TargetRecipe[] {
  const recipes: TargetRecipe[] = [{ recipe: target.recipe }];
  if (target.fallback !== undefined) recipes.push({ recipe: target.fallback.recipe, when: target.fallback.when });
  return recipes;
}

/**
 * The manifest `precision` of an artifact made with `recipe`: its lowest weight
 * precision (a model with int4 Dense and int8 depthwise kernels is `int4`).
 */
export function recipePrecision(recipe: CompressionRecipe): Precision {
  const schemes = Object.values(recipe.precision);
  if (schemes.includes('int4-block')) return 'int4';
  if (schemes.some((s) => s === 'int8-per-channel' || s === 'int8-per-tensor' || s === 'uint8-per-tensor')) return 'int8';
  if (schemes.includes('fp16')) return 'fp16';
  return 'fp32';
}

/**
 * The most bytes one artifact (all its files) of a model whose fp32 weights take
 * `fp32WeightBytes` may have on `target`:
 * `min(maxBytes, floor(maxBytesRatio × fp32WeightBytes) + overheadBytes)`.
 *
 * @throws {RangeError} when `fp32WeightBytes` is not a non-negative integer.
 */
export function sizeBudgetBytes(target: EdgeTarget, fp32WeightBytes: number): number {
  if (!Number.isInteger(fp32WeightBytes) || fp32WeightBytes < 0) {
    throw new RangeError(`fp32WeightBytes must be a non-negative integer, got ${fp32WeightBytes}`);
  }
  const { maxBytesRatio, overheadBytes, maxBytes } = target.sizeBudget;
  return Math.min(maxBytes, Math.floor(maxBytesRatio * fp32WeightBytes) + overheadBytes);
}
