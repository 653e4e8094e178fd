/** How the simulated code model behaves. Every probability is per request choice. */
export interface BehaviourConfig {
  /** Round 0: probability that a generated program is correct, per difficulty. */
  pCorrect: { easy: number; medium: number; hard: number };
  /** Refinement: probability that a fixed program is correct. */
  qFix: number;
  /** Judging: probability of picking the correct program when exactly one of the two is correct. */
  rJudge: number;
  /** Share of judge answers that cannot be parsed (no best_sample_idx). */
  unparsableJudgeRate: number;
  /** Test inputs: share of proposed tests drawn from the hidden tests (the rest from the public ones). */
  hiddenInputShare: number;
  /** Number of tests proposed by the test-input generator. */
  testsPerAnswer: number;
  /** Share of proposed tests that are malformed (broken JSON / missing Output:). */
  malformedTestRate: number;
  /** Share of predicted outputs in proposed tests that are wrong (a model's guess). */
  wrongPredictionRate: number;
  /** Words of <think>…</think> reasoning before each answer, like a reasoning model; 0 for none. */
  thinkWords: number;
}

export const DEFAULT_BEHAVIOUR: BehaviourConfig = {
  pCorrect: { easy: 0.7, medium: 0.45, hard: 0.2 },
  qFix: 0.3,
  rJudge: 0.8,
  unparsableJudgeRate: 0.02,
  hiddenInputShare: 0.8,
  testsPerAnswer: 6,
  malformedTestRate: 0.05,
  wrongPredictionRate: 0.1,
  thinkWords: 0,
};
