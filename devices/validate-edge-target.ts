/**
 * Checks edge target JSON and returns it typed and frozen. Unknown fields are
 * errors, so a misspelt field never silently falls back to a default; every error
 * names the field by its path (`targets[2].recipe.precision.Dense`).
 */
import { ARTIFACT_ENGINES, type ArtifactEngine } from '../format/index.ts';
import { BACKEND_IDS, backendRow, type BackendId } from '../runtime/index.ts';
import {
  FALLBACK_CONDITIONS,
  RECIPE_LAYER_KINDS,
  RECIPE_SCHEMES,
  TFJS_SCHEMES,
  type CompressionRecipe,
  type DeviceProfile,
  type EdgeTarget,
  type FallbackRecipe,
  type PruningRecipe,
  type RecipeLayerKind,
  type RecipeScheme,
  type SizeBudget,
} from './edge-target.ts';
import { EdgeTargetError } from './edge-target-error.ts';

type Json = Record<string, unknown>;

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function invalid(field: string, message: string, value: unknown): EdgeTargetError {
  return new EdgeTargetError('TARGET_INVALID', `edge target ${field} ${message}`, { details: { field, value } });
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Checks `value` is an object holding only `required` and `optional` fields. */
function object(value: unknown, field: string, required: readonly string[], optional: readonly string[] = []): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, `must be an object, got ${show(value)}`, value);
  const json = value as Json;
  for (const key of Object.keys(json)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw invalid(`${field}.${key}`, `is not a known field (allowed: ${[...required, ...optional].join(', ')})`, json[key]);
    }
  }
  for (const key of required) {
    if (json[key] === undefined) throw invalid(`${field}.${key}`, 'is missing', undefined);
  }
  return json;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, `must be a non-empty string, got ${show(value)}`, value);
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, `must be true or false, got ${show(value)}`, value);
  return value;
}

function number(value: unknown, field: string, test: (n: number) => boolean, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) throw invalid(field, `must be ${what}, got ${show(value)}`, value);
  return value;
}

const positiveInt = (value: unknown, field: string) => number(value, field, (n) => Number.isInteger(n) && n > 0, 'a positive integer');

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${allowed.join(', ')}, got ${show(value)}`, value);
  }
  return value as T;
}

function list<T extends string>(value: unknown, field: string, allowed: readonly T[]): T[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(field, `must be a non-empty array, got ${show(value)}`, value);
  const items = value.map((item, i) => oneOf(item, `${field}[${i}]`, allowed));
  const duplicate = items.find((item, i) => items.indexOf(item) !== i);
  if (duplicate !== undefined) throw invalid(field, `lists ${duplicate} twice`, value);
  return items;
}

function validatePruning(value: unknown, field: string): CompressionRecipe['pruning'] {
  if (value === 'none') return 'none';
  if (typeof value !== 'object') throw invalid(field, `must be "none" or { sparsity, structured?, fineTuneEpochs }, got ${show(value)}`, value);
  const json = object(value, field, ['sparsity', 'fineTuneEpochs'], ['structured']);
  const pruning: PruningRecipe = {
    sparsity: number(json.sparsity, `${field}.sparsity`, (n) => n > 0 && n < 1, 'a fraction between 0 and 1 (exclusive)'),
    structured: json.structured === undefined ? false : boolean(json.structured, `${field}.structured`),
    fineTuneEpochs: number(json.fineTuneEpochs, `${field}.fineTuneEpochs`, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
  };
  return Object.freeze(pruning);
}

function validateRecipe(value: unknown, field: string, engines: readonly ArtifactEngine[], backends: readonly BackendId[]): CompressionRecipe {
  const json = object(value, field, ['engine', 'precision', 'pruning']);
  const engine = oneOf(json.engine, `${field}.engine`, ARTIFACT_ENGINES);
  if (!engines.includes(engine)) throw invalid(`${field}.engine`, `is ${engine}, which is not among the target's engines (${engines.join(', ')})`, engine);
  if (!backends.some((b) => backendRow(b).engine === engine)) {
    throw invalid(`${field}.engine`, `is ${engine}, but none of the target's backends (${backends.join(', ')}) runs it`, engine);
  }
  const precisionJson = object(json.precision, `${field}.precision`, RECIPE_LAYER_KINDS);
  const precision = {} as Record<RecipeLayerKind, RecipeScheme>;
  for (const kind of RECIPE_LAYER_KINDS) {
    const scheme = oneOf(precisionJson[kind], `${field}.precision.${kind}`, RECIPE_SCHEMES);
    if (engine === 'tfjs' && !TFJS_SCHEMES.includes(scheme)) {
      throw invalid(`${field}.precision.${kind}`, `is ${scheme}, which a tfjs artifact cannot hold (use ${TFJS_SCHEMES.join(', ')}, or engine onnx)`, scheme);
    }
    precision[kind] = scheme;
  }
  return Object.freeze({ engine, precision: Object.freeze(precision), pruning: validatePruning(json.pruning, `${field}.pruning`) });
}

