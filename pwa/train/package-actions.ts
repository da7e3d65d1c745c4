/**
 * What the user can do with the package on screen: install it into this device's model
 * store, or download it as a .zip of the package folder as a registry serves it
 * (`<name>/<version>/manifest.json` and every artifact file, with the reports beside).
 */
import { createRuntime, type InstallResult } from '../../runtime/index.ts';
import { zipStore } from './zip-store.ts';

/** The package the page holds: just trained, distilled, or compressed. */
export interface PackageOnScreen {
  name: string;
  version: string;
  manifestBytes: Uint8Array;
  files: ReadonlyMap<string, Uint8Array>;
  /** What it is, in words ("trained MLP", "compressed for phone-wasm"). */
  what: string;
  /** Extra files for the download only (evaluation and compress reports). */
  reports: ReadonlyMap<string, Uint8Array>;
}

/**
 * Installs `pkg` into the model store. A package built on this device is unsigned, and
 * the app's runtime installs only packages signed by a trusted publisher, so this uses a
 * runtime that accepts unsigned packages (`allowUnsigned`) for this one install — the
 * path the compressor's docs give for its unsigned output.
 */
export async function installOnDevice(pkg: PackageOnScreen): Promise<InstallResult> {
  const runtime = await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__, allowUnsigned: true });
  try {
    return await runtime.store.installPackage({ name: pkg.name, manifestBytes: pkg.manifestBytes, signature: null, files: pkg.files });
  } finally {
    await runtime.dispose();
  }
}

/** The package as a zip: `<name>/<version>/…`. */
export function packageZip(pkg: PackageOnScreen): Uint8Array {
  const root = `${pkg.name}/${pkg.version}/`;
  const entries = new Map<string, Uint8Array>([[`${root}manifest.json`, pkg.manifestBytes]]);
  for (const [path, data] of pkg.files) entries.set(root + path, data);
  for (const [path, data] of pkg.reports) entries.set(root + path, data);
  return zipStore(entries);
}

/** Hands `bytes` to the browser as a download named `fileName`. */
export function downloadBytes(bytes: Uint8Array, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by the time the click handler returns; a minute is generous.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
