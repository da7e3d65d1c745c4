/**
 * The registry index, `edgeloop-index/1`: `<base>/<name>/index.json` lists the
 * published versions of one model, its aliases (`latest`, `stable`, …) and an expiry,
 * and `<base>/<name>/index.sig` signs its exact bytes with the publisher key (the
 * same envelope as `manifest.sig`). See docs/REGISTRY.md.
 *
 * The expiry defeats a freeze attack (a mirror serving a stale index forever); the
 * store's "never go below what is installed" rule defeats a rollback attack.
 */
import { EdgeloopError } from './edgeloop-error.ts';
import { compareVersions, highestVersion, isAliasName, isPackageName, isVersion, PACKAGE_NAME_EXPECTED } from './naming.ts';
import { signManifest } from './signature.ts';

export const INDEX_FORMAT = 'edgeloop-index/1' as const;
/** An index larger than this is refused before parsing. */
export const MAX_INDEX_BYTES = 1 << 20;
export const INDEX_FILES = { index: 'index.json', signature: 'index.sig' } as const;

export interface RegistryIndexVersion {
  version: string;
  /** ISO 8601 time the version was published. */
  publishedAt: string;
}

export interface RegistryIndex {
  format: typeof INDEX_FORMAT;
  name: string;
  /** ISO 8601 time after which the index must not be trusted (freeze-attack defence). */
  expires: string;
  /** ISO 8601 time this index was written. */
  updatedAt: string;
  versions: RegistryIndexVersion[];
  /** Alias → version, e.g. `{ latest: '1.1.0', stable: '1.0.0' }`; every target is in `versions`. */
  aliases: Record<string, string>;
}

const MAX_VERSIONS = 10_000;

/** The highest version of the index (semver precedence), or undefined for an empty index. */
export function newestVersion(index: RegistryIndex): string | undefined {
  return highestVersion(index.versions.map((v) => v.version));
}

function invalid(field: string, message: string): never {
  throw new EdgeloopError('INDEX_INVALID', `registry index: ${field} ${message}`, { details: { field } });
}

function isoTime(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 64 || Number.isNaN(Date.parse(value))) invalid(field, 'must be an ISO 8601 time string');
  return value;
}

/**
 * Checks a parsed index; returns it typed.
 * @throws EdgeloopError `INDEX_INVALID` naming the field.
 */
export function validateRegistryIndex(value: unknown, expectedName?: string): RegistryIndex {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('(root)', 'must be a JSON object');
  const o = value as Record<string, unknown>;
  if (o.format !== INDEX_FORMAT) invalid('format', `must be "${INDEX_FORMAT}"`);
  if (!isPackageName(o.name)) invalid('name', `must be a package name: ${PACKAGE_NAME_EXPECTED}`);
  if (expectedName !== undefined && o.name !== expectedName) invalid('name', `is "${o.name}" but the index was fetched for "${expectedName}"`);
  const expires = isoTime(o.expires, 'expires');
  const updatedAt = isoTime(o.updatedAt, 'updatedAt');
  if (!Array.isArray(o.versions) || o.versions.length > MAX_VERSIONS) invalid('versions', `must be an array of at most ${MAX_VERSIONS} entries`);
  const seen = new Set<string>();
  const versions = o.versions.map((entry: unknown, i: number): RegistryIndexVersion => {
    const field = `versions[${i}]`;
    if (typeof entry !== 'object' || entry === null) invalid(field, 'must be an object');
    const e = entry as Record<string, unknown>;
    if (!isVersion(e.version)) invalid(`${field}.version`, 'must be a semantic version such as "1.2.3"');
    if (seen.has(e.version)) invalid(`${field}.version`, `repeats ${e.version}`);
    seen.add(e.version);
    return { version: e.version, publishedAt: isoTime(e.publishedAt, `${field}.publishedAt`) };
  });
  if (typeof o.aliases !== 'object' || o.aliases === null || Array.isArray(o.aliases)) invalid('aliases', 'must be an object of alias → version');
  const aliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(o.aliases as Record<string, unknown>)) {
    if (!isAliasName(alias)) invalid(`aliases.${alias}`, 'is not a valid alias name (a-z, 0-9, -)');
    if (typeof target !== 'string' || !seen.has(target)) invalid(`aliases.${alias}`, 'must name a version listed in versions');
    aliases[alias] = target;
  }
  return { format: INDEX_FORMAT, name: o.name, expires, updatedAt, versions, aliases };
}

/**
 * Parses the exact bytes of an `index.json`.
 * @throws EdgeloopError `INDEX_INVALID`.
 */
export function parseRegistryIndex(bytes: Uint8Array, expectedName?: string): RegistryIndex {
  if (bytes.byteLength > MAX_INDEX_BYTES) invalid('(file)', `is ${bytes.byteLength} bytes; the limit is ${MAX_INDEX_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new EdgeloopError('INDEX_INVALID', `registry index is not valid UTF-8 JSON: ${(cause as Error).message}`, { cause });
  }
  return validateRegistryIndex(value, expectedName);
}

/** Options of {@link createRegistryIndex}. */
export interface CreateRegistryIndexOptions {
  name: string;
  versions: RegistryIndexVersion[];
  aliases?: Record<string, string>;
  /** How long the index stays valid. @defaultValue 30 days */
  validForMs?: number;
  now?: Date;
  signingKey?: { privateKey: string; publicKey: string };
}

/** Writes (and signs) an index: the exact bytes of `index.json` and `index.sig`. */
export async function createRegistryIndex(options: CreateRegistryIndexOptions): Promise<{ index: RegistryIndex; indexBytes: Uint8Array; signature?: Uint8Array }> {
  const now = options.now ?? new Date();
  const versions = [...options.versions].sort((a, b) => compareVersions(a.version, b.version));
  const newest = versions[versions.length - 1]?.version;
  const index = validateRegistryIndex({
    format: INDEX_FORMAT,
    name: options.name,
    expires: new Date(now.getTime() + (options.validForMs ?? 30 * 24 * 3600_000)).toISOString(),
    updatedAt: now.toISOString(),
    versions,
    aliases: options.aliases ?? (newest ? { latest: newest } : {}),
  });
  const indexBytes = new TextEncoder().encode(`${JSON.stringify(index, null, 2)}\n`);
  const signature = options.signingKey ? await signManifest(indexBytes, options.signingKey.privateKey, options.signingKey.publicKey) : undefined;
  return { index, indexBytes, signature };
}
