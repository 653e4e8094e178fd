import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from "@temporalio/client";
import type { Command } from "commander";
import { ConfigError, loadRunConfig } from "../../config/load-run-config";
import { readNamedJson } from "../../config/read-named-file";
import type { RunConfig } from "../../config/run-config";
import { checkDataset, recordSkippedRows } from "../../datasets/check-dataset";
import { largestPoint, normalizeGrid, type SweepGrid } from "../../method/sweep-grid";
import { type SweepSummary, sweepSummary } from "../../method/sweep-results";
import { readSummary, recordRunEnd } from "../../report/run-folder";
import { SETTINGS_FILE, type SettingSpend, type SettingsFile } from "../../report/setting-results";
import { connectClient } from "../../runtime/temporal-client";
import { TASK_QUEUE } from "../../worker/task-queue";
import type { RunProgress } from "../../workflows/pipeline-types";
import { progressQuery } from "../../workflows/run-workflow";
import { sweepRunWorkflowId, sweepWorkflow } from "../../workflows/sweep-workflow";
import type { GlobalOptions } from "../global-options";
import { startProgressTicker } from "../progress-ticker";
import { formatTable } from "../table";
import { withTemporal } from "../with-temporal";
import { hostWorker, type WorkerHostingOptions } from "../worker-hosting";
import { progressLine, resultsDirOf, runIdOf } from "./run";

export interface SweepOptions extends WorkerHostingOptions {
  json?: boolean;
}

/**
 * The sweep's run: the configuration at the grid's largest N and R, with no selection of its own
 * (the sweep selects per setting). It keeps the `sweep` section, so each grid has its own run id.
 */
export function sweepRunConfig(config: RunConfig, source: string): { runConfig: RunConfig; grid: SweepGrid } {
  if (!config.sweep)
    throw new ConfigError(
      `${source}: sweep: missing; \`sstar sweep\` needs sweep.n and sweep.rounds (and optionally sweep.methods)`,
    );
  // A sweep's smaller settings are prefixes of the largest fixed budget; an adaptive one has no fixed prefix.
  if (config.budget.policy === "adaptive")
    throw new ConfigError(
      `${source}: budget.policy: adaptive cannot be swept (a sweep reads its smaller settings off the largest fixed budget); run it with \`sstar run --adaptive\` and compare with \`sstar report SWEEP --with RUN\``,
    );
  const grid = normalizeGrid({
    n: config.sweep.n,
    rounds: config.sweep.rounds,
    methods: config.sweep.methods ?? config.selection,
  });
  const largest = largestPoint(grid);
  return {
    runConfig: {
      ...config,
      budget: { ...config.budget, n: largest.n, rounds: largest.rounds },
      selection: [{ method: "oracle" }],
    },
    grid,
  };
}

export function registerSweep(program: Command): void {
  program
    .command("sweep")
    .description(
      "run a grid of (N, R, selection method) settings from one run at the largest N and R; prints pass@1 and paid and standalone spend per setting",
    )
    .argument("<config>", "configuration file (or preset) with a `sweep` section: n, rounds, methods")
    .option("--json", "print one JSON object with `settings` on stdout")
    .option("--unsafe-no-sandbox", "execute programs without gVisor (dangerous; warns on every run)")
    .option("--no-worker", "do not host a worker in this process (workers run elsewhere)")
    .action(async (configFile: string, options: SweepOptions) => {
      await sweepCommand(program.opts<GlobalOptions>().dataDir, configFile, options);
    });
}

/** `sstar sweep`: starts or resumes the sweep, prints every setting's results. */
export async function sweepCommand(
  dataDir: string,
  configFile: string,
  options: SweepOptions,
): Promise<void> {
  const { runConfig, grid } = sweepRunConfig(loadRunConfig(configFile), configFile);
  const runId = runIdOf(runConfig);
  const resultsDir = resultsDirOf(dataDir, runId);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const { skipped } = await checkDataset(runConfig.dataset, join(dataDir, "cache"), log);
  mkdirSync(resultsDir, { recursive: true });
  recordSkippedRows(resultsDir, skipped);
  writeFileSync(join(resultsDir, "config.json"), `${JSON.stringify(runConfig, null, 2)}\n`);
  log(
    `sstar sweep ${runId}: N ∈ {${grid.n.join(", ")}} × R ∈ {${grid.rounds.join(", ")}} × ${grid.methods.length} method(s), one run at N=${runConfig.budget.n}, R=${runConfig.budget.rounds}; results in ${resultsDir}`,
  );
  const startedAt = new Date();
  const summary = await withTemporal(dataDir, (target) =>
    hostWorker(target, dataDir, runConfig, options, async () => {
      const client = await connectClient(target);
      try {
        const workflowId = `sstar-sweep-${runId}`;
        let handle = client.workflow.getHandle(workflowId);
        let status: string | undefined;
        try {
          status = (await handle.describe()).status.name;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        if (status === "COMPLETED" && existsSync(join(resultsDir, SETTINGS_FILE))) {
          log("this sweep already finished; showing its results");
          return sweepSummary(readNamedJson<SettingsFile>(join(resultsDir, SETTINGS_FILE)));
        }
        if (status !== "RUNNING") {
          try {
            handle = await client.workflow.start(sweepWorkflow, {
              workflowId,
              taskQueue: TASK_QUEUE,
              args: [{ runId, config: runConfig, resultsDir, grid }],
              workflowTaskTimeout: "1 minute",
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        } else {
          log("resuming the sweep in progress");
        }
        const run = client.workflow.getHandle(sweepRunWorkflowId(runId));
        const ticker = startProgressTicker(
          client.connection,
          () => run.query<RunProgress>(progressQuery),
          (progress) => log(progressLine(progress)),
        );
        try {
          return (await handle.result()) as SweepSummary;
        } finally {
          await ticker.stop();
        }
      } finally {
        await client.connection.close();
      }
    }),
  );
  // The sweep's wall time, for `sstar report` and `sstar estimate --from-run` (settings.json is the sweep's own).
  const runSummary = readSummary(resultsDir);
  if (runSummary) recordRunEnd(resultsDir, runConfig, runSummary, startedAt);
  if (options.json) console.log(JSON.stringify(summary));
  else console.log(formatSweep(summary));
}

const tokens = (s: SettingSpend) =>
  Object.values(s.byStage).reduce((sum, u) => sum + u.promptTokens + u.completionTokens, 0);
const requests = (s: SettingSpend) => Object.values(s.byStage).reduce((sum, u) => sum + u.requests, 0);

/** One row per setting: pass@1 and its two spends (requests and tokens). */
export function formatSweep(summary: SweepSummary): string {
  const rows = summary.settings.map((s) => [
    s.setting,
    s.method,
    (s.pass_at_1 * 100).toFixed(1),
    String(requests(s.paid)),
    String(tokens(s.paid)),
    String(requests(s.standalone)),
    String(tokens(s.standalone)),
  ]);
  const paid = summary.settings.reduce((sum, s) => sum + tokens(s.paid), 0);
  return [
    `${summary.problems} problems`,
    formatTable(
      [
        "setting",
        "method",
        "pass@1 %",
        "paid requests",
        "paid tokens",
        "standalone requests",
        "standalone tokens",
      ],
      rows,
    ),
    `paid in this sweep: ${paid} tokens (the paid column's sum)`,
  ].join("\n");
}
