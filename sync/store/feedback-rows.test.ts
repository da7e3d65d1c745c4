import { describe, expect, it } from 'vitest';
import { feedbackWhere, pageLength } from './feedback-rows.ts';

describe('pageLength', () => {
  const sizes = (...bytes: number[]) => bytes.map((b) => ({ bytes: b }));
  const cases: Array<[string, number[], number, number, number]> = [
    ['all fit', [10, 10, 10], 5, 100, 3],
    ['the limit stops first', [10, 10, 10], 2, 100, 2],
    ['the byte budget stops first', [40, 40, 40], 5, 100, 2],
    ['exactly the budget', [50, 50, 1], 5, 100, 2],
    ['the first is always taken, even over the budget', [500, 1], 5, 100, 1],
    ['nothing left', [], 5, 100, 0],
  ];
  for (const [what, bytes, limit, maxBytes, expected] of cases) {
    it(`${what}: ${expected}`, () => expect(pageLength(sizes(...bytes), limit, maxBytes)).toBe(expected));
  }
});

describe('feedbackWhere', () => {
  it('filters by model, then each given field, with the driver placeholders', () => {
    expect(feedbackWhere({ model: 'm' }, () => '?')).toEqual({ sql: 'WHERE model = ?', params: ['m'] });
    expect(feedbackWhere({ model: 'm', version: '1.0.0', installId: 'i', after: 7 }, (n) => `$${n}`)).toEqual({
      sql: 'WHERE model = $1 AND version = $2 AND install_id = $3 AND seq > $4',
      params: ['m', '1.0.0', 'i', 7],
    });
  });
});
