/**
 * edgeloop devices: the edge targets the compressor builds artifacts for (data in
 * `targets.json`), their budgets and recipes, and the device-lab profile that
 * emulates each in Chromium.
 */

// ### Errors
export { EdgeTargetError, isEdgeTargetError, type EdgeTargetErrorCode, type EdgeTargetErrorOptions } from './edge-target-error.ts';

// ### Edge targets
export {
  FALLBACK_CONDITIONS,
  RECIPE_LAYER_KINDS,
  RECIPE_SCHEMES,
  TFJS_SCHEMES,
  type CompressionRecipe,
  type DeviceProfile,
  type EdgeTarget,
  type FallbackCondition,
  type FallbackRecipe,
  type NetworkProfile,
  type PruningRecipe,
  type RecipeLayerKind,
  type RecipeScheme,
  type SizeBudget,
} from './edge-target.ts';
export { getEdgeTarget, loadEdgeTargets, recipePrecision, sizeBudgetBytes, targetRecipes, type EdgeTargetSource, type TargetRecipe } from './edge-targets.ts';
export { validateEdgeTarget, validateEdgeTargets } from './validate-edge-target.ts';

// ### Device lab
export { deviceLabSettings, type CdpNetworkConditions, type DeviceLabSettings } from './device-lab-settings.ts';
export type { DeviceLabProfile, ProfileNetwork } from './device-lab-profile.ts';
export { getDeviceLabProfile, loadDeviceLabProfiles, profileNetworkConditions, type DeviceLabProfileSource } from './device-lab-profiles.ts';
export { validateDeviceLabProfiles } from './validate-device-lab-profile.ts';
