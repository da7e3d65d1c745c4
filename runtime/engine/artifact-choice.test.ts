import { describe, expect, it } from 'vitest';
import { isEdgeloopError, type Artifact, type ArtifactEngine, type Manifest, type Precision } from '../../format/index.ts';
import targets from '../../devices/targets.json' with { type: 'json' };
import { chooseArtifacts, deviceClassOf, type ArtifactChoiceOptions } from './artifact-choice.ts';
import type { BackendId, Capabilities } from './types.ts';

const caps = (webgpu: Partial<Capabilities['webgpu']>): Capabilities => ({
  webgpu: { api: true, adapter: false, ...webgpu },
  wasm: { simd: true, threads: false },
  hardwareConcurrency: 2,
});
const noGpu = caps({ adapter: false, reason: 'requestAdapter() returned null' });
const swiftShader = caps({ adapter: true, fallback: true, shaderF16: true });
const desktopF16 = caps({ adapter: true, fallback: false, shaderF16: true });
const desktopNoF16 = caps({ adapter: true, fallback: false, shaderF16: false });

function artifact(id: string, engine: ArtifactEngine, precision: Precision, extra: Partial<Artifact> = {}): Artifact {
  return { id, engine, precision, target: 'generic', files: [{ path: `${id}/model.bin`, bytes: 1, sha256: '0'.repeat(64) }], ...extra };
}

/** What the compressor writes for one edge target of devices/targets.json: its primary artifact and, when it has one, its fallback. */
function compressed(targetId: string, precision: Precision): Artifact[] {
  const target = targets.targets.find((t) => t.id === targetId)!;
  const device = { webgpu: target.webgpu, shaderF16: target.shaderF16 };
  const engine = target.recipe.engine as ArtifactEngine;
  const out = [artifact(`${engine}-${precision}-${target.id}`, engine, precision, { target: target.id, device, ...(precision === 'fp16' ? { requires: ['shader-f16' as const] } : {}) })];
  const fallback = (target as { fallback?: { when: string; recipe: { engine: string } } }).fallback;
  if (fallback) {
    out.push(artifact(`${fallback.recipe.engine}-fp32-${target.id}-${fallback.when}`, fallback.recipe.engine as ArtifactEngine, 'fp32', { target: target.id, device, fallbackWhen: 'no-shader-f16' }));
  }
  return out;
}

function manifest(artifacts: Artifact[]): Manifest {
  return { name: 'mnist-cnn', version: '1.0.0', artifacts } as unknown as Manifest;
}

const generic = [artifact('tfjs-fp32', 'tfjs', 'fp32'), artifact('onnx-fp32', 'onnx', 'fp32')];
/** The MNIST CNN after `npm run compress -- --target all`. */
const full = manifest([
  ...generic,
  ...compressed('desktop-webgpu', 'fp16'),
  ...compressed('phone-webgpu', 'int8'),
  ...compressed('phone-wasm', 'int8'),
  ...compressed('tiny', 'int4'),
]);
const desktopOnly = manifest(compressed('desktop-webgpu', 'fp16'));
const old = manifest(generic);

/** The artifact of each timed candidate. */
function chosen(m: Manifest, c: Capabilities, options: ArtifactChoiceOptions = {}): Record<string, string> {
  const plan = chooseArtifacts(m, c, options);
  return Object.fromEntries(plan.candidates.map((b) => [b, plan.artifacts.get(b)!.artifact.id]));
}