function validateSizeBudget(value: unknown, field: string): SizeBudget {
  const json = object(value, field, ['maxBytesRatio', 'overheadBytes', 'maxBytes']);
  return Object.freeze({
    maxBytesRatio: number(json.maxBytesRatio, `${field}.maxBytesRatio`, (n) => n > 0 && n <= 2, 'a ratio to the fp32 weight bytes in (0, 2]'),
    overheadBytes: number(json.overheadBytes, `${field}.overheadBytes`, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    maxBytes: positiveInt(json.maxBytes, `${field}.maxBytes`),
  });
}

function validateDevice(value: unknown, field: string): DeviceProfile {
  const json = object(value, field, ['playwrightDevice', 'viewport', 'cpuThrottlingRate', 'network', 'deviceMemoryGiB']);
  const viewport = object(json.viewport, `${field}.viewport`, ['width', 'height']);
  let network: DeviceProfile['network'] = 'none';
  if (json.network !== 'none') {
    const n = object(json.network, `${field}.network`, ['downloadKbps', 'uploadKbps', 'latencyMs']);
    network = Object.freeze({
      downloadKbps: positiveInt(n.downloadKbps, `${field}.network.downloadKbps`),
      uploadKbps: positiveInt(n.uploadKbps, `${field}.network.uploadKbps`),
      latencyMs: number(n.latencyMs, `${field}.network.latencyMs`, (x) => x >= 0, 'a number ≥ 0'),
    });
  }
  return Object.freeze({
    playwrightDevice: string(json.playwrightDevice, `${field}.playwrightDevice`),
    viewport: Object.freeze({ width: positiveInt(viewport.width, `${field}.viewport.width`), height: positiveInt(viewport.height, `${field}.viewport.height`) }),
    cpuThrottlingRate: number(json.cpuThrottlingRate, `${field}.cpuThrottlingRate`, (n) => n >= 1, 'a slow-down factor ≥ 1'),
    network,
    deviceMemoryGiB: number(json.deviceMemoryGiB, `${field}.deviceMemoryGiB`, (n) => n > 0, 'a positive number'),
  });
}

/**
 * Checks one target definition and returns it typed and deeply frozen. Besides
 * types and ranges it checks consistency: the recipe's engine is among `engines`
 * and some backend runs it; every backend runs one of `engines`; a `tfjs` recipe
 * uses only schemes a tfjs artifact can hold; `webgpu: true` lists a WebGPU backend
 * and `webgpu: false` prefers a non-WebGPU one; `shaderF16` needs `webgpu`; a
 * `no-shader-f16` fallback needs `shaderF16: true`.
 *
 * @param field - the name used for `value` in error messages.
 * @throws {EdgeTargetError} `TARGET_INVALID` naming the field (`details.field`).
 */
export function validateEdgeTarget(value: unknown, field = 'target'): EdgeTarget {
  const id = string(object(value, field, ['id'], Object.keys(value ?? {})).id, `${field}.id`);
  if (!ID_PATTERN.test(id)) throw invalid(`${field}.id`, `must be kebab-case (a-z, 0-9, single dashes), got ${show(id)}`, id);
  // Name the target in every later error: `targets[3](tiny).recipe` is easier to find.
  const at = `${field}(${id})`;
  const json = object(value, at, ['id', 'description', 'engines', 'backends', 'webgpu', 'shaderF16', 'sizeBudget', 'memoryBudgetBytes', 'recipe', 'device'], ['fallback']);
  const engines = list(json.engines, `${at}.engines`, ARTIFACT_ENGINES);
  const backends = list(json.backends, `${at}.backends`, BACKEND_IDS);
  backends.forEach((backend, i) => {
    if (!engines.includes(backendRow(backend).engine)) {
      throw invalid(`${at}.backends[${i}]`, `is ${backend}, an ${backendRow(backend).engine} backend, but engines are ${engines.join(', ')}`, backend);
    }
  });
  const webgpu = boolean(json.webgpu, `${at}.webgpu`);
  const shaderF16 = boolean(json.shaderF16, `${at}.shaderF16`);
  if (webgpu && !backends.some((b) => backendRow(b).needsWebGpu)) throw invalid(`${at}.backends`, 'lists no WebGPU backend although webgpu is true', backends);
  if (!webgpu && backendRow(backends[0]!).needsWebGpu) {
    throw invalid(`${at}.backends`, `starts with ${backends[0]} although webgpu is false; put a wasm/cpu backend first`, backends);
  }
  if (shaderF16 && !webgpu) throw invalid(`${at}.shaderF16`, 'is true although webgpu is false (shader-f16 is a WebGPU feature)', shaderF16);
  const recipe = validateRecipe(json.recipe, `${at}.recipe`, engines, backends);
  let fallback: FallbackRecipe | undefined;
  if (json.fallback !== undefined) {
    const f = object(json.fallback, `${at}.fallback`, ['when', 'recipe']);
    const when = oneOf(f.when, `${at}.fallback.when`, FALLBACK_CONDITIONS);
    if (when === 'no-shader-f16' && !shaderF16) {
      throw invalid(`${at}.fallback.when`, 'is no-shader-f16 but shaderF16 is false: the main recipe should then be the fallback', when);
    }
    fallback = Object.freeze({ when, recipe: validateRecipe(f.recipe, `${at}.fallback.recipe`, engines, backends) });
  }
  const target: EdgeTarget = {
    id,
    description: string(json.description, `${at}.description`),
    engines: Object.freeze(engines),
    backends: Object.freeze(backends),
    webgpu,
    shaderF16,
    sizeBudget: validateSizeBudget(json.sizeBudget, `${at}.sizeBudget`),
    memoryBudgetBytes: positiveInt(json.memoryBudgetBytes, `${at}.memoryBudgetBytes`),
    recipe,
    ...(fallback === undefined ? {} : { fallback }),
    device: validateDevice(json.device, `${at}.device`),
  };
  return Object.freeze(target);
}

/**
 * Checks a whole targets file: `{ "$comment"?: string, "targets": [...] }` with
 * unique ids.
 *
 * @throws {EdgeTargetError} `TARGET_INVALID` naming the field.
 */
export function validateEdgeTargets(value: unknown): readonly EdgeTarget[] {
  const json = object(value, 'file', ['targets'], ['$comment']);
  if (!Array.isArray(json.targets) || json.targets.length === 0) throw invalid('file.targets', `must be a non-empty array, got ${show(json.targets)}`, json.targets);
  const targets = json.targets.map((t, i) => validateEdgeTarget(t, `targets[${i}]`));
  const ids = targets.map((t) => t.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw invalid(`targets[${ids.lastIndexOf(duplicate)}].id`, `repeats the id ${duplicate}; ids must be unique`, duplicate);
  return Object.freeze(targets);
}
