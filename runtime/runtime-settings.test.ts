import { describe, expect, it } from 'vitest';
import { resolveRuntimeSettings, type RuntimeOptions } from './client.ts';

describe('resolveRuntimeSettings', () => {
  it('defaults: store files checked by checksum, manual updates, the store and feedback databases', () => {
    const settings = resolveRuntimeSettings();
    expect(settings).toMatchObject({ storeIntegrity: 'checksum', updatePolicy: 'manual', storeName: 'edgeloop-models', allowUnsigned: false, webgpu: true, telemetry: null, feedback: null });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('keeps the options it is given', () => {
    expect(resolveRuntimeSettings({ storeIntegrity: 'sha256', updatePolicy: 'background', storeName: 'mine' })).toMatchObject({ storeIntegrity: 'sha256', updatePolicy: 'background', storeName: 'mine' });
  });

  it.each<[RuntimeOptions, RegExp]>([
    [{ storeIntegrity: 'md5' as never }, /storeIntegrity must be 'checksum' or 'sha256' \(got md5\)/],
    [{ updatePolicy: 'sometimes' as never }, /updatePolicy must be 'manual', 'on-load' or 'background' \(got sometimes\)/],
    [{ wasmThreads: 0 }, /wasmThreads must be 'auto' or a positive integer/],
    [{ warmupRuns: 1.5 }, /warmupRuns must be a positive integer/],
    [{ trustedKeys: ['not-a-key'] }, /trustedKeys entries must be base64url Ed25519 public keys/],
  ])('refuses %j with a clear error', (options, message) => {
    expect(() => resolveRuntimeSettings(options)).toThrow(message);
  });
});
