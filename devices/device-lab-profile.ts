/**
 * The types of a device-lab profile: one emulated device the lab runs a model on —
 * a Playwright descriptor, WebGPU on or off, CPU throttling, network, a memory hint,
 * and the edge target whose artifact such a device runs. The values live in
 * `profiles.json`; `validate-device-lab-profile.ts` is the only way a
 * {@link DeviceLabProfile} is made from JSON.
 */
import type { NetworkProfile } from './edge-target.ts';

/** The network of a profile: unthrottled loopback, offline (store only), or shaped. */
export type ProfileNetwork = 'none' | 'offline' | Readonly<NetworkProfile>;

/** One device-lab profile, every field resolved (the target's `device` block fills the gaps). */
export interface DeviceLabProfile {
  /** Kebab-case id (`--profiles` and `test.use({ edgeProfile })` take it). */
  id: string;
  description: string;
  /** Id of the edge target (targets.json) whose artifact this device runs. */
  target: string;
  /**
   * WebGPU available. When false the lab starts Chromium without
   * `--enable-unsafe-webgpu`, removes `navigator.gpu` from the page and creates the
   * runtime with `{ webgpu: false }`, so the worker treats it as absent too.
   */
  webgpu: boolean;
  /** Key into Playwright's `devices` registry. */
  playwrightDevice: string;
  viewport: Readonly<{ width: number; height: number }>;
  /** CDP `Emulation.setCPUThrottlingRate` slow-down factor (1: none). */
  cpuThrottlingRate: number;
  network: ProfileNetwork;
  /** What `navigator.deviceMemory` reports in the page, in GiB. */
  deviceMemoryGiB: number;
}
