import type { LedgerEntry } from "../ledger/types";
import {
  addStageUsage,
  NO_USAGE,
  type ProblemOutcome,
  type Stage,
  type StageUsage,
  type UsageByStage,
} from "./pipeline-records";

/** Sandbox time a run's ledger holds. */
export interface SandboxSpend {
  batches: number;
  cpu_seconds: number;
  wall_seconds: number;
  tests: number;
}

/** What a run paid per problem and stage, folded from its ledger entries. */
export interface PaidByProblem {
  llm: Map<string, UsageByStage>;
  sandbox: SandboxSpend;
}

export function emptyPaid(): PaidByProblem {
  return { llm: new Map(), sandbox: { batches: 0, cpu_seconds: 0, wall_seconds: 0, tests: 0 } };
}

/** Adds one ledger entry: the ledger is exact across retries and resumes, results' own counts are not. */
export function addLedgerEntry(paid: PaidByProblem, entry: LedgerEntry): void {
  if (entry.kind === "sandbox") {
    paid.sandbox.batches += 1;
    paid.sandbox.cpu_seconds += entry.cpuSeconds;
    paid.sandbox.wall_seconds += entry.wallSeconds;
    paid.sandbox.tests += entry.tests;
    return;
  }
  const usage = paid.llm.get(entry.problemId) ?? {};
  const stage = entry.stage as Stage;
  usage[stage] = addStageUsage(usage[stage] ?? NO_USAGE, {
    requests: 1,
    prompt: entry.promptTokens,
    completion: entry.completionTokens,
    reasoning: entry.reasoningTokens,
  });
  paid.llm.set(entry.problemId, usage);
}

/**
 * The outcome with its usage as the ledger has it: per stage, what was paid (every attempt,
 * every resumed process), and beside it what the response cache answered (from the results).
 */
export function withPaidUsage(outcome: ProblemOutcome, paid: UsageByStage | undefined): ProblemOutcome {
  const stages = new Set([...Object.keys(outcome.usage), ...Object.keys(paid ?? {})] as Stage[]);
  const usage: UsageByStage = {};
  for (const stage of stages) {
    const ledger = paid?.[stage] ?? NO_USAGE;
    const fromCache = outcome.usage[stage]?.fromCache;
    const entry: StageUsage = {
      requests: ledger.requests,
      prompt: ledger.prompt,
      completion: ledger.completion,
      reasoning: ledger.reasoning,
    };
    if (fromCache) entry.fromCache = fromCache;
    usage[stage] = entry;
  }
  return { ...outcome, usage };
}
