/**
 * What an artifact built for an edge target says about the devices it is for, in the
 * manifest fields the runtime chooses artifacts by (`device`, `requires`,
 * `fallbackWhen`; docs/PACKAGE-FORMAT.md).
 */
import type { CompressionRecipe, EdgeTarget, FallbackCondition } from '../devices/index.ts';
import type { Artifact } from '../format/index.ts';

/** The manifest fields {@link targetArtifactFields} fills in. */
export type TargetArtifactFields = Pick<Artifact, 'device' | 'requires' | 'fallbackWhen'>;

/**
 * The device fields of the artifact built from `recipe` for `target` (`when` set: the
 * target's fallback recipe).
 *
 * - `device`: the target's `{ webgpu, shaderF16 }`, so the runtime can prefer the
 *   artifact made for the kind of device it runs on.
 * - `requires: ['shader-f16']` when the target has WebGPU with `shader-f16` and the
 *   recipe stores any kernel as `fp16`: such an artifact is meant for f16 math on a
 *   WebGPU adapter that offers `shader-f16`, and the target's fallback covers the
 *   adapters that do not. fp16 recipes on targets without `shader-f16`, and every
 *   fp32 / int8 / int4 recipe, require nothing beyond their engine; nor does a
 *   fallback artifact, whose point is to run where `shader-f16` is missing.
 * - `fallbackWhen`: the fallback's condition (e.g. `no-shader-f16`), on the fallback
 *   artifact only.
 */
export function targetArtifactFields(target: EdgeTarget, recipe: CompressionRecipe, when?: FallbackCondition): TargetArtifactFields {
  const usesFp16 = Object.values(recipe.precision).includes('fp16');
  const needsShaderF16 = target.webgpu && target.shaderF16 && usesFp16 && when === undefined;
  return {
    device: { webgpu: target.webgpu, shaderF16: target.shaderF16 },
    ...(needsShaderF16 ? { requires: ['shader-f16'] } : {}),
    ...(when === undefined ? {} : { fallbackWhen: when }),
  };
}
