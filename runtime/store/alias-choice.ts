/**
 * Which version an alias gives this device. A registry's signed index names each alias's
 * version; a sync endpoint's registry (`<endpoint>/registry/`) can also split an alias
 * between two versions (a canary) and says which side a device is on
 * (`GET <endpoint>/v1/models/:name/resolve/:alias?device=<id>`, docs/SYNC-API.md). That
 * answer is not signed, so it is only believed within what the signed index allows: a
 * version the index lists, and either the alias's own signed version or one no older than
 * what this device already had from that registry (no downgrade by an unsigned answer).
 */
import { EdgeloopError, compareVersions, isVersion, newestVersion, type RegistryIndex } from '../../format/index.ts';
import { fetchBytes } from '../internal/package-fetch.ts';
import type { ModelRecord } from './model-store.ts';

/** The sync endpoint behind a registry base URL `<endpoint>/registry/`, or undefined for any other (a static registry). */
export function endpointOfRegistry(source: string): string | undefined {
  const url = new URL(source);
  if (!url.pathname.endsWith('/registry/')) return undefined;
  url.pathname = url.pathname.slice(0, -'registry/'.length);
  url.search = '';
  return url.href;
}

/**
 * Asks the endpoint behind `source` which version of `name` the alias gives `deviceId`;
 * undefined when `source` is a static registry.
 * @throws EdgeloopError `FETCH_FAILED` when the endpoint cannot be reached or refuses; `INDEX_INVALID` when its answer is not `{ version }`.
 */
export async function fetchAssignedVersion(source: string, name: string, alias: string, deviceId: string, signal?: AbortSignal): Promise<string | undefined> {
  const endpoint = endpointOfRegistry(source);
  if (endpoint === undefined) return undefined;
  const url = new URL(`v1/models/${encodeURIComponent(name)}/resolve/${encodeURIComponent(alias)}`, endpoint);
  url.searchParams.set('device', deviceId);
  const { bytes } = await fetchBytes(url.href, { signal });
  let version: unknown;
  try {
    version = (JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  if (!isVersion(version)) throw new EdgeloopError('INDEX_INVALID', `${url.origin}${url.pathname} did not answer { version } for ${name}'s alias "${alias}"`, { details: { url: url.href } });
  return version;
}

/** What {@link chooseAliasVersion} weighs. */
export interface AliasChoice {
  name: string;
  /** The registry base URL. */
  source: string;
  /** The verified, unexpired index. */
  index: RegistryIndex;
  alias: string;
  /** The endpoint's answer for this device, when the registry is an endpoint's. */
  assigned?: string;
  /** The model as the store holds it. */
  model?: ModelRecord;
  /** This device follows the alias (asked for it by name): its signed version is taken even when older. */
  follow: boolean;
}

/**
 * The version to install.
 * @throws EdgeloopError `VERSION_NOT_FOUND` when the alias is not in the index or the endpoint assigns a version the index does not list; `ROLLBACK_REFUSED` for a downgrade nothing signed asked for.
 */
export function chooseAliasVersion(choice: AliasChoice): string {
  const { name, source, index, alias, assigned, model, follow } = choice;
  const signed = index.aliases[alias] ?? (alias === 'latest' ? newestVersion(index) : undefined);
  if (signed === undefined) {
    throw new EdgeloopError('VERSION_NOT_FOUND', `the index of ${name} at ${source} has no alias "${alias}" (aliases: ${Object.keys(index.aliases).join(', ') || 'none'})`, {
      details: { name, alias },
    });
  }
  if (assigned !== undefined && !index.versions.some((v) => v.version === assigned)) {
    throw new EdgeloopError('VERSION_NOT_FOUND', `the endpoint assigns ${name}@${assigned} under "${alias}", but its signed index does not list that version; nothing was changed`, {
      details: { name, alias, assigned },
    });
  }
  const version = assigned ?? signed;
  if (follow && version === signed) return version;
  const highest = model?.highest[source];
  if (highest !== undefined && compareVersions(version, highest) < 0) {
    throw new EdgeloopError(
      'ROLLBACK_REFUSED',
      `the registry offers ${name}@${version}, older than ${highest} already installed from it; refusing a rollback (ask for version "${version}" explicitly to downgrade)`,
      { details: { name, offered: version, installed: highest } },
    );
  }
  return version;
}
