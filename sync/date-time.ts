/**
 * The endpoint's one date-time rule: an RFC 3339 `date-time`
 * (https://www.rfc-editor.org/rfc/rfc3339#section-5.6), read by one parser that both
 * the schemas (ajv's `date-time` format is replaced by {@link isDateTime}, see
 * server.ts) and the routes use, so every string a schema admits is one the code can
 * read. Anything the parser refuses is a 400 at validation, never a `RangeError` later.
 *
 * The rule, stated in docs/SYNC-API.md ("Times"):
 * - `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or a `±HH:MM` offset, upper-case `T` and
 *   `Z` only (RFC 3339 lets an application insist on that). No `+05` offsets without
 *   minutes, no space instead of `T`, no week or ordinal dates.
 * - The calendar date must exist (`2026-02-29` does not); hours 00–23, minutes 00–59,
 *   offsets up to ±23:59; `-00:00` is UTC. A fraction of up to 9 digits is truncated to
 *   the millisecond.
 * - A leap second (`:60`) is admitted only where one can occur, at 23:59:60 UTC (the
 *   offset applied), and reads as 23:59:59.999 UTC: JavaScript time has no leap
 *   seconds, and this keeps the instant in the minute, hour and day it names.
 * - The instant must lie in years 0000–9999 UTC, so its ISO form is always the
 *   4-digit-year form the stores compare as text.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds since the epoch of a UTC calendar time (years below 100 included, which `Date.UTC` maps to 19xx). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime();
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const MIN_MS = utcMs(0, 1, 1, 0, 0, 0, 0);
const MAX_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

/**
 * Strings parsed lately: a telemetry batch names the same few window bounds in every
 * event, and each is read by the schema, the checks, the aggregation and the judge
 * (~250 parses a batch of 50). Cleared whole when full, so it holds at most
 * {@link RECENT_LIMIT} entries; the parse is pure, so a hit is the same answer.
 */
const recent = new Map<string, number | undefined>();
const RECENT_LIMIT = 256;

/**
 * The instant `text` names, in milliseconds since the epoch, or `undefined` when it is
 * not a date-time by the rule above.
 */
export function parseDateTime(text: string): number | undefined {
  if (text.length > 64) return undefined;
  if (recent.has(text)) return recent.get(text);
  const ms = parseUncached(text);
  if (recent.size >= RECENT_LIMIT) recent.clear();
  recent.set(text, ms);
  return ms;
}

function parseUncached(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  let ms: number;
  if (second === 60) {
    const minuteUtc = utcMs(year, month, day, hour, minute, 0, 0) - offsetMinutes * MINUTE_MS;
    // Leap seconds are inserted only after 23:59:59 UTC.
    if (new Date(minuteUtc).getUTCHours() !== 23 || new Date(minuteUtc).getUTCMinutes() !== 59) return undefined;
    ms = minuteUtc + 59_999;
  } else {
    ms = utcMs(year, month, day, hour, minute, second, fraction) - offsetMinutes * MINUTE_MS;
  }
  return ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

/** True when `text` is a date-time by the endpoint's rule: the schemas' `date-time` format. */
export function isDateTime(text: string): boolean {
  return parseDateTime(text) !== undefined;
}

/**
 * The instant of a date-time the schema has already admitted.
 * @throws TypeError when `text` is not one: a schema and this parser disagreeing is a server fault.
 */
export function dateTimeMs(text: string, field: string): number {
  const ms = parseDateTime(text);
  if (ms === undefined) throw new TypeError(`${field} (${JSON.stringify(text.slice(0, 64))}) passed the schema but is not an RFC 3339 date-time`);
  return ms;
}

/** The ISO time of the start of the UTC hour `ms` falls in (`2026-11-23T16:00:00.000Z`). */
export function hourStartOf(ms: number): string {
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();
}
