/**
 * Internal: the small checks `validate-manifest.ts` is built from. Each takes the
 * value, the field path it sits at (`artifacts[0].files[2].sha256`) and returns the
 * value with its proper type, or throws `MANIFEST_INVALID` naming the field, what is
 * wrong and what is expected. Not part of the public surface.
 */
import { EdgeloopError } from './edgeloop-error.ts';

/** Why a manifest field was rejected, a stable word for `details.reason`. */
export type ManifestIssueReason =
  | 'json'
  | 'required'
  | 'type'
  | 'unknown-key'
  | 'forbidden-key'
  | 'value'
  | 'pattern'
  | 'range'
  | 'length'
  | 'duplicate'
  | 'path'
  | 'too-deep'
  | 'too-large';

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * Keys that must never be copied into an object by assignment: `__proto__` would
 * replace the copy's prototype, the others are the usual prototype-pollution gadgets.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `manifest.<field>`, or `manifest` for the root. */
export function label(field: string): string {
  return field === '' ? 'manifest' : `manifest.${field}`;
}

/** Throws the one error every manifest check throws. */
export function fail(field: string, reason: ManifestIssueReason, what: string, cause?: unknown): never {
  throw new EdgeloopError('MANIFEST_INVALID', `${label(field)} ${what}`, { details: { field, reason }, cause });
}

/** The path of `key` inside `field`: `a.b`, or `a["odd key"]` when `key` is not an identifier. */
export function keyPath(field: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${field}[${JSON.stringify(key)}]`;
  return field === '' ? key : `${field}.${key}`;
}

/** The path of item `index` of the array at `field`. */
export function indexPath(field: string, index: number): string {
  return `${field}[${index}]`;
}

/** A short description of what was found, for "(got …)". */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** True for `{}`-style objects: not arrays, not class instances, not null. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Which keys an object may have. */
export interface Shape {
  readonly required: readonly string[];
  readonly optional?: readonly string[];
}

/**
 * Checks that `value` is a plain object with exactly the keys `shape` allows: every
 * unknown key is rejected (and named), every required key must be present. A key
 * whose value is `undefined` counts as absent (JSON cannot carry `undefined`).
 */
export function strictObject(value: unknown, field: string, shape: Shape): JsonObject {
  const obj = plainObject(value, field);
  const allowed = [...shape.required, ...(shape.optional ?? [])];
  const unknown = Object.keys(obj).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const others = unknown.slice(1, 6).map((key) => JSON.stringify(key));
    if (unknown.length > 6) others.push(`${unknown.length - 6} more`);
    const also = others.length > 0 ? ` (so are ${others.join(', ')})` : '';
    fail(
      keyPath(field, unknown[0]),
      'unknown-key',
      `is not an allowed key${also}; ${label(field)} may only have ${allowed.join(', ')}: remove it or check its spelling`,
    );
  }
  for (const key of shape.required) {
    if (obj[key] === undefined) fail(keyPath(field, key), 'required', `is required but missing`);
  }
  return obj;
}

/** Checks that `value` is a plain object without prototype-pollution keys. */
export function plainObject(value: unknown, field: string): JsonObject {
  if (!isPlainObject(value)) fail(field, 'type', `must be an object (got ${describe(value)})`);
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      fail(keyPath(field, key), 'forbidden-key', `is a forbidden key (${JSON.stringify(key)} could alter object prototypes); remove it`);
    }
  }
  return value;
}

/** A string of `min`..`max` characters. */
export function string(value: unknown, field: string, min = 1, max = 256): string {
  if (typeof value !== 'string') fail(field, 'type', `must be a string (got ${describe(value)})`);
  if (value.length < min || value.length > max) {
    const expected = min === 1 ? `a non-empty string of at most ${max} characters` : `${min} to ${max} characters long`;
    fail(field, 'length', `must be ${expected} (got ${value.length} characters)`);
  }
  return value;
}

/** A string matching `pattern`; `expected` says in words what that is. */
export function matching(value: unknown, field: string, pattern: RegExp, expected: string, max = 256): string {
  if (typeof value !== 'string') fail(field, 'type', `must be ${expected} (got ${describe(value)})`);
  if (value.length > max || !pattern.test(value)) fail(field, 'pattern', `must be ${expected} (got ${describe(value)})`);
  return value;
}

/** One of the strings in `options`. */
export function oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    const list = options.map((option) => JSON.stringify(option)).join(', ');
    fail(field, typeof value === 'string' ? 'value' : 'type', `must be one of ${list} (got ${describe(value)})`);
  }
  return value as T;
}

/** A boolean. */
export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, 'type', `must be true or false (got ${describe(value)})`);
  return value;
}

/** A finite number. */
export function finite(value: unknown, field: string): number {
  if (typeof value !== 'number') fail(field, 'type', `must be a number (got ${describe(value)})`);
  if (!Number.isFinite(value)) fail(field, 'value', `must be a finite number (got ${describe(value)})`);
  return value;
}

/** An integer in `min`..`max`; `what` names the quantity for the message. */
export function integer(value: unknown, field: string, min: number, max: number, what = 'an integer'): number {
  if (typeof value !== 'number') fail(field, 'type', `must be ${what} (got ${describe(value)})`);
  if (!Number.isInteger(value)) fail(field, 'value', `must be ${what} (got ${describe(value)})`);
  if (value < min || value > max) fail(field, 'range', `must be ${what} from ${min} to ${max} (got ${value})`);
  return value;
}

/** An array of `min`..`max` items. */
export function array(value: unknown, field: string, min: number, max: number, of: string): unknown[] {
  if (!Array.isArray(value)) fail(field, 'type', `must be an array of ${of} (got ${describe(value)})`);
  if (value.length < min || value.length > max) {
    const expected = min === max ? `exactly ${min}` : min === 0 ? `at most ${max}` : `${min} to ${max}`;
    fail(field, 'length', `must have ${expected} ${of} (got ${value.length})`);
  }
  return value;
}

/**
 * A deep copy of an arbitrary JSON value (free-form data such as a trainer config),
 * at most `maxDepth` objects/arrays deep. The depth limit keeps a hostile or cyclic
 * value from exhausting the stack; numbers must be finite because JSON cannot hold
 * `NaN` or `Infinity`.
 */
export function jsonValue(value: unknown, field: string, maxDepth: number, depth = 1): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return finite(value, field);
  if (Array.isArray(value) || isPlainObject(value)) {
    if (depth > maxDepth) {
      fail(field, 'too-deep', `nests objects and arrays more than ${maxDepth} levels deep; flatten it`);
    }
    if (Array.isArray(value)) return value.map((item, i) => jsonValue(item, indexPath(field, i), maxDepth, depth + 1));
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(plainObject(value, field))) {
      // Like JSON.stringify, an `undefined` property is no property.
      if (item === undefined) continue;
      copy[key] = jsonValue(item, keyPath(field, key), maxDepth, depth + 1);
    }
    return copy;
  }
  return fail(field, 'type', `must be a JSON value: null, a boolean, a number, a string, an array or an object (got ${describe(value)})`);
}

/** An array of `min`..`max` finite numbers. */
export function numbers(value: unknown, field: string, min: number, max: number): number[] {
  return array(value, field, min, max, 'finite numbers').map((item, i) => finite(item, indexPath(field, i)));
}
