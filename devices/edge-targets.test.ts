import { devices } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import type { QuantScheme } from '../format/index.ts';
import { deviceLabSettings } from './device-lab-settings.ts';
import { RECIPE_SCHEMES, type RecipeScheme } from './edge-target.ts';
import { isEdgeTargetError } from './edge-target-error.ts';
import { getEdgeTarget, loadEdgeTargets, recipePrecision, sizeBudgetBytes, targetRecipes } from './edge-targets.ts';
import targetsJson from './targets.json' with { type: 'json' };
import { validateEdgeTarget, validateEdgeTargets } from './validate-edge-target.ts';

// The recipe schemes are exactly the compressor's QuantScheme plus 'fp32' (fails to compile otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemesMatch: Same<RecipeScheme, QuantScheme | 'fp32'> = true;

function errorOf(fn: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    fn();
  } catch (e) {
    expect(isEdgeTargetError(e), String(e)).toBe(true);
    return e as { code: string; details: Record<string, unknown>; message: string };
  }
  throw new Error('expected an EdgeTargetError');
}

/** A deep copy of the bundled file with `edit` applied to its target `id`. */
function fileWith(id: string, edit: (target: Record<string, any>) => void): unknown {
  const copy = structuredClone(targetsJson) as { targets: Array<Record<string, any>> };
  edit(copy.targets.find((t) => t.id === id)!);
  return copy;
}

