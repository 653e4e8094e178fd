import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Client, WorkflowNotFoundError } from "@temporalio/client";
import type { Command } from "commander";
import { readPreemptions } from "../../cluster/worker-preemptions";
import { readNamedJson } from "../../config/read-named-file";
import { ledgerTarget, openLedger } from "../../ledger/open-ledger";
import type { RunSummary } from "../../method/run-summary";
import { connectClient } from "../../runtime/temporal-client";
import { countDoneProblems, ledgerUsageByStage, readProblemList } from "../../worker/run-progress";
import { readTimeBreakdown } from "../../worker/run-timeline";
import type { RunProgress } from "../../workflows/pipeline-types";
import { problemWorkflowId, progressQuery } from "../../workflows/run-workflow";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { progressLine, resultsDirOf, runWorkflowId } from "../run-locations";
import { breakdownLine, formatSummary } from "../summary-table";
import { withTemporal } from "../with-temporal";

/**
 * A running run's progress without asking its workflow (worker/run-progress.ts): the problem list,
 * the results folder, the ledger, and the problems' workflows counted by Temporal's visibility.
 */
async function progressFromFiles(
  dataDir: string,
  runId: string,
  resultsDir: string,
  running: () => Promise<number | null>,
): Promise<RunProgress | undefined> {
  const list = readProblemList(resultsDir);
  if (!list) return undefined;
  const ledger = await openLedger(ledgerTarget(dataDir, process.env.SSTAR_LEDGER_URL || undefined));
  try {
    const [usage, inFlight] = await Promise.all([ledgerUsageByStage(ledger, runId), running()]);
    return {
      runId,
      total: list.total,
      done: countDoneProblems(resultsDir),
      inFlight: inFlight ?? 0,
      usage,
      startedAt: list.listedAt,
    };
  } finally {
    await ledger.close();
  }
}

/** The run's problem workflows running now, by visibility (null where the server cannot count). */
async function problemsRunning(client: Client, runId: string): Promise<number | null> {
  try {
    const prefix = problemWorkflowId(runId, "");
    const { count } = await client.workflow.count(
      `WorkflowId STARTS_WITH "${prefix}" AND ExecutionStatus = "Running"`,
    );
    return count;
  } catch {
    return null;
  }
}

/**
 * The run workflow's status. Visibility answers "running" in milliseconds; describing the workflow
 * waits on its busy history during a big run (over a second measured), so it is asked only otherwise.
 */
async function runStatus(client: Client, workflowId: string): Promise<string> {
  try {
    const { count } = await client.workflow.count(
      `WorkflowId = "${workflowId}" AND ExecutionStatus = "Running"`,
    );
    if (count > 0) return "RUNNING";
  } catch {
    // a server without visibility counts: describe says it
  }
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return "NOT STARTED";
  }
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "progress of a run (problems done, throughput, tokens so far, the Web UI link), or its results",
    )
    .argument("<run>", "the run id")
    .option("--json", "print the progress or summary as JSON")
    .action(async (runId: string, options: { json?: boolean }) => {
      const { dataDir } = program.opts<GlobalOptions>();
      const resultsDir = resultsDirOf(dataDir, runId);
      if (!existsSync(resultsDir)) {
        const runs = existsSync(join(dataDir, "runs")) ? readdirSync(join(dataDir, "runs")) : [];
        throw new UsageError(`no run ${runId} in ${dataDir} (runs: ${runs.join(", ") || "none"})`);
      }
      await withTemporal(dataDir, async (target) => {
        const client = await connectClient(target);
        try {
          const workflowId = runWorkflowId(runId);
          const link = target.uiUrl
            ? `${target.uiUrl}/namespaces/${target.namespace}/workflows/${workflowId}`
            : "";
          const status = await runStatus(client, workflowId);
          if (status === "RUNNING") {
            const progress =
              (await progressFromFiles(dataDir, runId, resultsDir, () => problemsRunning(client, runId))) ??
              // A run started before its workers wrote its problem list: only its workflow knows.
              (await client.workflow.getHandle(workflowId).query<RunProgress>(progressQuery));
            const preemptions = readPreemptions(resultsDir).length;
            const breakdown = readTimeBreakdown(resultsDir);
            console.log(
              options.json
                ? JSON.stringify({
                    status,
                    ...progress,
                    worker_preemptions: preemptions,
                    ...(breakdown ? { time_breakdown_s: breakdown } : {}),
                    ui: link,
                  })
                : `${runId}: running\n${progressLine(progress)}${preemptions ? `\nsurvived ${preemptions} worker preemption(s) so far` : ""}${breakdown ? `\n${breakdownLine(breakdown)}` : ""}\n${link}`,
            );
            return;
          }
          const summaryFile = join(resultsDir, "summary.json");
          const summary = existsSync(summaryFile) ? readNamedJson<RunSummary>(summaryFile) : undefined;
          if (options.json) console.log(JSON.stringify({ status, summary, ui: link }));
          else
            console.log(
              `${runId}: ${status.toLowerCase()}${link ? `\n${link}` : ""}${summary ? `\n\n${formatSummary(summary)}` : ""}`,
            );
        } finally {
          await client.connection.close();
        }
      });
    });
}