describe('chooseArtifacts: artifacts chosen by the device', () => {
  it.each<[string, Manifest, Capabilities, ArtifactChoiceOptions, Record<string, string>]>([
    ['no WebGPU: the int8 ORT artifact made for phone-wasm (not int4)', full, noGpu, {}, { 'ort-wasm': 'onnx-int8-phone-wasm' }],
    ['a software adapter counts as no WebGPU: phone-wasm, on either ORT backend, WebGPU timed last', full, swiftShader, {}, { 'ort-wasm': 'onnx-int8-phone-wasm', 'ort-webgpu': 'onnx-int8-phone-wasm' }],
    ['a hardware adapter with shader-f16: the desktop fp16 artifact, on either backend of its target', full, desktopF16, {}, { 'ort-webgpu': 'onnx-fp16-desktop-webgpu', 'ort-wasm': 'onnx-fp16-desktop-webgpu' }],
    ['an adapter without shader-f16 never runs fp16 weights on WebGPU, even when nothing else fits better', desktopOnly, desktopNoF16, { precision: 'fp16' }, { 'ort-wasm': 'onnx-fp16-desktop-webgpu' }],
    [
      'an adapter without shader-f16: the desktop fallback and the phone-webgpu int8 artifact are timed, never fp16',
      full,
      desktopNoF16,
      {},
      {
        'ort-webgpu': 'onnx-int8-phone-webgpu',
        'tfjs-webgpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
        'ort-wasm': 'onnx-int8-phone-webgpu',
        'tfjs-wasm': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
        'tfjs-cpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
      },
    ],
    [
      'a desktop package on an adapter without shader-f16: the fallback',
      desktopOnly,
      desktopNoF16,
      {},
      { 'tfjs-webgpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16', 'tfjs-wasm': 'tfjs-fp32-desktop-webgpu-no-shader-f16', 'tfjs-cpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16' },
    ],
    ["precision int4: the tiny target's artifact", full, desktopF16, { precision: 'int4' }, { 'ort-webgpu': 'onnx-int4-tiny', 'ort-wasm': 'onnx-int4-tiny' }],
    ['precision fp32 on a desktop with shader-f16: the desktop fallback beats the generic one', full, desktopF16, { precision: 'fp32' }, {
      'tfjs-webgpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
      'tfjs-wasm': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
      'tfjs-cpu': 'tfjs-fp32-desktop-webgpu-no-shader-f16',
    }],
    ['precision int8 without WebGPU', full, noGpu, { precision: 'int8' }, { 'ort-wasm': 'onnx-int8-phone-wasm' }],
    ['an explicit artifact wins over precision and device', full, noGpu, { artifact: 'onnx-int4-tiny', precision: 'fp32' }, { 'ort-wasm': 'onnx-int4-tiny' }],
    ['a forced backend runs its best-fitting artifact', full, desktopF16, { backend: 'tfjs-wasm' }, { 'tfjs-wasm': 'tfjs-fp32' }],
    ['a manifest without the new fields: every backend, its engine artifact, as before', old, desktopF16, {}, {
      'ort-webgpu': 'onnx-fp32',
      'tfjs-webgpu': 'tfjs-fp32',
      'ort-wasm': 'onnx-fp32',
      'tfjs-wasm': 'tfjs-fp32',
      'tfjs-cpu': 'tfjs-fp32',
    }],
  ])('%s', (_, m, c, options, expected) => {
    expect(chosen(m, c, options)).toEqual(expected);
  });

  it('says which artifact and why', () => {
    const plan = chooseArtifacts(full, noGpu);
    expect(plan.artifacts.get('ort-wasm')!.reason).toBe('compressed for phone-wasm: no WebGPU adapter here');
    expect(chooseArtifacts(old, noGpu).artifacts.get('tfjs-wasm')!.reason).toMatch(/^generic fp32 artifact/);
    expect(chooseArtifacts(desktopOnly, desktopNoF16).artifacts.get('tfjs-webgpu')!.reason).toMatch(/^fallback of desktop-webgpu \(this device has no shader-f16\)/);
    expect(chooseArtifacts(full, desktopF16, { precision: 'int4' }).artifacts.get('ort-wasm')!.reason).toMatch(/^precision int4 requested; compressed for tiny/);
  });

  it('never gives the fp16 artifact to a device without shader-f16 when the package has anything else for it, even as a failover', () => {
    for (const c of [noGpu, desktopNoF16, caps({ adapter: true, fallback: true, shaderF16: false })]) {
      const plan = chooseArtifacts(full, c);
      for (const [, choice] of plan.artifacts) expect(choice.artifact.precision).not.toBe('fp16');
    }
  });

  it('a WebGPU backend never runs shader-f16 weights on an adapter without the feature', () => {
    for (const c of [desktopNoF16, caps({ adapter: true, fallback: true, shaderF16: false })]) {
      const plan = chooseArtifacts(desktopOnly, c, { precision: 'fp16' });
      expect(plan.artifacts.has('ort-webgpu')).toBe(false);
      expect(plan.excluded.find((e) => e.backend === 'ort-webgpu')?.skipped).toMatch(/requires shader-f16, which this adapter lacks/);
    }
  });

  it('keeps the other runnable backends as failover targets, best fit first', () => {
    const plan = chooseArtifacts(full, noGpu);
    expect(plan.fallbacks).toEqual(['tfjs-wasm', 'tfjs-cpu']);
    expect(plan.artifacts.get('tfjs-wasm')!.artifact.id).toBe('tfjs-fp32');
    const forced = chooseArtifacts(old, desktopF16, { backend: 'tfjs-webgpu' });
    expect(forced.candidates).toEqual(['tfjs-webgpu']);
    expect(forced.fallbacks).toEqual(['tfjs-wasm', 'tfjs-cpu', 'ort-wasm', 'ort-webgpu']);
  });

  it('an explicit artifact without a forced backend stays on it (no other failover)', () => {
    const plan = chooseArtifacts(full, desktopF16, { artifact: 'onnx-int8-phone-wasm' });
    expect(plan.candidates).toEqual(['ort-webgpu', 'ort-wasm']);
    expect(plan.fallbacks).toEqual([]);
  });
});

