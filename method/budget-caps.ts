import type { CapsConfig, SelectionConfig } from "../config/run-config";
import type { CapEvent, CapLimits, Stage, StageRates, StageUsage, UsageByStage } from "./pipeline-records";

export type { CapEvent, CapLimits, StageRates, TokenRates } from "./pipeline-records";

/** Prompt plus completion tokens (reasoning tokens are part of completion tokens). */
export function usageTokens(usage: UsageByStage): number {
  return Object.values(usage).reduce((sum, u) => sum + (u ? u.prompt + u.completion : 0), 0);
}

/** Dollars of a usage: prompt tokens at the input rate (no provider prompt-cache discount), completion at the output rate. */
export function usageCostUsd(usage: UsageByStage, rates: StageRates): number {
  return (Object.entries(usage) as [Stage, StageUsage][]).reduce((sum, [stage, u]) => {
    const r = rates[stage] ?? { inputPer1M: 0, outputPer1M: 0 };
    return sum + (u.prompt * r.inputPer1M + u.completion * r.outputPer1M) / 1e6;
  }, 0);
}

/** The first of the limits that the usage has reached (tokens, then cost), if any. */
export function capReached(
  usage: UsageByStage,
  limits: CapLimits | undefined,
  rates: StageRates,
): Pick<CapEvent, "cap" | "value" | "limit"> | undefined {
  if (!limits) return undefined;
  const tokens = usageTokens(usage);
  if (limits.tokens !== undefined && tokens >= limits.tokens)
    return { cap: "tokens", value: tokens, limit: limits.tokens };
  if (limits.costUsd !== undefined) {
    const cost = usageCostUsd(usage, rates);
    if (cost >= limits.costUsd)
      return { cap: "costUsd", value: Math.round(cost * 1e6) / 1e6, limit: limits.costUsd };
  }
  return undefined;
}

/** Whether any cap is priced in dollars (then the run resolves rates first). */
export function needsRates(caps: CapsConfig | undefined): boolean {
  return caps?.problem?.costUsd !== undefined || caps?.run?.costUsd !== undefined;
}

/** Selection methods that call an LLM: the ones `skip_tournament` replaces with public-test selection. */
export function selectionCallsLlm(method: SelectionConfig): boolean {
  return [
    "sstar",
    "majority_vote",
    "llm_judge",
    "generated_tests",
    "timeout_tests",
    "generated_tests_majority_llm",
  ].includes(method.method);
}

/** A problem's cap state: starts from the run's cap (if one applies) and checks the problem's own limits between steps. */
export class ProblemCapCheck {
  private event: CapEvent | undefined;

  constructor(
    private readonly caps: CapsConfig | undefined,
    private readonly rates: StageRates,
    runCap?: CapEvent,
  ) {
    this.event = runCap;
  }

  /** The cap in force before `stage` (and `round`) given the problem's usage so far, recording where it was first reached. */
  check(usage: UsageByStage, stage: "refine" | "select", round?: number): CapEvent | undefined {
    if (this.event || !this.caps?.problem) return this.event;
    // With `stop_refining` nothing changes at selection, so the cap is only looked for before debug rounds.
    if (stage === "select" && this.caps.onProblemCap !== "skip_tournament") return undefined;
    const hit = capReached(usage, this.caps.problem, this.rates);
    if (hit)
      this.event = {
        scope: "problem",
        ...hit,
        stage,
        ...(round === undefined ? {} : { round }),
        action: this.caps.onProblemCap,
      };
    return this.event;
  }

  get reached(): CapEvent | undefined {
    return this.event;
  }
}

/** Problems a stopped run never started, and why (`<run dir>/not-run.json`). */
export interface NotRunFile {
  runCap: CapEvent;
  problems: { id: string; difficulty: string }[];
}

/** The run summary's account of caps: where and why each one changed the run. */
export interface CapsSummary {
  /** The run cap, if reached: its value against the limit, after how many problems, and the action. */
  run?: CapEvent;
  /** Problems that ran under a cap (their own or the run's), with where it applied. */
  problems_capped: ({ problem_id: string } & CapEvent)[];
  /** Problems not run because the run stopped (listed in not-run.json). */
  not_run: number;
}

export function capsSummary(
  outcomes: { problemId: string; capped?: CapEvent }[],
  notRun: NotRunFile | undefined,
): CapsSummary {
  const runCap = notRun?.runCap ?? outcomes.find((o) => o.capped?.scope === "run")?.capped;
  return {
    ...(runCap ? { run: runCap } : {}),
    problems_capped: outcomes.flatMap((o) => (o.capped ? [{ problem_id: o.problemId, ...o.capped }] : [])),
    not_run: notRun?.problems.length ?? 0,
  };
}
