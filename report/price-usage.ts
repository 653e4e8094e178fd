/**
 * Pricing usage that did not come from a ledger query: per-stage tokens from run results (each
 * stage is played by one configured role, hence one model and endpoint) and settings' usage. The
 * arithmetic is the ledger's own `priceTotals`, so both price the same way.
 */
import type { RunConfig } from "../config/run-config";
import { type CostBreakdown, type PriceOptions, type PriceTable, priceTotals } from "../ledger/prices";
import type { ModelUsage, TotalsRow } from "../ledger/types";
import type { Stage } from "../method/pipeline-records";
import { ROLE_OF_STAGE } from "../method/run-summary";

/** Tokens of one stage, in the shape results and summaries keep them. */
export interface StageTokens {
  requests: number;
  prompt: number;
  completion: number;
  reasoning?: number;
}

/**
 * Per-stage tokens as usage per (model, endpoint), through the configuration's roles (a role that
 * is not configured is played by the generator, as in the pipeline). Unknown stages are the generator's.
 */
export function usageOfStages(
  byStage: Partial<Record<string, StageTokens>>,
  roles: RunConfig["roles"],
): ModelUsage[] {
  const byModel = new Map<string, ModelUsage>();
  for (const [stage, t] of Object.entries(byStage)) {
    if (!t) continue;
    const roleName = ROLE_OF_STAGE[stage as Stage] ?? "generator";
    const role = roles[roleName] ?? roles.generator;
    const key = `${role.model}\u0000${role.endpoint}`;
    const u = byModel.get(key) ?? {
      model: role.model,
      endpoint: role.endpoint,
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      reasoningTokens: 0,
      gpuSeconds: 0,
    };
    u.requests += t.requests;
    u.promptTokens += t.prompt;
    u.completionTokens += t.completion;
    u.reasoningTokens += t.reasoning ?? 0;
    byModel.set(key, u);
  }
  return [...byModel.values()].sort((a, b) =>
    a.model === b.model ? a.endpoint.localeCompare(b.endpoint) : a.model.localeCompare(b.model),
  );
}

/** The cost of LLM usage plus sandbox CPU time under a price table. */
export function priceUsage(
  usage: readonly ModelUsage[],
  sandboxCpuSeconds: number,
  table: PriceTable,
  options: PriceOptions = {},
): CostBreakdown {
  const sum = (f: (u: ModelUsage) => number) => usage.reduce((s, u) => s + f(u), 0);
  const row: TotalsRow = {
    key: {},
    usage: [...usage],
    requests: sum((u) => u.requests),
    promptTokens: sum((u) => u.promptTokens),
    completionTokens: sum((u) => u.completionTokens),
    cachedTokens: sum((u) => u.cachedTokens),
    reasoningTokens: sum((u) => u.reasoningTokens),
    sandboxBatches: 0,
    cpuSeconds: sandboxCpuSeconds,
    wallSeconds: 0,
    tests: 0,
    gpuSeconds: sum((u) => u.gpuSeconds),
  };
  return priceTotals({ runId: "", groupBy: [], rows: [row] }, table, options).total;
}
