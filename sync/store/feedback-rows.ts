/**
 * Internal to the stores: what the SQLite and PostgreSQL feedback halves share above
 * their drivers — the filter's SQL, the page's byte budget, and turning rows into
 * records (the drivers differ in how a big integer comes back).
 */
import type { FeedbackInputDtype } from '../../format/index.ts';
import type { FeedbackFilter, FeedbackRecord, NewFeedbackExample } from './feedback-records.ts';

/** The columns of `feedback_examples`, in insert order (`data` last, as in the table). */
export const FEEDBACK_COLUMNS = ['model', 'sha256', 'version', 'label', 'predicted', 'dtype', 'shape', 'bytes', 'created_at', 'received_at', 'install_id', 'sender', 'data'] as const;

/** A `feedback_examples` row as either driver returns it. */
export interface FeedbackRow {
  /** PostgreSQL returns BIGSERIAL as text. */
  seq: number | string;
  model: string;
  sha256: string;
  version: string;
  label: string;
  predicted: string | null;
  dtype: string;
  /** JSON text. */
  shape: string;
  bytes: number;
  created_at: string;
  received_at: string;
  install_id: string | null;
  sender: string;
  data: Uint8Array;
}

/** The column values of one example, in {@link FEEDBACK_COLUMNS} order (`data` as a `Buffer`, which both drivers bind as a blob). */
export function feedbackParams(model: string, e: NewFeedbackExample): unknown[] {
  const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
  return [model, e.id, e.version, e.label, e.predicted, e.dtype, JSON.stringify(e.shape), e.data.byteLength, e.createdAt, e.receivedAt, e.installId, e.sender, data];
}

/** The record of a row. */
export function feedbackOf(row: FeedbackRow): FeedbackRecord {
  return {
    seq: Number(row.seq),
    id: row.sha256,
    version: row.version,
    label: row.label,
    predicted: row.predicted,
    dtype: row.dtype as FeedbackInputDtype,
    shape: JSON.parse(row.shape) as number[],
    data: row.data,
    createdAt: row.created_at,
    receivedAt: row.received_at,
    installId: row.install_id,
    sender: row.sender,
  };
}

/** The `WHERE` clause of a filter (and a `seq` lower bound), with the driver's placeholders (`?` or `$n`). */
export function feedbackWhere(filter: FeedbackFilter & { after?: number }, placeholder: (n: number) => string): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${condition} ${placeholder(params.length)}`);
  };
  add('model =', filter.model);
  add('version =', filter.version);
  add('install_id =', filter.installId);
  add('seq >', filter.after);
  return { sql: `WHERE ${where.join(' AND ')}`, params };
}

/**
 * How many of `sizes` (the next rows' input bytes, in order) one page takes: at most
 * `limit`, and no more than `maxBytes` in all, but always the first.
 */
export function pageLength(sizes: readonly { bytes: number }[], limit: number, maxBytes: number): number {
  let total = 0;
  let n = 0;
  while (n < sizes.length && n < limit) {
    total += sizes[n].bytes;
    if (n > 0 && total > maxBytes) break;
    n++;
  }
  return n;
}

/** Thrown inside the feedback transaction to roll it back when the dataset would overflow. */
export class FeedbackFull extends Error {
  constructor(
    readonly count: number,
    readonly added: number,
  ) {
    super('feedback dataset full');
  }
}
