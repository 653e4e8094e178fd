import type { RunConfig, SelectionConfig } from "../config/run-config";
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
}

export interface ProblemWorkflowInput {
  runId: string;
  config: RunConfig;
  problem: ProblemEntry;
  /** Where per-problem results are written (the run's results folder). */
  resultsDir: string;
}

export interface RunWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  /** Problems finished by one run of the workflow before it continues as new (default 500). */
  childrenPerHistory?: number;
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
}

export interface RunProgress {
  runId: string;
  total: number | null;
  done: number;
  inFlight: number;
  usage: UsageByStage;
  startedAt: number;
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
