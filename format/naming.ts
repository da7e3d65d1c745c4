/**
 * The naming and version rules of the package format, written once: the manifest
 * validator, the registry index, the runtime client and the sync endpoint's JSON
 * Schemas all read them from here, so a name one of them accepts is accepted by all.
 *
 * Versions are semver 2.0 (https://semver.org) without build metadata. Which strings
 * are versions is decided by the spec's suggested regular expression, minus its
 * `+build` part (stricter than the `semver` package's parser, which also takes
 * `v1.2.3` and surrounding blanks). Build metadata is refused rather than ignored: two
 * strings of equal precedence (`2.0.0+a`, `2.0.0+b`) would be two rows of one version,
 * and a published version is immutable. Their order is semver precedence, compared
 * here on the digits themselves: the `semver` package turns numeric identifiers into
 * JavaScript numbers, which refuses a major above 2^53 − 1 and rounds huge pre-release
 * numbers into ties.
 */

/** The longest package name, artifact id or target id: 64 characters. */
export const MAX_NAME_LENGTH = 64;

/**
 * Source of {@link PACKAGE_NAME_PATTERN}, for JSON Schemas: 1 to 64 of `a-z 0-9 . _ -`,
 * starting with a letter or digit. Artifact ids and target ids follow the same rule.
 */
export const PACKAGE_NAME_PATTERN_SOURCE = `^[a-z0-9][a-z0-9._-]{0,${MAX_NAME_LENGTH - 1}}$`;

/** A package name (also an artifact id or a target id): see {@link PACKAGE_NAME_PATTERN_SOURCE}. */
export const PACKAGE_NAME_PATTERN = new RegExp(PACKAGE_NAME_PATTERN_SOURCE);

/** What a package name looks like, for error messages. */
export const PACKAGE_NAME_EXPECTED = `a lower-case id: 1 to ${MAX_NAME_LENGTH} of a-z 0-9 . _ -, starting with a letter or digit`;

/** The longest version string: 128 characters. */
export const MAX_VERSION_LENGTH = 128;

/**
 * Source of {@link VERSION_PATTERN}, for JSON Schemas: semver 2.0 by the spec's suggested
 * regular expression
 * (https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string)
 * without its build-metadata part: `1.2.3` and `1.2.3-rc.1`, never `1.2.3+build.5`.
 */
export const VERSION_PATTERN_SOURCE =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$';

/** A semver 2.0 version: see {@link VERSION_PATTERN_SOURCE}. */
export const VERSION_PATTERN = new RegExp(VERSION_PATTERN_SOURCE);

/** What a version looks like, for error messages. */
export const VERSION_EXPECTED = 'a semantic version such as "1.2.3" or "1.2.3-rc.1" (semver 2.0, no "+build" metadata)';

/** Source of the alias-name rule (`latest`, `stable`, …), for JSON Schemas: 1 to 32 of `a-z 0-9 -`, starting with a letter. */
export const ALIAS_PATTERN_SOURCE = '^[a-z][a-z0-9-]{0,31}$';

/** An alias name of the registry index: see {@link ALIAS_PATTERN_SOURCE}. */
export const ALIAS_PATTERN = new RegExp(ALIAS_PATTERN_SOURCE);

/** True when `value` is a package name (at most 64 characters, see {@link PACKAGE_NAME_PATTERN}). */
export function isPackageName(value: unknown): value is string {
  return typeof value === 'string' && PACKAGE_NAME_PATTERN.test(value);
}

/** True when `value` is a semver 2.0 version string of at most 128 characters. */
export function isVersion(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_VERSION_LENGTH && VERSION_PATTERN.test(value);
}

/** True when `value` is an alias name (see {@link ALIAS_PATTERN_SOURCE}). */
export function isAliasName(value: unknown): value is string {
  return typeof value === 'string' && ALIAS_PATTERN.test(value);
}

/** Compares two numeric identifiers (no leading zeros, any length) by value. */
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const NUMERIC = /^\d+$/;

/** semver 2.0 §11.4: numeric identifiers by value and below alphanumeric ones, those in ASCII order. */
function compareIdentifier(a: string, b: string): number {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return compareNumeric(a, b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semver precedence (semver 2.0 §11): negative when `a` < `b`, 0 when equal, positive
 * when `a` > `b`. Numeric identifiers are compared as digit strings, so the order holds
 * beyond `Number.MAX_SAFE_INTEGER`. Usable as an `Array.prototype.sort` comparator.
 *
 * @throws {TypeError} when either is not a version ({@link isVersion}).
 */
export function compareVersions(a: string, b: string): number {
  if (!isVersion(a) || !isVersion(b)) throw new TypeError(`not a semantic version: ${!isVersion(a) ? a : b}`);
  const [coreA, ...preA] = splitVersion(a);
  const [coreB, ...preB] = splitVersion(b);
  for (let i = 0; i < 3; i++) {
    const order = compareNumeric(coreA[i], coreB[i]);
    if (order !== 0) return Math.sign(order);
  }
  // A version without a pre-release is above any pre-release of the same core.
  if (preA.length === 0 || preB.length === 0) return preA.length === 0 ? (preB.length === 0 ? 0 : 1) : -1;
  for (let i = 0; i < Math.min(preA.length, preB.length); i++) {
    const order = compareIdentifier(preA[i], preB[i]);
    if (order !== 0) return Math.sign(order);
  }
  return Math.sign(preA.length - preB.length);
}

/** `[[major, minor, patch], ...pre-release identifiers]` of a checked version. */
function splitVersion(version: string): [string[], ...string[]] {
  const dash = version.indexOf('-');
  const core = (dash === -1 ? version : version.slice(0, dash)).split('.');
  return dash === -1 ? [core] : [core, ...version.slice(dash + 1).split('.')];
}

/**
 * The highest of `versions` by semver precedence (the first of equals), or undefined
 * for an empty list.
 *
 * @throws {TypeError} when one is not a version.
 */
export function highestVersion(versions: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    if (best === undefined) {
      if (!isVersion(v)) throw new TypeError(`not a semantic version: ${v}`);
      best = v;
    } else if (compareVersions(v, best) > 0) best = v;
  }
  return best;
}
