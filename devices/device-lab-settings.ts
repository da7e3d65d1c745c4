/**
 * Turns a target's device profile into what the device lab hands Playwright and
 * Chromium's DevTools protocol. Pure data: nothing here imports Playwright, so the
 * compressor can import the devices component without it.
 */
import type { EdgeTarget } from './edge-target.ts';

/** Parameters of CDP `Network.emulateNetworkConditions` (throughputs in bytes per second). */
export interface CdpNetworkConditions {
  offline: false;
  latency: number;
  downloadThroughput: number;
  uploadThroughput: number;
}

/** How the device lab starts a browser and page for one target. */
export interface DeviceLabSettings {
  /** Key into Playwright's `devices` registry: the context starts from that descriptor. */
  playwrightDevice: string;
  /** Spread over the descriptor when creating the context. */
  contextOverrides: { viewport: { width: number; height: number } };
  /**
   * Extra Chromium flags: `--enable-unsafe-webgpu` when the target has WebGPU.
   * Without it headless Chromium exposes `navigator.gpu` but grants no adapter, which
   * is how the lab emulates a device without WebGPU (see e2e/no-webgpu.spec.ts).
   */
  chromiumArgs: string[];
  /** For CDP `Emulation.setCPUThrottlingRate({ rate })`. */
  cpuThrottlingRate: number;
  /** For CDP `Network.emulateNetworkConditions`, or `undefined` to leave the network alone. */
  network?: CdpNetworkConditions;
}

/** The device lab settings of `target`. */
export function deviceLabSettings(target: EdgeTarget): DeviceLabSettings {
  const { device } = target;
  return {
    playwrightDevice: device.playwrightDevice,
    contextOverrides: { viewport: { ...device.viewport } },
    chromiumArgs: target.webgpu ? ['--enable-unsafe-webgpu'] : [],
    cpuThrottlingRate: device.cpuThrottlingRate,
    network:
      device.network === 'none'
        ? undefined
        : {
            offline: false,
            latency: device.network.latencyMs,
            // CDP takes bytes per second; the profile is in kilobits (1024 bits) per second, as DevTools' presets are.
            downloadThroughput: (device.network.downloadKbps * 1024) / 8,
            uploadThroughput: (device.network.uploadKbps * 1024) / 8,
          },
  };
}
