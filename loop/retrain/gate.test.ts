import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, judgeGate } from './gate.ts';

const figures = { parentTest: 0.95, candidateTest: 0.945, parentFeedback: 0.4, candidateFeedback: 0.8, feedbackExamples: 60 };

describe('judgeGate', () => {
  it('passes a candidate within the test tolerance and better on the feedback hold-out', () => {
    expect(judgeGate(figures)).toMatchObject({ passed: true, reasons: [], rule: DEFAULT_GATE });
  });

  it.each([
    ['worse on the test split', { candidateTest: 0.93 }, /worse on the parent's test split: 93\.0 % vs 95\.0 %/],
    ['no better on the feedback', { candidateFeedback: 0.42 }, /not better on the feedback hold-out: 42\.0 % vs 40\.0 % \(needs \+5\.0 %\)/],
    ['too little feedback', { feedbackExamples: 5 }, /only 5 held-out feedback examples; the gate needs 20/],
  ])('fails a candidate %s, saying why', (_, change, reason) => {
    const decision = judgeGate({ ...figures, ...change });
    expect(decision.passed).toBe(false);
    expect(decision.reasons.join('; ')).toMatch(reason);
  });

  it('takes a stated rule', () => {
    expect(judgeGate({ ...figures, candidateTest: 0.93 }, { ...DEFAULT_GATE, testTolerance: 0.03 }).passed).toBe(true);
  });
});