describe('edge targets', () => {
  it('loads the bundled targets, frozen, with the required ids', () => {
    const targets = loadEdgeTargets();
    expect(schemesMatch).toBe(true);
    expect(targets.map((t) => t.id)).toEqual(['desktop-webgpu', 'phone-webgpu', 'phone-wasm', 'tiny']);
    expect(Object.isFrozen(targets[0])).toBe(true);
    expect(Object.isFrozen(targets[0].recipe.precision)).toBe(true);
    expect(RECIPE_SCHEMES).toContain('int4-block');
  });

  it('gives each target the recipe and backends of its device class', () => {
    const desktop = getEdgeTarget('desktop-webgpu');
    expect(targetRecipes(desktop).map(({ recipe, when }) => [recipe.engine, recipePrecision(recipe), when])).toEqual([
      ['onnx', 'fp16', undefined],
      ['tfjs', 'fp32', 'no-shader-f16'],
    ]);
    const phone = getEdgeTarget('phone-webgpu');
    expect([phone.backends[0], phone.recipe.engine, phone.recipe.precision.Dense, phone.webgpu]).toEqual(['ort-webgpu', 'onnx', 'int8-per-channel', true]);
    const wasm = getEdgeTarget('phone-wasm');
    expect([wasm.backends, wasm.recipe.precision.Conv2D, wasm.webgpu]).toEqual([['ort-wasm'], 'int8-per-channel', false]);
    const tiny = getEdgeTarget('tiny');
    expect([recipePrecision(tiny.recipe), tiny.recipe.pruning]).toEqual(['int4', { sparsity: 0.5, structured: false, fineTuneEpochs: 2 }]);
    // tiny has the smallest budgets of all.
    const others = loadEdgeTargets().filter((t) => t.id !== 'tiny');
    expect(others.every((t) => t.sizeBudget.maxBytes > tiny.sizeBudget.maxBytes && t.memoryBudgetBytes > tiny.memoryBudgetBytes)).toBe(true);
    expect(others.every((t) => t.sizeBudget.maxBytesRatio > tiny.sizeBudget.maxBytesRatio)).toBe(true);
  });

  it('computes per-model size budgets from the fp32 weight bytes, capped by maxBytes', () => {
    const tiny = getEdgeTarget('tiny');
    // buildMlp() defaults: 784·128 + 128 + 128·10 + 10 = 101,770 fp32 weights.
    expect(sizeBudgetBytes(tiny, 101_770 * 4)).toBe(Math.floor(0.2 * 407_080) + 8192);
    expect(sizeBudgetBytes(tiny, 100 * 1024 * 1024)).toBe(2 * 1024 * 1024);
    expect(sizeBudgetBytes(getEdgeTarget('desktop-webgpu'), 0)).toBe(32768);
    expect(() => sizeBudgetBytes(tiny, -1)).toThrow(RangeError);
  });

  it('rejects an unknown id, listing the known ones', () => {
    const error = errorOf(() => getEdgeTarget('phone-wegbpu'));
    expect(error.code).toBe('TARGET_UNKNOWN');
    expect(error.details.known).toEqual(['desktop-webgpu', 'phone-webgpu', 'phone-wasm', 'tiny']);
    expect(error.message).toContain('desktop-webgpu, phone-webgpu, phone-wasm, tiny');
  });

  const broken: Array<[string, string, (t: Record<string, any>) => void, string]> = [
    ['a misspelt field', 'tiny', (t) => ((t.sizeBudgets = t.sizeBudget), delete t.sizeBudget), 'targets[3](tiny).sizeBudgets'],
    ['a missing recipe', 'tiny', (t) => delete t.recipe, 'targets[3](tiny).recipe'],
    ['an unknown backend', 'phone-wasm', (t) => (t.backends = ['ort-wasm', 'ort-webgl']), 'targets[2](phone-wasm).backends[1]'],
    ['a backend of an engine the target does not use', 'phone-wasm', (t) => t.backends.push('tfjs-wasm'), 'targets[2](phone-wasm).backends[1]'],
    ['an unknown scheme', 'phone-webgpu', (t) => (t.recipe.precision.Dense = 'int3'), 'targets[1](phone-webgpu).recipe.precision.Dense'],
    ['a missing layer kind', 'phone-webgpu', (t) => delete t.recipe.precision.SeparableConv2D, 'targets[1](phone-webgpu).recipe.precision.SeparableConv2D'],
    ['int8 per channel in a tfjs artifact', 'desktop-webgpu', (t) => (t.fallback.recipe.precision.Conv2D = 'int8-per-channel'), 'targets[0](desktop-webgpu).fallback.recipe.precision.Conv2D'],
    ['a recipe engine outside engines', 'tiny', (t) => (t.recipe.engine = 'tfjs'), 'targets[3](tiny).recipe.engine'],
    ['sparsity 1', 'tiny', (t) => (t.recipe.pruning.sparsity = 1), 'targets[3](tiny).recipe.pruning.sparsity'],
    ['webgpu without a WebGPU backend', 'phone-wasm', (t) => (t.webgpu = true), 'targets[2](phone-wasm).backends'],
    ['no WebGPU but a WebGPU backend first', 'tiny', (t) => t.backends.reverse(), 'targets[3](tiny).backends'],
    ['shader-f16 without WebGPU', 'tiny', (t) => (t.shaderF16 = true), 'targets[3](tiny).shaderF16'],
    ['a no-shader-f16 fallback on a target without shader-f16', 'desktop-webgpu', (t) => (t.shaderF16 = false), 'targets[0](desktop-webgpu).fallback.when'],
    ['a negative budget', 'phone-webgpu', (t) => (t.memoryBudgetBytes = -5), 'targets[1](phone-webgpu).memoryBudgetBytes'],
    ['a CPU throttling rate below 1', 'tiny', (t) => (t.device.cpuThrottlingRate = 0.5), 'targets[3](tiny).device.cpuThrottlingRate'],
    ['an id that is not kebab-case', 'tiny', (t) => (t.id = 'Tiny Phone'), 'targets[3].id'],
    ['a repeated id', 'tiny', (t) => (t.id = 'phone-wasm'), 'targets[3].id'],
  ];
  it.each(broken)('rejects %s, naming the field', (_what, id, edit, field) => {
    const error = errorOf(() => loadEdgeTargets({ json: fileWith(id, edit) }));
    expect(error.code).toBe('TARGET_INVALID');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('rejects a file that is not a targets file', () => {
    expect(errorOf(() => validateEdgeTargets([])).details.field).toBe('file');
    expect(errorOf(() => validateEdgeTargets({ targets: [] })).details.field).toBe('file.targets');
    expect(errorOf(() => validateEdgeTarget('tiny')).details.field).toBe('target');
  });

  it('names a Playwright device descriptor for every target and emulates its network in bytes per second', () => {
    for (const target of loadEdgeTargets()) expect(devices[target.device.playwrightDevice], target.id).toBeDefined();
    const phone = deviceLabSettings(getEdgeTarget('phone-webgpu'));
    expect(phone.chromiumArgs).toEqual(['--enable-unsafe-webgpu']);
    expect(phone.network).toEqual({ offline: false, latency: 60, downloadThroughput: (9 * 1024 * 1024) / 8, uploadThroughput: (1.5 * 1024 * 1024) / 8 });
    const desktop = deviceLabSettings(getEdgeTarget('desktop-webgpu'));
    expect([desktop.network, desktop.cpuThrottlingRate]).toEqual([undefined, 1]);
    expect(deviceLabSettings(getEdgeTarget('tiny')).chromiumArgs).toEqual([]);
  });
});
