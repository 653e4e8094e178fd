import type { RunConfig, SelectionConfig } from "../config/run-config";
import type { CapEvent, StageRates } from "../method/budget-caps";
import type { ContentRef } from "../store/content-store";

/**
 * What travels through workflow history: small records and content refs. Problems, programs,
 * completions and execution outputs stay in the content store.
 */

/** LLM spend stages, as the method doc §7 names them. */
export type Stage = "generate" | "refine" | "test_inputs" | "adaptive_inputs" | "judge" | "fallback_judge";

export interface StageUsage {
  requests: number;
  prompt: number;
  completion: number;
  reasoning: number;
}

export type UsageByStage = Partial<Record<Stage, StageUsage>>;

export const NO_USAGE: StageUsage = { requests: 0, prompt: 0, completion: 0, reasoning: 0 };

export function addStageUsage(a: StageUsage, b: StageUsage): StageUsage {
  return {
    requests: a.requests + b.requests,
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    reasoning: a.reasoning + b.reasoning,
  };
}

export function mergeUsage(a: UsageByStage, b: UsageByStage): UsageByStage {
  const merged: UsageByStage = { ...a };
  for (const [stage, u] of Object.entries(b) as [Stage, StageUsage][]) {
    merged[stage] = addStageUsage(merged[stage] ?? NO_USAGE, u);
  }
  return merged;
}

export interface ProblemEntry {
  id: string;
  ref: ContentRef;
  difficulty: string;
}

/** One round of one sample: the program it produced and how it did on the public tests. */
export interface SampleRound {
  round: number;
  /** Absent when the answer could not be parsed after the configured retries. */
  codeRef?: ContentRef;
  parseError?: string;
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

export interface ProblemOutcome {
  problemId: string;
  difficulty: string;
  samples: number;
  rounds: number;
  methods: MethodResult[];
  /** Oracle per round: does any sample's program as of that round pass the hidden tests? */
  oracleByRound: boolean[];
  /** Share of samples whose program as of each round passes (for pass@k estimates). */
  correctByRound: number[];
  usage: UsageByStage;
  recordRef: ContentRef;
  /** The spend cap that changed how this problem ran: which, its value against the limit, where, and what was done. */
  capped?: CapEvent;
}

export interface ProblemWorkflowInput {
  runId: string;
  config: RunConfig;
  problem: ProblemEntry;
  /** Where per-problem results are written (the run's results folder). */
  resultsDir: string;
  /**
   * The grid when this run serves a sweep: each sample round is paid by the smallest setting that
   * uses it (method/sweep-grid.ts `payingPoint`), which is the budget setting its spend belongs to.
   */
  sweepGrid?: { n: number[]; rounds: number[] };
  /** Per-stage dollar rates for `costUsd` caps, resolved by the run before it starts problems. */
  capRates?: StageRates;
  /** A run cap reached before this problem started, whose action (`stop_refining`, `skip_tournament`) applies from its start. */
  runCap?: CapEvent;
}

export interface RunWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  /** Problems finished by one run of the workflow before it continues as new (default 500). */
  childrenPerHistory?: number;
  /** The grid when this run serves a sweep (passed to every problem). */
  sweepGrid?: { n: number[]; rounds: number[] };
  /** Carried across continue-as-new. */
  state?: RunState;
}

export interface RunState {
  listRef?: ContentRef;
  total?: number;
  nextOffset: number;
  done: number;
  usage: UsageByStage;
  startedAt: number;
  /** Per-stage dollar rates, when a cap is priced in dollars. */
  capRates?: StageRates;
  /** The run cap, once reached. */
  runCap?: CapEvent;
}

export interface RunProgress {
  runId: string;
  total: number | null;
  done: number;
  inFlight: number;
  usage: UsageByStage;
  startedAt: number;
}

/** `sstar sweep`: one run at the grid's largest N and R, then every setting's selection. */
export interface SweepWorkflowInput {
  /** The run's id: the sweep's single run (at the largest N and R) is an ordinary run. */
  runId: string;
  /** The run's configuration: the largest N and R, no selection (the sweep selects per setting). */
  config: RunConfig;
  resultsDir: string;
  grid: { n: number[]; rounds: number[]; methods: SelectionConfig[] };
  childrenPerHistory?: number;
}

/** One problem of a sweep: its record from the sweep's run, selected at every setting of the grid. */
export interface SweepProblemWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  grid: SweepWorkflowInput["grid"];
  recordRef: ContentRef;
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

export interface ReselectWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  method: SelectionConfig;
}

/** A stable, readable label of a selection method and its options, used as its key in results. */
export function methodLabel(method: SelectionConfig): string {
  const options = Object.entries(method)
    .filter(([k]) => k !== "method")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
  return options ? `${method.method}(${options})` : method.method;
}
