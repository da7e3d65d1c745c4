/**
 * Escaping for text placed in HTML and SVG, element content and quoted attributes
 * alike (https://html.spec.whatwg.org/multipage/syntax.html#escapingString).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Replaces `& < > " '` with character references, so `text` can never open a tag or leave an attribute. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

/** A number for display: `digits` decimals, `—` for `null`, `NaN` and infinities. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}
