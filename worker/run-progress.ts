import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SpendLedger } from "../ledger/types";
import type { Stage, StageUsage, UsageByStage } from "../method/pipeline-records";

/**
 * A run's progress read from what its workers write, not asked of its workflow: a query waits
 * behind every workflow task the worker has queued, which during a big run is many seconds, while
 * these reads take milliseconds however busy the worker is.
 *   - total and start: `problem-list.json`, written once the problems are listed;
 *   - done: the problems' result and error files (a problem errored, then finished, counts once);
 *   - tokens: the spend ledger's totals by stage, in-flight problems' spend included.
 */
export const PROBLEM_LIST_FILE = "problem-list.json";

export interface ProblemListFile {
  total: number;
  /** When the run listed its problems (epoch ms): the start of its problems/min rate. */
  listedAt: number;
}

export async function writeProblemList(resultsDir: string, list: ProblemListFile): Promise<void> {
  await writeFile(join(resultsDir, PROBLEM_LIST_FILE), `${JSON.stringify(list)}\n`);
}

export function readProblemList(resultsDir: string): ProblemListFile | undefined {
  const file = join(resultsDir, PROBLEM_LIST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ProblemListFile;
  } catch {
    return undefined;
  }
}

/** Problems with a result or an error file. */
export function countDoneProblems(resultsDir: string): number {
  const names = new Set<string>();
  for (const sub of ["problems", "errors"]) {
    const dir = join(resultsDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (name.endsWith(".json")) names.add(name);
  }
  return names.size;
}

/** What the ledger says a run has paid so far, per stage, in the progress's usage shape. */
export async function ledgerUsageByStage(
  ledger: Pick<SpendLedger, "totals">,
  runId: string,
): Promise<UsageByStage> {
  const totals = await ledger.totals(runId, { groupBy: ["stage"] });
  const usage: UsageByStage = {};
  for (const row of totals.rows) {
    if (!row.key.stage || row.requests === 0) continue;
    const stage: StageUsage = {
      requests: row.requests,
      prompt: row.promptTokens,
      completion: row.completionTokens,
      reasoning: row.reasoningTokens,
    };
    usage[row.key.stage as Stage] = stage;
  }
  return usage;
}
