import { describe, expect, it } from 'vitest';
import { choiceKey, deviceFingerprint, parseChoiceRecord, RECHECK_POLICY, recordOf, rememberedReason, staleReason, type ChoiceRecord, type FingerprintInput } from './choice-record.ts';
import type { Capabilities } from './types.ts';

const caps: Capabilities = {
  webgpu: { api: true, adapter: true, vendor: 'google', architecture: 'swiftshader', fallback: true, shaderF16: false, limits: { maxStorageBuffersPerShaderStage: 10, maxComputeInvocationsPerWorkgroup: 256, maxBufferSize: 2 ** 30 } },
  wasm: { simd: true, threads: true },
  hardwareConcurrency: 2,
};
const device: FingerprintInput = { userAgent: 'Mozilla/5.0 Chrome/140', caps, settings: { numThreads: 2, tfjsFlags: {} }, crossOriginIsolated: true };
const artifacts = [
  { backend: 'ort-wasm' as const, artifact: { id: 'onnx-fp32', files: [{ path: 'onnx-fp32/model.onnx', sha256: 'a'.repeat(64) }] } },
  { backend: 'tfjs-wasm' as const, artifact: { id: 'tfjs-fp32', files: [{ path: 'tfjs-fp32/model.json', sha256: 'b'.repeat(64) }] } },
];

describe('deviceFingerprint and choiceKey', () => {
  it('a record is reused only for the same artifacts, device and runtime version', async () => {
    const fingerprint = deviceFingerprint(device);
    const key = await choiceKey(artifacts, fingerprint, '0.1.0');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await choiceKey(artifacts, deviceFingerprint({ ...device }), '0.1.0')).toBe(key);
    const reweighted = [{ ...artifacts[0]!, artifact: { ...artifacts[0]!.artifact, files: [{ path: 'onnx-fp32/model.onnx', sha256: 'c'.repeat(64) }] } }, artifacts[1]!];
    const others = [
      await choiceKey(reweighted, fingerprint, '0.1.0'), // new weights, same name and version
      await choiceKey(artifacts.slice(0, 1), fingerprint, '0.1.0'), // `allow` narrowed the candidates
      await choiceKey(artifacts, fingerprint, '0.2.0'), // another runtime
      await choiceKey(artifacts, deviceFingerprint({ ...device, userAgent: 'Mozilla/5.0 Chrome/141' }), '0.1.0'),
      await choiceKey(artifacts, deviceFingerprint({ ...device, caps: { ...caps, hardwareConcurrency: 8 } }), '0.1.0'),
      await choiceKey(artifacts, deviceFingerprint({ ...device, caps: { ...caps, webgpu: { ...caps.webgpu, fallback: false, architecture: 'ampere' } } }), '0.1.0'),
      await choiceKey(artifacts, deviceFingerprint({ ...device, crossOriginIsolated: false, caps: { ...caps, wasm: { simd: true, threads: false } } }), '0.1.0'),
      await choiceKey(artifacts, deviceFingerprint({ ...device, settings: { numThreads: 1, tfjsFlags: {} } }), '0.1.0'),
      await choiceKey(artifacts, deviceFingerprint({ ...device, settings: { numThreads: 2, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } } }), '0.1.0'),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });

  it('does not depend on the order tfjs flags were given in', () => {
    const a = deviceFingerprint({ ...device, settings: { numThreads: 2, tfjsFlags: { A: 1, B: true } } });
    const b = deviceFingerprint({ ...device, settings: { numThreads: 2, tfjsFlags: { B: true, A: 1 } } });
    expect(a).toBe(b);
  });
});

const day = Date.UTC(2026, 11, 7, 12);
const record: ChoiceRecord = recordOf(
  'f'.repeat(64),
  'ort-wasm',
  'onnx-fp32',
  [
    { backend: 'ort-wasm', warmupMs: 25.13, runs: 40 },
    { backend: 'tfjs-wasm', warmupMs: 80.2, runs: 9 },
    { backend: 'tfjs-cpu', hopeless: true, skipped: 'not timed: the tfjs kernels in plain JavaScript' },
  ],
  '0.1.0',
  day,
);

describe('the remembered record', () => {
  it('says where the choice came from', () => {
    expect(rememberedReason(record)).toBe('auto: remembered from 2026-12-07 (ort-wasm 25.1 ms vs tfjs-wasm 80.2 ms)');
    expect(rememberedReason({ ...record, candidates: [record.candidates[0]!] })).toBe('auto: remembered from 2026-12-07 (ort-wasm 25.1 ms)');
  });

  it('keeps what a re-check needs and nothing of the sessions', () => {
    expect(record.candidates).toEqual([
      { backend: 'ort-wasm', warmupMs: 25.13 },
      { backend: 'tfjs-wasm', warmupMs: 80.2 },
      { backend: 'tfjs-cpu', hopeless: true, skipped: 'not timed: the tfjs kernels in plain JavaScript' },
    ]);
    expect(parseChoiceRecord(structuredClone(record))).toEqual(record);
  });

  it('is re-checked after the age or load limit, or once marked stale (a failover)', () => {
    expect(staleReason(record, day + 1000)).toBeUndefined();
    expect(staleReason(record, day + RECHECK_POLICY.maxAgeMs + 1)).toMatch(/^measured 2026-12-07, over 14 days ago$/);
    expect(staleReason({ ...record, loads: RECHECK_POLICY.maxLoads }, day)).toBe('50 loads since it was measured');
    expect(staleReason({ ...record, stale: 'failover' }, day)).toBe('failover');
  });

  it.each([
    ['not an object', 'ort-wasm'],
    ['a key that is not a SHA-256', { ...record, key: 'k' }],
    ['an unknown backend', { ...record, backend: 'webgl' }],
    ['a chosen backend with no figure', { ...record, candidates: [{ backend: 'ort-wasm' }] }],
    ['a negative time', { ...record, candidates: [{ backend: 'ort-wasm', warmupMs: -1 }] }],
    ['loads that are not a number', { ...record, loads: '3' }],
    ['candidates that are not a list', { ...record, candidates: {} }],
    ['a stale flag that is not a reason', { ...record, stale: true }],
  ])('rejects a damaged record: %s', (_name, value) => {
    expect(parseChoiceRecord(value)).toBeUndefined();
  });
});
