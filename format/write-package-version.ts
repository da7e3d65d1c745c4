/**
 * Node-only: writes a built package (manifest, signature, artifact files) as one version
 * folder, atomically — a reader or a crash sees the old folder or the whole new one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PACKAGE_FILES, type BuiltPackage } from './create-package.ts';
import { replaceDirAtomic } from './write-file-atomic.ts';

/** Writes `built` into `versionDir` (replacing it whole); answers `versionDir`. */
export function writePackageVersion(versionDir: string, built: BuiltPackage): Promise<string> {
  return replaceDirAtomic(versionDir, async (staging) => {
    await writeFile(join(staging, PACKAGE_FILES.manifest), built.manifestBytes);
    if (built.signature !== undefined) await writeFile(join(staging, PACKAGE_FILES.signature), built.signature);
    for (const [path, data] of built.files) {
      const file = resolve(staging, path);
      if (!file.startsWith(staging + sep)) throw new RangeError(`artifact file path '${path}' leaves the version folder`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data);
    }
  });
}
