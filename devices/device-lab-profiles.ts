/**
 * The device-lab profiles of `profiles.json`, validated and resolved against the edge
 * targets, and what the lab hands Chromium for one (CDP network conditions).
 */
import type { DeviceLabProfile } from './device-lab-profile.ts';
import type { CdpNetworkConditions } from './device-lab-settings.ts';
import { EdgeTargetError } from './edge-target-error.ts';
import { loadEdgeTargets } from './edge-targets.ts';
import profilesJson from './profiles.json' with { type: 'json' };
import { validateDeviceLabProfiles } from './validate-device-lab-profile.ts';

/** Options of {@link loadDeviceLabProfiles} and {@link getDeviceLabProfile}. */
export interface DeviceLabProfileSource {
  /** A profiles file (`{ networks?, profiles: [...] }`) to use instead of the bundled `profiles.json`. */
  json?: unknown;
  /** A targets file to resolve against instead of the bundled `targets.json`. */
  targets?: unknown;
}

/**
 * The device-lab profiles, validated, resolved and frozen, in file order.
 *
 * @throws {EdgeTargetError} `PROFILE_INVALID` naming the bad field.
 */
export function loadDeviceLabProfiles(options: DeviceLabProfileSource = {}): readonly DeviceLabProfile[] {
  return validateDeviceLabProfiles(options.json ?? profilesJson, loadEdgeTargets({ json: options.targets }));
}

/**
 * The profile with id `id`.
 *
 * @throws {EdgeTargetError} `PROFILE_UNKNOWN` (known ids in the message and `details.known`).
 */
export function getDeviceLabProfile(id: string, options: DeviceLabProfileSource = {}): DeviceLabProfile {
  const profiles = loadDeviceLabProfiles(options);
  const found = profiles.find((p) => p.id === id);
  if (found === undefined) {
    const known = profiles.map((p) => p.id);
    throw new EdgeTargetError('PROFILE_UNKNOWN', `there is no device-lab profile ${JSON.stringify(id)}; known profiles: ${known.join(', ')}`, { details: { id, known } });
  }
  return found;
}

/**
 * CDP `Network.emulateNetworkConditions` parameters of a shaped profile network, or
 * `undefined` for `'none'` and `'offline'` (offline is the browser context's switch).
 */
export function profileNetworkConditions(profile: DeviceLabProfile): CdpNetworkConditions | undefined {
  const { network } = profile;
  if (network === 'none' || network === 'offline') return undefined;
  // CDP takes bytes per second; profiles are in kilobits (1024 bits) per second, as DevTools' presets are.
  return { offline: false, latency: network.latencyMs, downloadThroughput: (network.downloadKbps * 1024) / 8, uploadThroughput: (network.uploadKbps * 1024) / 8 };
}
