import type { CapsConfig, SelectionConfig } from "../config/run-config";
import type { ContentRef } from "../store/content-store";

/**
 * The pipeline's domain records: spend by stage, samples and their rounds, selection and problem
 * outcomes. Pure data shared by the method, the activities and the workflows; what travels through
 * workflow history is built from these (small records and content refs).
 */

/** LLM spend stages, as the method doc §7 names them. */
export type Stage =
  | "generate"
  | "refine"
  | "reask"
  | "test_inputs"
  | "adaptive_inputs"
  | "judge"
  | "fallback_judge";

/** LLM requests and tokens. */
export interface TokenCounts {
  requests: number;
  prompt: number;
  completion: number;
  reasoning: number;
}

/** What a stage paid, and apart from it what the response cache answered without paying again. */
export interface StageUsage extends TokenCounts {
  /** The cached answers' price when they were paid (absent when the cache answered nothing). */
  fromCache?: TokenCounts;
}

export type UsageByStage = Partial<Record<Stage, StageUsage>>;

export const NO_USAGE: StageUsage = { requests: 0, prompt: 0, completion: 0, reasoning: 0 };

export function addTokenCounts(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    requests: a.requests + b.requests,
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    reasoning: a.reasoning + b.reasoning,
  };
}

export function addStageUsage(a: StageUsage, b: StageUsage): StageUsage {
  const sum: StageUsage = addTokenCounts(a, b);
  if (a.fromCache || b.fromCache)
    sum.fromCache = addTokenCounts(a.fromCache ?? NO_USAGE, b.fromCache ?? NO_USAGE);
  return sum;
}

export function mergeUsage(a: UsageByStage, b: UsageByStage): UsageByStage {
  const merged: UsageByStage = { ...a };
  for (const [stage, u] of Object.entries(b) as [Stage, StageUsage][]) {
    merged[stage] = addStageUsage(merged[stage] ?? NO_USAGE, u);
  }
  return merged;
}

/** Dollars per million tokens of one stage's model. */
export interface TokenRates {
  inputPer1M: number;
  outputPer1M: number;
}

/**
 * Each stage's rates, resolved from the price table before the run (by an activity), so that a
 * workflow can price its own usage without I/O.
 */
export type StageRates = Partial<Record<Stage, TokenRates>>;

export type CapLimits = NonNullable<CapsConfig["problem"]>;

/** A cap that was reached: which one, the spend against its limit, where, and what was done. */
export interface CapEvent {
  scope: "problem" | "run";
  cap: "tokens" | "costUsd";
  value: number;
  limit: number;
  /** The step that did not go ahead as configured: a debug round, a selection method, or a problem's start. */
  stage: "refine" | "select" | "start";
  /** The debug round not run (for `refine`). */
  round?: number;
  /** The problems finished when a run cap was reached. */
  afterProblems?: number;
  action: CapsConfig["onProblemCap"] | CapsConfig["onRunCap"];
}

export interface ProblemEntry {
  id: string;
  ref: ContentRef;
  difficulty: string;
}

/** One round of one sample: the program it produced and how it did on the public tests. */
export interface SampleRound {
  round: number;
  /** The program; empty code when the answer could not be parsed (then `parseError` says why). */
  codeRef?: ContentRef;
  parseError?: string;
  /** The program loaded but has no function the tests can call (docs/entry-points.md). */
  noEntryPoint?: boolean;
  /** The model's reasoning (DSPy field or text around the code), for the debug trace. */
  reasoningRef?: ContentRef;
  publicPassed: number;
  publicTotal: number;
  /** The feedback string on the public tests, for the next debug round. */
  feedbackRef?: ContentRef;
  /**
   * This round's own tokens (its share of a batched generation, its refinement call, its parse
   * retries): what a sweep attributes to the settings that use the round. Absent in older records.
   */
  usage?: StageUsage;
  /**
   * Refinement against generated tests (`budget.selfDebugDecision: refine`, docs/refine-decision.md):
   * on the round that entered it, what its program did on the generated tests; on a refine round,
   * the test it targeted and whether its program was accepted. A rolled-back round has no `codeRef`
   * (the sample keeps its last accepted program); its attempt is `refine.attemptCodeRef`.
   */
  refine?: RefineRoundRecord;
}

