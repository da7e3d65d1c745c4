/**
 * Node-only: reading a model and its neighbours from disk for `importModel`, and writing
 * an imported package into a registry folder the way `npm run fixtures` lays one out
 * (docs/REGISTRY.md): `<root>/<name>/<version>/` built in a temporary folder and renamed
 * into place, then `<root>/<name>/index.json` (+ `index.sig`) listing every version.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PACKAGE_FILES, type BuiltPackage } from '../create-package.ts';
import type { Manifest } from '../manifest.ts';
import { compareVersions, isVersion } from '../naming.ts';
import { createRegistryIndex, INDEX_FILES, parseRegistryIndex, type RegistryIndexVersion } from '../registry-index.ts';
import { writeFileAtomic } from '../write-file-atomic.ts';
import { writePackageVersion } from '../write-package-version.ts';
import { ImportError } from './import-error.ts';
import type { ModelSource } from './import-model.ts';

/** A {@link ModelSource} for a model file on disk; its shards and external data are read from the same folder. */
export function nodeModelSource(engine: ModelSource['engine'], modelPath: string): ModelSource {
  const dir = dirname(resolve(modelPath));
  return {
    engine,
    fileName: basename(modelPath),
    read: async (relativePath) => {
      try {
        return new Uint8Array(await readFile(join(dir, relativePath)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
  };
}

/** Options of {@link writeImportedPackage}. */
export interface WriteImportedPackageOptions {
  /** Signs `index.json`; without it the index is unsigned (a stale `index.sig` is removed). */
  signingKey?: { privateKey: string; publicKey: string };
  /** The index's `updatedAt` and expiry base. @defaultValue now */
  now?: Date;
}

/** Where {@link writeImportedPackage} wrote. */
export interface WrittenPackage {
  versionDir: string;
  indexPath: string;
  /** The versions the index lists, oldest first, and its aliases. */
  versions: string[];
  aliases: Record<string, string>;
  /** What the user should know (an old index replaced, an unsigned index). */
  notes: string[];
}

/**
 * Writes `built` to `<rootDir>/<name>/<version>/` and rewrites the model's registry
 * index so the new version is installable (`latest` moves to the highest version).
 *
 * @throws ImportError `IMPORT_VERSION_EXISTS` when that version folder exists (versions
 *   are immutable); nothing is written then.
 */
export async function writeImportedPackage(rootDir: string, built: BuiltPackage, options: WriteImportedPackageOptions = {}): Promise<WrittenPackage> {
  const { name, version } = built.manifest;
  const modelDir = resolve(rootDir, name);
  const versionDir = join(modelDir, version);
  if (await exists(versionDir)) {
    throw new ImportError('IMPORT_VERSION_EXISTS', `${versionDir} already exists; published versions are immutable: import as another --version`, {
      details: { path: versionDir, name, version },
    });
  }
  await writePackageVersion(versionDir, built);
  const index = await rewriteIndex(modelDir, name, options);
  return { versionDir, indexPath: join(modelDir, INDEX_FILES.index), ...index };
}

/** Lists every version folder with a manifest, keeping what the old index said about them. */
async function rewriteIndex(modelDir: string, name: string, options: WriteImportedPackageOptions): Promise<Omit<WrittenPackage, 'versionDir' | 'indexPath'>> {
  const notes: string[] = [];
  const old = await readIndex(join(modelDir, INDEX_FILES.index), name, notes);
  const published = new Map(old?.versions.map((v) => [v.version, v.publishedAt]));
  const versions: RegistryIndexVersion[] = [];
  for (const entry of await readdir(modelDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !isVersion(entry.name)) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(modelDir, entry.name, PACKAGE_FILES.manifest), 'utf8')) as Manifest;
    } catch (error) {
      notes.push(`${entry.name}/ is left out of the index: its manifest.json cannot be read (${(error as Error).message})`);
      continue;
    }
    versions.push({ version: entry.name, publishedAt: published.get(entry.name) ?? manifest.createdAt });
  }
  versions.sort((a, b) => compareVersions(a.version, b.version));
  const listed = new Set(versions.map((v) => v.version));
  const aliases = Object.fromEntries(Object.entries(old?.aliases ?? {}).filter(([, target]) => listed.has(target)));
  aliases.latest = versions[versions.length - 1]!.version;
  const { indexBytes, signature } = await createRegistryIndex({ name, versions, aliases, ...(options.signingKey ? { signingKey: options.signingKey } : {}), ...(options.now ? { now: options.now } : {}) });
  await writeFileAtomic(join(modelDir, INDEX_FILES.index), indexBytes);
  if (signature) await writeFileAtomic(join(modelDir, INDEX_FILES.signature), signature);
  else {
    await rm(join(modelDir, INDEX_FILES.signature), { force: true });
    notes.push('index.json is unsigned: a runtime with trustedKeys refuses it; pass --key <publisher.json> to sign');
  }
  return { versions: versions.map((v) => v.version), aliases, notes };
}

async function readIndex(path: string, name: string, notes: string[]) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // An unreadable old index is replaced: the version folders are the truth.
  try {
    return parseRegistryIndex(bytes, name);
  } catch (error) {
    notes.push(`the old ${INDEX_FILES.index} could not be read (${(error as Error).message}); it is rebuilt from the version folders`);
    return undefined;
  }
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
