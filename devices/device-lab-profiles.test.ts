import { devices } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { getDeviceLabProfile, loadDeviceLabProfiles, profileNetworkConditions } from './device-lab-profiles.ts';
import { isEdgeTargetError } from './edge-target-error.ts';
import { getEdgeTarget, loadEdgeTargets } from './edge-targets.ts';
import profilesJson from './profiles.json' with { type: 'json' };
import { validateDeviceLabProfiles } from './validate-device-lab-profile.ts';

function errorOf(fn: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    fn();
  } catch (e) {
    expect(isEdgeTargetError(e), String(e)).toBe(true);
    return e as { code: string; details: Record<string, unknown>; message: string };
  }
  throw new Error('expected an EdgeTargetError');
}

function fileWith(id: string, edit: (profile: Record<string, any>) => void): unknown {
  const copy = structuredClone(profilesJson) as { profiles: Array<Record<string, any>> };
  edit(copy.profiles.find((p) => p.id === id)!);
  return copy;
}

describe('device-lab profiles', () => {
  it('spans phone-no-WebGPU-4×-3G to desktop-WebGPU, each on a real Playwright descriptor and edge target', () => {
    const profiles = validateDeviceLabProfiles(profilesJson, loadEdgeTargets(), Object.keys(devices));
    expect(profiles.length).toBeGreaterThanOrEqual(6);
    expect(Object.isFrozen(profiles[0])).toBe(true);
    const phone = getDeviceLabProfile('phone-no-webgpu');
    expect([phone.webgpu, phone.cpuThrottlingRate, phone.network, phone.target]).toEqual([false, 4, { downloadKbps: 1600, uploadKbps: 750, latencyMs: 150 }, 'phone-wasm']);
    const desktop = getDeviceLabProfile('desktop-webgpu');
    expect([desktop.webgpu, desktop.cpuThrottlingRate, desktop.network]).toEqual([true, 1, 'none']);
    expect(getDeviceLabProfile('phone-offline').network).toBe('offline');
    expect(profiles.some((p) => p.webgpu) && profiles.some((p) => !p.webgpu)).toBe(true);
  });

  it("fills what a profile leaves out from its edge target's device block", () => {
    const lowEnd = getDeviceLabProfile('low-end');
    const tiny = getEdgeTarget('tiny').device;
    expect([lowEnd.playwrightDevice, lowEnd.viewport, lowEnd.cpuThrottlingRate, lowEnd.network, lowEnd.deviceMemoryGiB]).toEqual([tiny.playwrightDevice, tiny.viewport, tiny.cpuThrottlingRate, tiny.network, tiny.deviceMemoryGiB]);
  });

  it('turns a shaped network into CDP bytes per second, and leaves none/offline to the context', () => {
    expect(profileNetworkConditions(getDeviceLabProfile('phone-no-webgpu'))).toEqual({ offline: false, latency: 150, downloadThroughput: 204_800, uploadThroughput: 96_000 });
    expect(profileNetworkConditions(getDeviceLabProfile('desktop-webgpu'))).toBeUndefined();
    expect(profileNetworkConditions(getDeviceLabProfile('phone-offline'))).toBeUndefined();
  });

  it('rejects an unknown id, listing the known ones', () => {
    const error = errorOf(() => getDeviceLabProfile('phone-no-wegbpu'));
    expect(error.code).toBe('PROFILE_UNKNOWN');
    expect(error.details.known).toContain('phone-no-webgpu');
  });

  const broken: Array<[string, string, (p: Record<string, any>) => void, string]> = [
    ['a misspelt field', 'low-end', (p) => (p.cpuThrotlingRate = 2), 'profiles[3].cpuThrotlingRate'],
    ['an unknown target', 'low-end', (p) => (p.target = 'toaster'), 'profiles[3](low-end).target'],
    ['WebGPU on a target built without it', 'low-end', (p) => (p.webgpu = true), 'profiles[3](low-end).webgpu'],
    ['a missing webgpu flag', 'low-end', (p) => delete p.webgpu, 'profiles[3].webgpu'],
    ['a throttling rate below 1', 'phone-webgpu', (p) => (p.cpuThrottlingRate = 0.5), 'profiles[1](phone-webgpu).cpuThrottlingRate'],
    ['an unknown network name', 'phone-webgpu', (p) => (p.network = '5g'), 'profiles[1](phone-webgpu).network'],
    ['a network without latency', 'phone-webgpu', (p) => (p.network = { downloadKbps: 1, uploadKbps: 1 }), 'profiles[1](phone-webgpu).network.latencyMs'],
    ['a fractional viewport', 'phone-webgpu', (p) => (p.viewport = { width: 400.5, height: 800 }), 'profiles[1](phone-webgpu).viewport.width'],
    ['a repeated id', 'low-end', (p) => (p.id = 'phone-webgpu'), 'profiles[3].id'],
    ['an id that is not kebab-case', 'low-end', (p) => (p.id = 'Low End'), 'profiles[3].id'],
  ];
  it.each(broken)('rejects %s, naming the field', (_what, id, edit, field) => {
    const error = errorOf(() => loadDeviceLabProfiles({ json: fileWith(id, edit) }));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('rejects a descriptor Playwright does not have, when given the registry', () => {
    const file = fileWith('low-end', (p) => (p.playwrightDevice = 'Nokia 3310'));
    expect(errorOf(() => validateDeviceLabProfiles(file, loadEdgeTargets(), Object.keys(devices))).details.field).toBe('profiles[3](low-end).playwrightDevice');
  });
});
