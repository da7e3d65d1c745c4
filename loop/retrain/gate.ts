/**
 * The retraining gate: a candidate replaces its parent only when it is not worse on the
 * parent's own test split (within a stated tolerance) and better on the examples the
 * field says the parent gets wrong (the held-out part of the shared feedback, i.e. the
 * drifted slice). Pure: the figures come in, the decision and its words go out.
 */

/** The gate's rule. */
export interface GateRule {
  /** How much accuracy on the parent's test split the candidate may lose. @defaultValue 0.01 */
  testTolerance: number;
  /** How much accuracy on the feedback hold-out the candidate must gain. @defaultValue 0.05 */
  minFeedbackGain: number;
  /** Fewest held-out feedback examples to judge on. @defaultValue 20 */
  minFeedbackExamples: number;
}

export const DEFAULT_GATE: Readonly<GateRule> = Object.freeze({ testTolerance: 0.01, minFeedbackGain: 0.05, minFeedbackExamples: 20 });

/** Accuracies of parent and candidate on both sets. */
export interface GateFigures {
  parentTest: number;
  candidateTest: number;
  parentFeedback: number;
  candidateFeedback: number;
  /** Held-out feedback examples judged. */
  feedbackExamples: number;
}

/** The decision, with its figures and why. */
export interface GateDecision extends GateFigures {
  passed: boolean;
  rule: GateRule;
  reasons: string[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Judges the figures by the rule. */
export function judgeGate(figures: GateFigures, rule: GateRule = DEFAULT_GATE): GateDecision {
  const reasons: string[] = [];
  if (figures.feedbackExamples < rule.minFeedbackExamples) reasons.push(`only ${figures.feedbackExamples} held-out feedback examples; the gate needs ${rule.minFeedbackExamples}`);
  if (figures.candidateTest < figures.parentTest - rule.testTolerance) {
    reasons.push(`worse on the parent's test split: ${pct(figures.candidateTest)} vs ${pct(figures.parentTest)} (tolerance ${pct(rule.testTolerance)})`);
  }
  if (figures.candidateFeedback < figures.parentFeedback + rule.minFeedbackGain) {
    reasons.push(`not better on the feedback hold-out: ${pct(figures.candidateFeedback)} vs ${pct(figures.parentFeedback)} (needs +${pct(rule.minFeedbackGain)})`);
  }
  return { ...figures, passed: reasons.length === 0, rule, reasons };
}
