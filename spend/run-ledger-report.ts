import { existsSync } from "node:fs";
import { ledgerTarget, openLedger } from "../ledger/open-ledger";
import {
  type CostBreakdown,
  loadPriceFile,
  type PriceOptions,
  priceTotals,
  selectPriceTable,
} from "../ledger/prices";
import type { SamplesSavedRow, SpendCounts, SpendLedger, Totals } from "../ledger/types";

/** Spend totals in the snake_case shape scripts read (`sstar ledger --json`). */
export interface SpendTotalsJson {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  sandbox_batches: number;
  sandbox_cpu_seconds: number;
  sandbox_wall_seconds: number;
  sandbox_tests: number;
  /** GPU-seconds the GPU meter measured on the endpoints' pods and attributed here (0 outside a cluster). */
  gpu_seconds: number;
  /** The priced part only: usage without a price is listed in `unpriced`, never counted as free. */
  cost_usd: number;
  unpriced: {
    model: string;
    endpoint: string;
    prompt_tokens: number;
    completion_tokens: number;
    reason: string;
  }[];
}

export interface RunLedgerReport {
  run_id: string;
  /** The price table version the costs were computed with (at report time). */
  price_version: string;
  totals: SpendTotalsJson;
  /** One row per (stage, role); sandbox batches have no role (`null`). */
  rows: ({ stage: string; role: string | null } & SpendTotalsJson)[];
  /**
   * What an adaptive budget did not draw, per budget setting (absent for a fixed-budget run). The
   * tokens are an estimate: the run's mean completion tokens of generation and debugging per drawn
   * sample, times the samples not drawn; they are never part of the totals.
   */
  samples_saved?: SamplesSavedJson[];
}

export interface SamplesSavedJson {
  budget_setting: string;
  problems: number;
  samples_budget: number;
  samples_drawn: number;
  samples_saved: number;
  stopped: Record<string, number>;
  est_completion_tokens_saved: number;
}

/** Stages whose spend grows with the samples drawn: what a sample not drawn would have cost. */
const PER_SAMPLE_STAGES = new Set(["generate", "refine"]);

function samplesSavedJson(saved: SamplesSavedRow[], byStage: Totals): SamplesSavedJson[] {
  const perSample = byStage.rows
    .filter((r) => PER_SAMPLE_STAGES.has(r.key.stage ?? ""))
    .reduce((sum, r) => sum + r.completionTokens, 0);
  const drawn = saved.reduce((sum, r) => sum + r.samplesDrawn, 0);
  const mean = drawn > 0 ? perSample / drawn : 0;
  return saved.map((r) => ({
    budget_setting: r.budgetSetting,
    problems: r.problems,
    samples_budget: r.samplesBudget,
    samples_drawn: r.samplesDrawn,
    samples_saved: r.samplesSaved,
    stopped: r.stopped,
    est_completion_tokens_saved: Math.round(mean * r.samplesSaved),
  }));
}

function totalsJson(counts: SpendCounts, cost: CostBreakdown): SpendTotalsJson {
  return {
    requests: counts.requests,
    prompt_tokens: counts.promptTokens,
    completion_tokens: counts.completionTokens,
    cached_tokens: counts.cachedTokens,
    reasoning_tokens: counts.reasoningTokens,
    sandbox_batches: counts.sandboxBatches,
    sandbox_cpu_seconds: counts.cpuSeconds,
    sandbox_wall_seconds: counts.wallSeconds,
    sandbox_tests: counts.tests,
    gpu_seconds: counts.gpuSeconds,
    cost_usd: cost.totalUsd,
    unpriced: cost.unpriced.map((u) => ({
      model: u.model,
      endpoint: u.endpoint,
      prompt_tokens: u.promptTokens,
      completion_tokens: u.completionTokens,
      reason: u.reason,
    })),
  };
}

const NO_COUNTS: SpendCounts = {
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  sandboxBatches: 0,
  cpuSeconds: 0,
  wallSeconds: 0,
  tests: 0,
  gpuSeconds: 0,
};

/** A run's ledger totals per stage and role and for the whole run, priced with the default price table. */
export function runLedgerReport(
  byStageRole: Totals,
  whole: Totals,
  options: PriceOptions = {},
  saved: SamplesSavedRow[] = [],
): RunLedgerReport {
  const table = selectPriceTable(loadPriceFile());
  const rows = priceTotals(byStageRole, table, options).rows;
  const total = priceTotals(whole, table, options);
  return {
    run_id: whole.runId,
    price_version: table.version,
    totals: totalsJson(whole.rows[0] ?? NO_COUNTS, total.total),
    rows: rows.map((row) => ({
      stage: row.key.stage ?? "",
      role: row.key.role ?? null,
      ...totalsJson(row, row.cost),
    })),
    ...(saved.length ? { samples_saved: samplesSavedJson(saved, byStageRole) } : {}),
  };
}

/**
 * Reads a run's report from the deployment's ledger (SQLite in the data folder, or
 * SSTAR_LEDGER_URL). A missing SQLite file is an empty ledger: reading never creates one.
 */
export async function readRunLedgerReport(
  dataDir: string,
  runId: string,
  options: PriceOptions = {},
): Promise<RunLedgerReport> {
  const target = ledgerTarget(dataDir, process.env.SSTAR_LEDGER_URL || undefined);
  const empty: Totals = { runId, groupBy: [], rows: [] };
  if (target.kind === "sqlite" && !existsSync(target.path)) return runLedgerReport(empty, empty, options);
  const ledger: SpendLedger = await openLedger(target);
  try {
    return runLedgerReport(
      await ledger.totals(runId, { groupBy: ["stage", "role"] }),
      await ledger.totals(runId),
      options,
      await ledger.samplesSaved(runId),
    );
  } finally {
    await ledger.close();
  }
}
