import { z } from "zod";

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

const probability = z.number().min(0).max(1);

const BehaviourSchema = z
  .object({
    pCorrect: z.object({ easy: probability, medium: probability, hard: probability }).strict().partial(),
    qFix: probability,
    rJudge: probability,
    unparsableJudgeRate: probability,
    hiddenInputShare: probability,
    testsPerAnswer: z.number().int().min(1).max(100),
    malformedTestRate: probability,
    wrongPredictionRate: probability,
    thinkWords: z.number().int().min(0).max(100_000),
  })
  .strict()
  .partial();

/** The `behaviour` section of a simulator configuration, over the defaults; errors name the key. */
export function parseBehaviourConfig(raw: unknown, source: string): BehaviourConfig {
  const parsed = BehaviourSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${source}: ${["behaviour", ...i.path.map(String)].join(".")}: ${i.message}`,
    );
    throw new Error(problems.join("\n"));
  }
  const { pCorrect, ...rest } = parsed.data;
  return { ...DEFAULT_BEHAVIOUR, ...rest, pCorrect: { ...DEFAULT_BEHAVIOUR.pCorrect, ...pCorrect } };
}
