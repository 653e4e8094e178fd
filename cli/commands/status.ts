import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { WorkflowNotFoundError } from "@temporalio/client";
import type { Command } from "commander";
import { readPreemptions } from "../../cluster/worker-preemptions";
import { readNamedJson } from "../../config/read-named-file";
import type { RunSummary } from "../../method/run-summary";
import { connectClient } from "../../runtime/temporal-client";
import { readTimeBreakdown } from "../../worker/run-timeline";
import type { RunProgress } from "../../workflows/pipeline-types";
import { progressQuery } from "../../workflows/run-workflow";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { breakdownLine, formatSummary } from "../summary-table";
import { withTemporal } from "../with-temporal";
import { progressLine, resultsDirOf, runWorkflowId } from "./run";

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
          let status = "NOT STARTED";
          try {
            status = (await client.workflow.getHandle(workflowId).describe()).status.name;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
          if (status === "RUNNING") {
            const progress = await client.workflow.getHandle(workflowId).query<RunProgress>(progressQuery);
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