/** Why a refine round's program was not accepted (the first reason that applies). */
export type RefineRollback = "public_regressed" | "anchor_broken" | "target_failed";

/** A sample's refinement state after a round, by index into the problem's generated tests. */
export interface RefineRoundRecord {
  /** The problem's generated tests (a JSON list of runnable tests) that the indices refer to. */
  testsRef: ContentRef;
  /** The generated test this round tried to fix; absent on the round that entered refinement. */
  target?: number;
  accepted?: boolean;
  rollback?: RefineRollback;
  /** A rolled-back round's program (an accepted one is the round's `codeRef`). */
  attemptCodeRef?: ContentRef;
  /** What the trace shows after this round's public feedback: the anchors' messages (kept rounds only). */
  feedbackRef?: ContentRef;
  /** Tests the sample's program passes and every later program must keep passing, in order. */
  anchors: number[];
  /** Failing tests still to try, in order: the first is the next target. */
  remaining: number[];
  /** Bad tests set aside (an error mentioning "required positional argument", or no predicted output). */
  discarded: number[];
}

export interface SampleHistory {
  index: number;
  rounds: SampleRound[];
}

export interface SelectionCandidateRef {
  index: number;
  codeRef: ContentRef;
  publicScore: number;
}

export interface MethodResult {
  label: string;
  selected: number | null;
  passed: boolean;
  reason: string;
  recordRef?: ContentRef;
}

/** A problem's verdicts under another grader than the run's. */
export interface AlsoGradedOutcome {
  /** Whether each method's selected program passes, by method label. */
  methods: Record<string, boolean>;
  oracleByRound: boolean[];
  correctByRound: number[];
}

export interface ProblemOutcome {
  problemId: string;
  difficulty: string;
  /** Absent for a problem that ran to the end (passed or failed per method); `errored`: see `error`. */
  status?: "errored";
  /** Why the problem errored: stage, error class, message, what the retries concluded. */
  error?: import("./problem-error").ProblemError;
  samples: number;
  rounds: number;
  methods: MethodResult[];
  /** Oracle per round: does any sample's program as of that round pass the hidden tests? */
  oracleByRound: boolean[];
  /** Share of samples whose program as of each round passes (for pass@k estimates). */
  correctByRound: number[];
  usage: UsageByStage;
  recordRef: ContentRef;
  /** Final candidates whose answer could not be parsed (kept as empty code), and those with no function to call. */
  unparsable?: number;
  noEntryPoint?: number;
  /** The same verdicts under each further grader (`alsoGrade`), e.g. `ref` beside `lcb`. */
  alsoGraded?: Record<string, AlsoGradedOutcome>;
  /** The spend cap that changed how this problem ran: which, its value against the limit, where, and what was done. */
  capped?: CapEvent;
  /** Under the adaptive budget policy: what was drawn against the fixed budget, and why it stopped. */
  adaptive?: AdaptiveOutcome;
}

export interface AdaptiveOutcome {
  samplesDrawn: number;
  samplesBudget: number;
  waves: number;
  stop: "budget" | "settled" | "hopeless";
  detail: string;
}

/** One setting's result on one problem of a sweep. */
export interface SweepSettingOutcome {
  n: number;
  rounds: number;
  method: string;
  selected: number | null;
  passed: boolean;
  reason: string;
  /** The selection calls paid in this sweep for this setting. */
  paid: UsageByStage;
  /** The selection calls' price had this setting run alone (cached answers counted at their price). */
  standalone: UsageByStage;
}

export interface SweepProblemOutcome {
  problemId: string;
  difficulty: string;
  settings: SweepSettingOutcome[];
}

/** A stable, readable label of a selection method and its options, used as its key in results. */
export function methodLabel(method: SelectionConfig): string {
  const options = Object.entries(method)
    .filter(([k]) => k !== "method")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
  return options ? `${method.method}(${options})` : method.method;
}