describe('chooseArtifacts: errors', () => {
  it('an unknown precision is PRECISION_UNAVAILABLE naming the precisions available', () => {
    const error = catching(() => chooseArtifacts(full, desktopF16, { precision: 'int2' as Precision }));
    expect(isEdgeloopError(error, 'PRECISION_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/"int2" is not a precision.*available here: fp32, fp16, int8, int4/);
    expect((error as { details: { available: string[] } }).details.available).toEqual(['fp32', 'fp16', 'int8', 'int4']);
  });

  it('a precision with no artifact runnable here is PRECISION_UNAVAILABLE, listing what runs', () => {
    const gpuOnly = manifest([...generic, artifact('onnx-fp16-gpu', 'onnx', 'fp16', { requires: ['webgpu', 'shader-f16'] })]);
    const fp16 = catching(() => chooseArtifacts(gpuOnly, noGpu, { precision: 'fp16' }));
    expect(isEdgeloopError(fp16, 'PRECISION_UNAVAILABLE')).toBe(true);
    expect((fp16 as Error).message).toMatch(/no fp16 artifact of mnist-cnn@1.0.0 can run on this device \(onnx-fp16-gpu: it requires a WebGPU backend\); precisions available here: fp32$/);
    expect((fp16 as { details: { available: string[]; inPackage: string[] } }).details).toMatchObject({ precision: 'fp16', available: ['fp32'], inPackage: ['fp32', 'fp16'] });
    const int8 = catching(() => chooseArtifacts(old, desktopF16, { precision: 'int8' }));
    expect(isEdgeloopError(int8, 'PRECISION_UNAVAILABLE')).toBe(true);
    expect((int8 as Error).message).toMatch(/has no int8 artifact; precisions available here: fp32$/);
  });

  it('an unknown artifact id is NO_COMPATIBLE_ARTIFACT naming the ids', () => {
    const error = catching(() => chooseArtifacts(old, noGpu, { artifact: 'onnx-int8-nope' }));
    expect(isEdgeloopError(error, 'NO_COMPATIBLE_ARTIFACT')).toBe(true);
    expect((error as Error).message).toMatch(/tfjs-fp32, onnx-fp32/);
  });

  it('an explicit artifact that cannot run here leaves no candidate, saying why', () => {
    const gpuOnly = manifest([...generic, artifact('onnx-fp16-gpu', 'onnx', 'fp16', { requires: ['webgpu'] })]);
    const plan = chooseArtifacts(gpuOnly, noGpu, { artifact: 'onnx-fp16-gpu' });
    expect(plan.candidates).toEqual([]);
    expect(plan.excluded.find((e) => e.backend === 'ort-wasm')?.skipped).toMatch(/requires a WebGPU backend/);
  });
});

describe('chooseArtifacts: backends (as allowedBackends did)', () => {
  const onnxOnly = manifest([artifact('onnx-fp32', 'onnx', 'fp32')]);

  it('keeps only the engines the package has and drops WebGPU without an adapter, saying why', () => {
    const { candidates, excluded } = chooseArtifacts(onnxOnly, noGpu);
    expect(candidates).toEqual(['ort-wasm']);
    expect(excluded.find((c) => c.backend === 'ort-webgpu')?.skipped).toMatch(/requestAdapter/);
    expect(excluded.find((c) => c.backend === 'tfjs-wasm')?.skipped).toMatch(/no tfjs artifact/);
  });

  it('honours allow and a forced backend', () => {
    expect(chooseArtifacts(old, swiftShader, { allow: ['tfjs-cpu', 'ort-wasm'] }).candidates).toEqual(['ort-wasm', 'tfjs-cpu']);
    expect(chooseArtifacts(old, swiftShader, { backend: 'tfjs-webgpu' }).candidates).toEqual(['tfjs-webgpu']);
    const refused = chooseArtifacts(old, noGpu, { backend: 'ort-webgpu' });
    expect(refused.candidates).toEqual([]);
    expect(refused.excluded.map((e) => e.backend)).toContain('ort-webgpu');
  });

  it('times WebGPU last on a software (fallback) adapter, first on a real one', () => {
    expect(chooseArtifacts(old, swiftShader).candidates).toEqual<BackendId[]>(['ort-wasm', 'tfjs-wasm', 'tfjs-cpu', 'ort-webgpu', 'tfjs-webgpu']);
    expect(chooseArtifacts(old, desktopF16).candidates).toEqual<BackendId[]>(['ort-webgpu', 'tfjs-webgpu', 'ort-wasm', 'tfjs-wasm', 'tfjs-cpu']);
  });

  it('deviceClassOf counts a software adapter as no WebGPU', () => {
    expect(deviceClassOf(swiftShader)).toEqual({ webgpu: false, shaderF16: false });
    expect(deviceClassOf(desktopNoF16)).toEqual({ webgpu: true, shaderF16: false });
    expect(deviceClassOf(desktopF16)).toEqual({ webgpu: true, shaderF16: true });
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
