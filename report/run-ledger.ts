/**
 * Reading a run's spend from the ledger for a report or a forecast. A report never creates a
 * ledger: with no SQLite file in the data folder (and no SSTAR_LEDGER_URL) there is nothing to read.
 */
import { existsSync } from "node:fs";
import { type LedgerTarget, ledgerTarget, openLedger } from "../ledger/open-ledger";
import type { SpendLedger, Totals } from "../ledger/types";

function existingLedger(dataDir: string): LedgerTarget | undefined {
  const target = ledgerTarget(dataDir, process.env.SSTAR_LEDGER_URL || undefined);
  if (target.kind === "sqlite" && !existsSync(target.path)) return undefined;
  return target;
}

async function withLedger<T>(
  dataDir: string,
  body: (ledger: SpendLedger) => Promise<T>,
): Promise<T | undefined> {
  const target = existingLedger(dataDir);
  if (!target) return undefined;
  const ledger = await openLedger(target);
  try {
    return await body(ledger);
  } finally {
    await ledger.close();
  }
}

/** The run's ledger totals by budget setting and stage; undefined when there is no ledger. */
export function readLedgerTotals(dataDir: string, runId: string): Promise<Totals | undefined> {
  return withLedger(dataDir, (ledger) => ledger.totals(runId, { groupBy: ["budgetSetting", "stage"] }));
}

/** Sandbox CPU seconds per problem of the run (empty when the ledger has none). */
export async function readSandboxCpuByProblem(dataDir: string, runId: string): Promise<Map<string, number>> {
  const byProblem = new Map<string, number>();
  await withLedger(dataDir, async (ledger) => {
    for await (const entry of ledger.entries(runId)) {
      if (entry.kind !== "sandbox") continue;
      byProblem.set(entry.problemId, (byProblem.get(entry.problemId) ?? 0) + entry.cpuSeconds);
    }
  });
  return byProblem;
}
