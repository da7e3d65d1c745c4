/**
 * Checks device-lab profile JSON (`profiles.json`) against the edge targets and returns
 * the profiles resolved (gaps filled from the target's `device` block) and frozen.
 * Unknown fields are errors; every error names the field (`profiles[2].network`).
 */
import type { DeviceLabProfile, ProfileNetwork } from './device-lab-profile.ts';
import type { EdgeTarget, NetworkProfile } from './edge-target.ts';
import { EdgeTargetError } from './edge-target-error.ts';

type Json = Record<string, unknown>;

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PROFILE_FIELDS = ['id', 'description', 'target', 'webgpu', 'playwrightDevice', 'viewport', 'cpuThrottlingRate', 'network', 'deviceMemoryGiB'];
const REQUIRED = ['id', 'description', 'target', 'webgpu'];

function invalid(field: string, message: string, value: unknown): EdgeTargetError {
  return new EdgeTargetError('PROFILE_INVALID', `device-lab profile ${field} ${message}`, { details: { field, value } });
}

function object(value: unknown, field: string, allowed: readonly string[], required: readonly string[] = allowed): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, `must be an object, got ${JSON.stringify(value) ?? 'nothing'}`, value);
  const json = value as Json;
  for (const key of Object.keys(json)) if (!allowed.includes(key)) throw invalid(`${field}.${key}`, `is not a known field (allowed: ${allowed.join(', ')})`, json[key]);
  for (const key of required) if (json[key] === undefined) throw invalid(`${field}.${key}`, 'is missing', undefined);
  return json;
}

function positive(value: unknown, field: string, { min = 0, integer = false } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (min === 0 ? value > 0 : value >= min) && (!integer || Number.isInteger(value));
  if (!ok) throw invalid(field, `must be a ${integer ? 'positive integer' : min === 0 ? 'positive number' : `number ≥ ${min}`}, got ${JSON.stringify(value)}`, value);
  return value as number;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, `must be a non-empty string, got ${JSON.stringify(value)}`, value);
  return value;
}

function networkProfile(value: unknown, field: string): NetworkProfile {
  const json = object(value, field, ['downloadKbps', 'uploadKbps', 'latencyMs']);
  return Object.freeze({
    downloadKbps: positive(json.downloadKbps, `${field}.downloadKbps`),
    uploadKbps: positive(json.uploadKbps, `${field}.uploadKbps`),
    latencyMs: positive(json.latencyMs, `${field}.latencyMs`, { min: 0.0000001 }),
  });
}

function network(value: unknown, field: string, presets: Readonly<Record<string, NetworkProfile>>): ProfileNetwork {
  if (value === 'none' || value === 'offline') return value;
  if (typeof value === 'string') {
    const preset = presets[value];
    if (preset === undefined) throw invalid(field, `must be 'none', 'offline', one of the networks (${Object.keys(presets).join(', ')}) or { downloadKbps, uploadKbps, latencyMs }; got ${JSON.stringify(value)}`, value);
    return preset;
  }
  return networkProfile(value, field);
}

/**
 * The profiles of a profiles file, resolved against `targets` and frozen, in file order.
 *
 * @param knownDevices - when given, `playwrightDevice` must be one of these names
 *   (Playwright's `devices` registry); devices/ itself does not import Playwright.
 * @throws {EdgeTargetError} `PROFILE_INVALID` naming the bad field.
 */
export function validateDeviceLabProfiles(file: unknown, targets: readonly EdgeTarget[], knownDevices?: readonly string[]): readonly DeviceLabProfile[] {
  const json = object(file, 'file', ['$comment', 'networks', 'profiles'], ['profiles']);
  const presets: Record<string, NetworkProfile> = {};
  if (json.networks !== undefined) {
    const networks = object(json.networks, 'file.networks', Object.keys(json.networks as Json), []);
    for (const [name, value] of Object.entries(networks)) {
      if (!ID_PATTERN.test(name) || name === 'none' || name === 'offline') throw invalid(`networks.${name}`, "must be a kebab-case name other than 'none' and 'offline'", name);
      presets[name] = networkProfile(value, `networks.${name}`);
    }
  }
  if (!Array.isArray(json.profiles) || json.profiles.length === 0) throw invalid('file.profiles', 'must be a non-empty array', json.profiles);
  const seen = new Set<string>();
  return Object.freeze(
    json.profiles.map((value: unknown, index: number) => {
      const at = `profiles[${index}]`;
      const p = object(value, at, PROFILE_FIELDS, REQUIRED);
      const id = string(p.id, `${at}.id`);
      if (!ID_PATTERN.test(id)) throw invalid(`${at}.id`, `must be kebab-case, got ${JSON.stringify(id)}`, id);
      if (seen.has(id)) throw invalid(`${at}.id`, `repeats ${JSON.stringify(id)}`, id);
      seen.add(id);
      const field = `${at}(${id})`;
      const targetId = string(p.target, `${field}.target`);
      const target = targets.find((t) => t.id === targetId);
      if (target === undefined) throw invalid(`${field}.target`, `names no edge target (known: ${targets.map((t) => t.id).join(', ')}); got ${JSON.stringify(targetId)}`, targetId);
      if (typeof p.webgpu !== 'boolean') throw invalid(`${field}.webgpu`, `must be true or false, got ${JSON.stringify(p.webgpu)}`, p.webgpu);
      if (p.webgpu && !target.webgpu) throw invalid(`${field}.webgpu`, `is true but edge target ${target.id} is built for devices without WebGPU`, p.webgpu);
      const playwrightDevice = p.playwrightDevice === undefined ? target.device.playwrightDevice : string(p.playwrightDevice, `${field}.playwrightDevice`);
      if (knownDevices !== undefined && !knownDevices.includes(playwrightDevice)) throw invalid(`${field}.playwrightDevice`, `is not a Playwright device descriptor: ${JSON.stringify(playwrightDevice)}`, playwrightDevice);
      let viewport = target.device.viewport;
      if (p.viewport !== undefined) {
        const v = object(p.viewport, `${field}.viewport`, ['width', 'height']);
        viewport = { width: positive(v.width, `${field}.viewport.width`, { integer: true }), height: positive(v.height, `${field}.viewport.height`, { integer: true }) };
      }
      const profile: DeviceLabProfile = {
        id,
        description: string(p.description, `${field}.description`),
        target: target.id,
        webgpu: p.webgpu,
        playwrightDevice,
        viewport: Object.freeze({ ...viewport }),
        cpuThrottlingRate: p.cpuThrottlingRate === undefined ? target.device.cpuThrottlingRate : positive(p.cpuThrottlingRate, `${field}.cpuThrottlingRate`, { min: 1 }),
        network: p.network === undefined ? target.device.network : network(p.network, `${field}.network`, presets),
        deviceMemoryGiB: p.deviceMemoryGiB === undefined ? target.device.deviceMemoryGiB : positive(p.deviceMemoryGiB, `${field}.deviceMemoryGiB`),
      };
      return Object.freeze(profile);
    }),
  );
}
