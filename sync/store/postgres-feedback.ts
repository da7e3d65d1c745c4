/**
 * The feedback half of the PostgreSQL store. Several endpoint replicas may store into
 * one model's dataset at once: a transaction-scoped advisory lock per model serialises
 * them, so the count the cap is checked against is the count the commit leaves (two
 * batches cannot both squeeze under it), and the model's sequence numbers commit in
 * order (a cursor never passes an example that commits later). A batch is one
 * statement: the examples go in through `unnest`, each once by its content id.
 */
import type pg from 'pg';
import type { FeedbackFilter, FeedbackInsertResult, FeedbackPage, FeedbackPageRequest, FeedbackStore, NewFeedbackExample } from './feedback-records.ts';
import { FEEDBACK_COLUMNS, FeedbackFull, feedbackOf, feedbackParams, feedbackWhere, pageLength, type FeedbackRow } from './feedback-rows.ts';

type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>, mode?: string) => Promise<T>;

/** The PostgreSQL type of each column after `model`, in {@link FEEDBACK_COLUMNS} order. */
const COLUMN_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'bytea'] as const;
const COLUMNS = FEEDBACK_COLUMNS.slice(1);

const INSERT_SQL = `
INSERT INTO feedback_examples (${FEEDBACK_COLUMNS.join(', ')})
SELECT $1, ${COLUMNS.map((c) => `e.${c}`).join(', ')}
FROM unnest(${COLUMN_TYPES.map((type, i) => `$${i + 2}::${type}[]`).join(', ')}) WITH ORDINALITY AS e(${COLUMNS.join(', ')}, n)
ORDER BY e.n
ON CONFLICT (model, sha256) DO NOTHING`;

/** The model's lock key: a 64-bit hash of a prefixed name (a collision with another lock only serialises more). */
const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('feedback:' || $1, 0))";

export class PostgresFeedback implements FeedbackStore {
  constructor(
    readonly pool: pg.Pool,
    readonly transaction: Transaction,
  ) {}

  async insertFeedback(model: string, examples: readonly NewFeedbackExample[], maxExamples: number): Promise<FeedbackInsertResult> {
    const rows = examples.map((e) => feedbackParams(model, e).slice(1));
    const columns = COLUMNS.map((_, c) => rows.map((row) => row[c]));
    try {
      return await this.transaction(async (client) => {
        await client.query(LOCK_SQL, [model]);
        const before = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM feedback_examples WHERE model = $1', [model])).rows[0].n;
        const stored = (await client.query(INSERT_SQL, [model, ...columns])).rowCount ?? 0;
        if (before + stored > maxExamples) throw new FeedbackFull(before, stored);
        return { outcome: 'stored' as const, stored, duplicates: examples.length - stored };
      });
    } catch (error) {
      if (error instanceof FeedbackFull) return { outcome: 'full', count: error.count, added: error.added, max: maxExamples };
      throw error;
    }
  }

  feedbackPage(request: FeedbackPageRequest): Promise<FeedbackPage> {
    return this.transaction(async (client) => {
      const all = feedbackWhere({ model: request.model, version: request.version, installId: request.installId }, (n) => `$${n}`);
      const count = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM feedback_examples ${all.sql}`, all.params)).rows[0].n;
      const from = feedbackWhere(request, (n) => `$${n}`);
      const sizes = (await client.query<{ seq: string; bytes: number }>(`SELECT seq, bytes FROM feedback_examples ${from.sql} ORDER BY seq LIMIT $${from.params.length + 1}`, [...from.params, request.limit + 1])).rows;
      const n = pageLength(sizes, request.limit, request.maxBytes);
      if (n === 0) return { count, examples: [], next: null };
      const last = Number(sizes[n - 1].seq);
      const rows = await client.query<FeedbackRow>(`SELECT * FROM feedback_examples ${from.sql} AND seq <= $${from.params.length + 1} ORDER BY seq`, [...from.params, last]);
      return { count, examples: rows.rows.map(feedbackOf), next: sizes.length > n ? last : null };
    }, 'ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async deleteFeedback(filter: FeedbackFilter): Promise<number> {
    const { sql, params } = feedbackWhere(filter, (n) => `$${n}`);
    return (await this.pool.query(`DELETE FROM feedback_examples ${sql}`, params)).rowCount ?? 0;
  }
}
