/**
 * An install's progress in words, the same on every page that installs a model (the
 * Predict page's demo button, the Models page's install and update).
 */
import type { InstallProgress } from '../../runtime/index.ts';

/** Whole KiB, as the app shows sizes. */
export const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;

/** Bytes in the unit that reads best: B, KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "downloading and verifying 120 KiB / 480 KiB", "activating", … */
export function installPhaseWords(progress: InstallProgress): string {
  switch (progress.phase) {
    case 'index':
      return 'reading the registry index';
    case 'manifest':
      return 'reading the manifest';
    case 'storage':
      return 'making room';
    case 'download':
      return `downloading and verifying ${kib(progress.loadedBytes)} / ${kib(progress.totalBytes)}`;
    case 'activate':
      return 'activating';
    case 'done':
      return 'installed';
  }
}

/** The fraction done for a `<progress>` element, or undefined while it is unknown. */
export const installFraction = (progress: InstallProgress): number | undefined => (progress.totalBytes ? progress.loadedBytes / progress.totalBytes : undefined);
