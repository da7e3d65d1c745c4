/**
 * How the CSV reader tells a missing cell, a number and a category apart. Pure and
 * environment-agnostic; shared by the cleaner and the encoder.
 */

/** A feature column's kind: numbers, or a fixed set of category names. */
export type ColumnType = 'numeric' | 'categorical';

/**
 * Cell texts read as "missing", compared after trimming and ignoring case: empty,
 * `NA`, `N/A`, `NaN`, `null`, `None` and `?` (the UCI repository's marker).
 */
export const DEFAULT_MISSING_MARKERS: readonly string[] = Object.freeze(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);

/** Plain decimal numbers with an optional sign and exponent; no hex, no `Infinity`, no thousands separators. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a trimmed cell as a decimal number, or returns `NaN`. Stricter than
 * `Number()`, which reads `''` as 0 and `'0x1f'` as 31.
 */
export function parseDecimal(text: string): number {
  if (!DECIMAL.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Returns a test for "this trimmed cell is missing" over `markers` (case-insensitive). */
export function createMissingTest(markers: readonly string[] = DEFAULT_MISSING_MARKERS): (text: string) => boolean {
  const set = new Set(markers.map((m) => m.trim().toLowerCase()));
  return (text) => set.has(text.toLowerCase());
}

/**
 * Decides a column's type from its non-missing cells: numeric when more than half of
 * them parse as decimal numbers, categorical otherwise. A column with no values at
 * all counts as numeric (the cleaner drops it as empty).
 *
 * A majority rule rather than "all values" keeps a numeric column with a few typos
 * numeric, so that the typos are reported as non-numeric values (row and column)
 * instead of silently turning the whole column into categories.
 */
export function inferColumnType(values: readonly string[]): ColumnType {
  if (values.length === 0) return 'numeric';
  let numeric = 0;
  for (const value of values) if (!Number.isNaN(parseDecimal(value))) numeric++;
  return numeric * 2 > values.length ? 'numeric' : 'categorical';
}

/**
 * Compares two strings so that digit runs compare by value (`'2' < '10'`, `'img9' <
 * 'img10'`), then by plain code-unit order. Locale-independent, so class order is the
 * same in every browser and in Node.
 */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
      if (x.length !== y.length) return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
