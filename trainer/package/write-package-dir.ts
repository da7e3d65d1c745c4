/**
 * Node-only: writes a built package to a registry folder as
 * `<root>/<name>/<version>/{manifest.json, manifest.sig, artifact files}`.
 * Everything goes into a temporary sibling folder first and is renamed into
 * place, so a crash never leaves a half-written version behind.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BuiltPackage } from '../../format/index.ts';
import { writePackageVersion } from '../../format/node.ts';

/** Options for {@link writePackageDir}. */
export interface WritePackageDirOptions {
  /**
   * Replace an existing `<name>/<version>` folder. Published versions are
   * immutable, so this is for rebuilding local fixtures only. @defaultValue false
   */
  overwrite?: boolean;
}

/**
 * Writes `built` under `rootDir` and returns the version folder's path.
 *
 * @throws {Error} with `code: 'EEXIST'` when the version folder exists and
 *   `overwrite` is not set.
 * @throws {RangeError} when the name, version or a file path would leave the
 *   version folder.
 */
export async function writePackageDir(
  rootDir: string,
  built: BuiltPackage,
  options: WritePackageDirOptions = {},
): Promise<string> {
  const { name, version } = built.manifest;
  for (const [what, value] of [
    ['name', name],
    ['version', version],
  ] as const) {
    if (value === '' || value === '.' || value === '..' || /[/\\]/.test(value)) {
      throw new RangeError(`manifest ${what} '${value}' cannot be used as a folder name`);
    }
  }
  const modelDir = resolve(rootDir, name);
  const target = join(modelDir, version);
  if (!options.overwrite && (await exists(target))) {
    throw Object.assign(new Error(`${target} already exists; versions are immutable (pass overwrite to rebuild)`), {
      code: 'EEXIST',
    });
  }
  return writePackageVersion(target, built);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
