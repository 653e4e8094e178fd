import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { readRunThroughput } from "../../llm/endpoint-throughput";
import {
  type RunLedgerReport,
  readRunLedgerReport,
  type SpendTotalsJson,
} from "../../spend/run-ledger-report";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { formatTable } from "../table";
import { resultsDirOf } from "./run";

export function registerLedger(program: Command): void {
  program
    .command("ledger")
    .description(
      "a run's spend from the ledger per stage and role: requests, prompt, completion, cached and reasoning tokens, sandbox CPU and wall seconds, metered GPU seconds, cost at today's default prices",
    )
    .argument("<run>", "the run id (a folder under <data-dir>/runs)")
    .option(
      "--json",
      "one JSON object: run_id, price_version, totals (prompt_tokens, completion_tokens, …), rows per stage and role, and samples_saved for an adaptive budget",
    )
    .action(async (runId: string, options: { json?: boolean }) => {
      const { dataDir } = program.opts<GlobalOptions>();
      if (!existsSync(resultsDirOf(dataDir, runId))) {
        const runs = existsSync(join(dataDir, "runs")) ? readdirSync(join(dataDir, "runs")) : [];
        throw new UsageError(`no run ${runId} in ${dataDir} (runs: ${runs.join(", ") || "none"})`);
      }
      // GPU time is priced at the throughput the run measured on its endpoints, where it did.
      const throughput = readRunThroughput(resultsDirOf(dataDir, runId));
      const report = await readRunLedgerReport(dataDir, runId, { throughput });
      console.log(options.json ? JSON.stringify(report) : formatLedgerReport(report));
    });
}

function cost(t: SpendTotalsJson): string {
  if (t.unpriced.length === 0) return `$${t.cost_usd.toFixed(4)}`;
  return t.cost_usd > 0 ? `$${t.cost_usd.toFixed(4)} + unpriced` : "unpriced";
}

function cells(t: SpendTotalsJson, gpu: boolean): string[] {
  return [
    String(t.requests),
    String(t.prompt_tokens),
    String(t.completion_tokens),
    String(t.cached_tokens),
    String(t.reasoning_tokens),
    t.sandbox_cpu_seconds.toFixed(1),
    t.sandbox_wall_seconds.toFixed(1),
    ...(gpu ? [t.gpu_seconds.toFixed(1)] : []),
    cost(t),
  ];
}

/** A row without a role holds sandbox batches, metered GPU time, or both. */
function roleCell(r: { role: string | null } & SpendTotalsJson): string {
  if (r.role !== null) return r.role;
  const parts = [r.sandbox_batches > 0 ? "sandbox" : "", r.gpu_seconds > 0 ? "gpu" : ""].filter(Boolean);
  return `(${parts.join(", ") || "sandbox"})`;
}

export function formatLedgerReport(report: RunLedgerReport): string {
  // GPU time is metered only in a cluster with vLLM pods; elsewhere the column would be all zeros.
  const gpu = report.totals.gpu_seconds > 0;
  const header = [
    "stage",
    "role",
    "requests",
    "prompt",
    "completion",
    "cached",
    "reasoning",
    "cpu s",
    "wall s",
    ...(gpu ? ["gpu s"] : []),
    "cost",
  ];
  const rows = report.rows.map((r) => [r.stage, roleCell(r), ...cells(r, gpu)]);
  rows.push(["total", "", ...cells(report.totals, gpu)]);
  const unpriced = [
    ...new Set(report.totals.unpriced.map((u) => `${u.model} on ${u.endpoint}: ${u.reason}`)),
  ];
  const saved = (report.samples_saved ?? []).map(
    (s) =>
      `  ${s.budget_setting}: ${s.samples_drawn} of ${s.samples_budget} samples drawn over ${s.problems} problems, ` +
      `${s.samples_saved} not drawn (about ${s.est_completion_tokens_saved} completion tokens; ` +
      `${Object.entries(s.stopped)
        .map(([why, n]) => `${n} ${why}`)
        .join(", ")})`,
  );
  return [
    `${report.run_id}: spend from the ledger, priced with price table ${report.price_version}`,
    formatTable(header, rows),
    ...(unpriced.length ? ["unpriced (not in the cost):", ...unpriced.map((u) => `  ${u}`)] : []),
    ...(saved.length ? ["adaptive budget (not spent, not in the totals):", ...saved] : []),
  ].join("\n");
}
