/**
 * Internal to the stores: what the SQLite and PostgreSQL adapters share above their
 * drivers — turning rows into records (the drivers differ only in how a time, a
 * big integer and a JSON column come back), the summary filter, and the marker error
 * that rolls a publish back when the version exists.
 */
import type { AliasHistoryEntry, AliasRecord, Canary, SummaryFilter, VersionRecord } from './store.ts';

/** A `versions` row as either driver returns it. */
export interface VersionRow {
  name: string;
  version: string;
  /** PostgreSQL: a Date; SQLite: ISO text. */
  published_at: Date | string;
  /** PostgreSQL returns BIGINT as text. */
  bytes: number | string;
  manifest_sha256: string;
  signature_sha256: string;
  /** PostgreSQL: parsed JSONB; SQLite: JSON text. */
  metrics: Record<string, number> | string;
}

/** An `aliases` row as either driver returns it. */
export interface AliasRow {
  alias: string;
  version: string;
  canary_version: string | null;
  canary_percent: number | null;
  updated_at: Date | string;
}

/** An `alias_history` row as either driver returns it. */
export interface AliasHistoryRow {
  version: string;
  canary_version: string | null;
  canary_percent: number | null;
  at: Date | string;
  by: string;
}

/** A stored time as ISO text. */
export function isoTimeOf(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

/** The record of a `versions` row. */
export function versionOf(row: VersionRow): VersionRecord {
  return {
    name: row.name,
    version: row.version,
    publishedAt: isoTimeOf(row.published_at),
    bytes: Number(row.bytes),
    manifestSha256: row.manifest_sha256,
    signatureSha256: row.signature_sha256,
    metrics: typeof row.metrics === 'string' ? (JSON.parse(row.metrics) as Record<string, number>) : row.metrics,
  };
}

/** The canary of an alias row: both columns, or none. */
export function canaryOf(version: string | null, percent: number | null): Canary | null {
  return version === null || percent === null ? null : { version, percent };
}

/** The record of an `aliases` row. */
export function aliasOf(row: AliasRow): AliasRecord {
  return { alias: row.alias, version: row.version, canary: canaryOf(row.canary_version, row.canary_percent), updatedAt: isoTimeOf(row.updated_at) };
}

/** The entry of an `alias_history` row. */
export function historyEntryOf(row: AliasHistoryRow): AliasHistoryEntry {
  return { version: row.version, canary: canaryOf(row.canary_version, row.canary_percent), at: isoTimeOf(row.at), by: row.by };
}

/**
 * The summary query of `filter`, with the driver's placeholders (`?` or `$n`).
 * Cells come back in primary-key order.
 */
export function summarySql(filter: SummaryFilter, placeholder: (n: number) => string): { sql: string; params: string[] } {
  const where: string[] = [];
  const params: string[] = [];
  const add = (condition: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${condition} ${placeholder(params.length)}`);
  };
  add('model =', filter.model);
  add('version =', filter.version);
  add('hour >=', filter.from);
  add('hour <', filter.to);
  const sql = `SELECT model, version, hour, kind, key, bin, count FROM telemetry_aggregates ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY model, version, hour, kind, key, bin`;
  return { sql, params };
}

/** Thrown inside the publish transaction to roll it back when the version exists. */
export class VersionExists extends Error {}

/** Thrown by `setAlias` (nothing written) when the alias is no longer what the caller expected. */
export class AliasMoved extends Error {
  constructor(readonly current: AliasRecord | undefined) {
    super('the alias has moved');
  }
}

/** True when `current` is the alias `expected` describes (same version and canary). */
export function aliasIs(current: AliasRecord | undefined, expected: { version: string; canary: Canary | null }): boolean {
  return current !== undefined && current.version === expected.version && (current.canary?.version ?? null) === (expected.canary?.version ?? null) && (current.canary?.percent ?? null) === (expected.canary?.percent ?? null);
}

/** Thrown inside the publish transaction to roll it back when a blob it references is gone. */
export class BlobsMissing extends Error {}

/** The distinct blob digests of `sha256s`, sorted: blob locks are always taken in this order. */
export function blobDigestsOf(sha256s: Iterable<string>): string[] {
  return [...new Set(sha256s)].sort();
}
