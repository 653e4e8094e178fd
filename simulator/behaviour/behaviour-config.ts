import { z } from "zod";

/**
 * `kind`: the model answers in the prompt's own layout with the reference's method name, one
 * ```python block and nothing else (every realism rate 0). `realistic`: it writes what real code
 * models write (renamed or top-level functions, helpers, main guards, odd or missing fences, prose,
 * <think> blocks, cut-off and empty answers) at the rates of REALISTIC_REALISM.
 */
export const BEHAVIOUR_PROFILES = ["kind", "realistic"] as const;
export type BehaviourProfile = (typeof BEHAVIOUR_PROFILES)[number];

/**
 * How often each disguise is applied to a generation or self-debug answer (one seeded draw per
 * answer and knob, independent of whether the program is correct). See docs/simulator.md,
 * "Behaviour profiles".
 */
export interface RealismRates {
  /** Call-based: the method renamed to the snake_case of its name (maxSum -> max_sum). */
  snakeCaseName: number;
  /** Call-based: the method renamed to `solve` (drawn with snakeCaseName: their sum is at most 1). */
  solveName: number;
  /** Call-based: a top-level function instead of the Solution class (when the method needs no `self`). */
  topLevelFunction: number;
  /** Call-based: an unused `def _helper_…` before the main function and extra imports at the top. */
  helpersAndImports: number;
  /** Stdin: the final `main()` call wrapped in `if __name__ == "__main__":`. */
  mainGuard: number;
  /** Any: the code written as plain text after a sentence of prose, no fence at all. */
  noFence: number;
  /** Any: ```py, ```Python, a bare ``` or ~~~ instead of ```python (drawn with noFence: sum at most 1). */
  wrongFence: number;
  /** Any: a sentence of prose after the code ("This runs in O(n log n) …"). */
  proseAfter: number;
  /** Any: a <think>…</think> block before the answer (only when thinkWords is 0). */
  thinkBlock: number;
  /** Any: the answer cut off mid-code by the token limit (finish_reason "length"). */
  truncated: number;
  /** Any: an empty answer (drawn with truncated: their sum is at most 1). */
  empty: number;
  /** DSPy prompts: plain markdown instead of the [[ ## code ## ]] section layout. */
  markdownOnDspy: number;
}

export const KIND_REALISM: RealismRates = {
  snakeCaseName: 0,
  solveName: 0,
  topLevelFunction: 0,
  helpersAndImports: 0,
  mainGuard: 0,
  noFence: 0,
  wrongFence: 0,
  proseAfter: 0,
  thinkBlock: 0,
  truncated: 0,
  empty: 0,
  markdownOnDspy: 0,
};

export const REALISTIC_REALISM: RealismRates = {
  snakeCaseName: 0.15,
  solveName: 0.05,
  topLevelFunction: 0.15,
  helpersAndImports: 0.15,
  mainGuard: 0.2,
  noFence: 0.05,
  wrongFence: 0.1,
  proseAfter: 0.2,
  thinkBlock: 0.1,
  truncated: 0.03,
  empty: 0.01,
  markdownOnDspy: 0.1,
};

/** The realism rates a profile starts from (`behaviour.realism.*` overrides them one by one). */
export const PROFILE_REALISM: Record<BehaviourProfile, RealismRates> = {
  kind: KIND_REALISM,
  realistic: REALISTIC_REALISM,
};

/** Knobs drawn with one uniform: each group's rates must add up to at most 1. */
const EXCLUSIVE_GROUPS: (keyof RealismRates)[][] = [
  ["snakeCaseName", "solveName"],
  ["noFence", "wrongFence"],
  ["truncated", "empty"],
];

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
  /** The behaviour profile the realism rates started from. */
  profile: BehaviourProfile;
  /** How the written code and its answer are disguised (all 0 under `kind`). */
  realism: RealismRates;
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
  profile: "kind",
  realism: KIND_REALISM,
};

const probability = z.number().min(0).max(1);

const RealismSchema = z
  .object(
    Object.fromEntries(Object.keys(KIND_REALISM).map((key) => [key, probability])) as Record<
      keyof RealismRates,
      typeof probability
    >,
  )
  .strict()
  .partial();

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
    profile: z.enum(BEHAVIOUR_PROFILES),
    realism: RealismSchema,
  })
  .strict()
  .partial();

/**
 * A profile name given outside the configuration file (a command-line flag, an environment
 * variable): `what` names it in the error.
 */
export function parseBehaviourProfile(value: string, what: string): BehaviourProfile {
  if ((BEHAVIOUR_PROFILES as readonly string[]).includes(value)) return value as BehaviourProfile;
  throw new Error(
    `${what}: unknown behaviour profile ${JSON.stringify(value)}; expected one of ${BEHAVIOUR_PROFILES.join(", ")}`,
  );
}

/**
 * The `behaviour` section of a simulator configuration, over the defaults; errors name the key.
 * `behaviour.profile` (default `kind`) chooses the realism rates' defaults, `behaviour.realism.*`
 * overrides single rates.
 */
export function parseBehaviourConfig(raw: unknown, source: string): BehaviourConfig {
  const parsed = BehaviourSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${source}: ${["behaviour", ...i.path.map(String)].join(".")}: ${i.message}`,
    );
    throw new Error(problems.join("\n"));
  }
  const { pCorrect, profile = "kind", realism: overrides, ...rest } = parsed.data;
  const realism: RealismRates = { ...PROFILE_REALISM[profile], ...overrides };
  const problems: string[] = [];
  for (const group of EXCLUSIVE_GROUPS) {
    const sum = group.reduce((total, key) => total + realism[key], 0);
    if (sum > 1 + 1e-9) {
      const key = group.find((k) => overrides?.[k] !== undefined) ?? group[0];
      problems.push(
        `${source}: behaviour.realism.${key}: ${group.join(" + ")} add up to ${sum}, more than 1 (they are drawn together)`,
      );
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return {
    ...DEFAULT_BEHAVIOUR,
    ...rest,
    pCorrect: { ...DEFAULT_BEHAVIOUR.pCorrect, ...pCorrect },
    profile,
    realism,
  };
}
