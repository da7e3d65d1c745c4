/**
 * The feedback half of the SQLite store. better-sqlite3 is synchronous and SQLite has
 * one writer: a batch's count, inserts and cap check run in one IMMEDIATE transaction
 * to its end without yielding, so two batches can never both squeeze under the cap.
 */
import type Database from 'better-sqlite3';
import type { FeedbackFilter, FeedbackInsertResult, FeedbackPage, FeedbackPageRequest, FeedbackStore, NewFeedbackExample } from './feedback-records.ts';
import { FEEDBACK_COLUMNS, FeedbackFull, feedbackOf, feedbackParams, feedbackWhere, pageLength, type FeedbackRow } from './feedback-rows.ts';

export class SqliteFeedback implements FeedbackStore {
  readonly #db: Database.Database;
  readonly #s;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = {
      count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM feedback_examples WHERE model = ?'),
      insert: db.prepare(`INSERT INTO feedback_examples (${FEEDBACK_COLUMNS.join(', ')}) VALUES (${FEEDBACK_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (model, sha256) DO NOTHING`),
    };
  }

  async insertFeedback(model: string, examples: readonly NewFeedbackExample[], maxExamples: number): Promise<FeedbackInsertResult> {
    try {
      return this.#db.transaction(() => {
        const before = this.#s.count.get(model)!.n;
        let stored = 0;
        for (const e of examples) stored += this.#s.insert.run(...feedbackParams(model, e)).changes;
        if (before + stored > maxExamples) throw new FeedbackFull(before, stored);
        return { outcome: 'stored' as const, stored, duplicates: examples.length - stored };
      }).immediate();
    } catch (error) {
      if (error instanceof FeedbackFull) return { outcome: 'full', count: error.count, added: error.added, max: maxExamples };
      throw error;
    }
  }

  async feedbackPage(request: FeedbackPageRequest): Promise<FeedbackPage> {
    // One read transaction: the count, the sizes and the rows come from one snapshot.
    return this.#db.transaction(() => {
      const all = feedbackWhere({ model: request.model, version: request.version, installId: request.installId }, () => '?');
      const count = (this.#db.prepare(`SELECT count(*) AS n FROM feedback_examples ${all.sql}`).get(...all.params) as { n: number }).n;
      const from = feedbackWhere(request, () => '?');
      const sizes = this.#db.prepare<unknown[], { seq: number; bytes: number }>(`SELECT seq, bytes FROM feedback_examples ${from.sql} ORDER BY seq LIMIT ?`).all(...from.params, request.limit + 1);
      const n = pageLength(sizes, request.limit, request.maxBytes);
      if (n === 0) return { count, examples: [], next: null };
      const last = sizes[n - 1].seq;
      const rows = this.#db.prepare<unknown[], FeedbackRow>(`SELECT * FROM feedback_examples ${from.sql} AND seq <= ? ORDER BY seq`).all(...from.params, last);
      return { count, examples: rows.map(feedbackOf), next: sizes.length > n ? last : null };
    }).deferred();
  }

  async deleteFeedback(filter: FeedbackFilter): Promise<number> {
    const { sql, params } = feedbackWhere(filter, () => '?');
    return this.#db.prepare(`DELETE FROM feedback_examples ${sql}`).run(...params).changes;
  }
}
