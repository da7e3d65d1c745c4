/**
 * Registry rules shared by the API and the static layout: which version `latest`
 * means, how a canary split picks a side for a device, and the `index.json` a model
 * publishes (built deterministically, so every replica serves the same bytes and ETag).
 */
import { createHash } from 'node:crypto';
import { createRegistryIndex, highestVersion as highestOf, sha256Hex } from '../format/index.ts';
import type { IndexKey } from './config.ts';
import type { AliasRecord, ModelRecord } from './store/store.ts';

/** The highest version of a model (semver precedence). */
export function highestVersion(model: ModelRecord): string | undefined {
  return highestOf(model.versions.map((v) => v.version));
}

/** What `latest` resolves to: the `latest` alias, else the `production` alias, else the highest version. */
export function latestVersion(model: ModelRecord): string | undefined {
  const alias = model.aliases.find((a) => a.alias === 'latest') ?? model.aliases.find((a) => a.alias === 'production');
  return alias?.version ?? highestVersion(model);
}

/**
 * The canary side of a device: SHA-256 of `deviceId + "\n" + name + "\n" + alias`, its
 * first four bytes as a big-endian integer, mod 100. The same device always lands in
 * the same bucket for one alias, and raising the percentage only adds devices.
 */
export function canaryBucket(deviceId: string, name: string, alias: string): number {
  return createHash('sha256').update(`${deviceId}\n${name}\n${alias}`).digest().readUInt32BE(0) % 100;
}

/** The version an alias gives one device (or, without a device, the alias's own version). */
export function resolveAlias(alias: AliasRecord, name: string, deviceId: string | undefined): string {
  const { canary } = alias;
  if (canary === null || deviceId === undefined || canary.percent <= 0) return alias.version;
  return canaryBucket(deviceId, name, alias.alias) < canary.percent ? canary.version : alias.version;
}

/** A built `index.json` (+ `index.sig`). */
export interface BuiltIndex {
  bytes: Uint8Array;
  signature: Uint8Array | undefined;
  /** SHA-256 hex of `bytes`. */
  id: string;
  signatureId: string | undefined;
}

/**
 * Builds and caches each model's index. The issue time is the last change or the
 * start of the current refresh window, whichever is later, so the bytes (and the
 * ETag) only change when the model changes or a window passes, and `expires` stays
 * between TTL − window and TTL ahead of now.
 */
export class RegistryIndexCache {
  readonly #entries = new Map<string, { key: string; index: BuiltIndex }>();
  readonly #ttlMs: number;
  readonly #windowMs: number;
  readonly #key: IndexKey | undefined;

  constructor(ttlSeconds: number, key: IndexKey | undefined) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#windowMs = Math.min(this.#ttlMs / 2, 300_000);
    this.#key = key;
  }

  async get(model: ModelRecord, now = Date.now()): Promise<BuiltIndex> {
    const issuedAt = Math.max(Math.floor(now / this.#windowMs) * this.#windowMs, Date.parse(model.updatedAt));
    const key = `${model.updatedAt}|${issuedAt}`;
    const cached = this.#entries.get(model.name);
    if (cached?.key === key) return cached.index;

    const aliases: Record<string, string> = {};
    for (const a of model.aliases) aliases[a.alias] = a.version;
    const latest = latestVersion(model);
    if (latest !== undefined) aliases.latest = latest;
    const built = await createRegistryIndex({
      name: model.name,
      versions: model.versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })),
      aliases,
      validForMs: this.#ttlMs,
      now: new Date(issuedAt),
      signingKey: this.#key,
    });
    const index: BuiltIndex = {
      bytes: built.indexBytes,
      signature: built.signature,
      id: await sha256Hex(built.indexBytes),
      signatureId: built.signature && (await sha256Hex(built.signature)),
    };
    this.#entries.set(model.name, { key, index });
    return index;
  }
}
