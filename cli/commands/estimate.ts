import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from "@temporalio/client";
import type { Command } from "commander";
import { loadRunConfig } from "../../config/load-run-config";
import type { RunConfig } from "../../config/run-config";
import { selectProblems } from "../../datasets/select-problems";
import { type Forecast, forecastRun } from "../../estimate/forecast";
import { DEFAULT_PILOT_PROBLEMS, pilotConfig, pilotSpend, samplePilotIds } from "../../estimate/pilot";
import { loadPriceFile, selectPriceTable } from "../../ledger/prices";
import type { RunSummary } from "../../method/run-summary";
import { FORECAST_FILE, readOutcomes, readRunSeconds, recordRunEnd } from "../../report/run-folder";
import { readSandboxCpuByProblem } from "../../report/run-ledger";
import { connectClient } from "../../runtime/temporal-client";
import { TASK_QUEUE } from "../../worker/task-queue";
import type { RunProgress } from "../../workflows/pipeline-types";
import { progressQuery, runWorkflow } from "../../workflows/run-workflow";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { startProgressTicker } from "../progress-ticker";
import { formatTable } from "../table";
import { withTemporal } from "../with-temporal";
import { hostWorker, type WorkerHostingOptions } from "../worker-hosting";
import { loadRunConfigOf } from "./reselect";
import { configOverridesOf, int, progressLine, resultsDirOf, runIdOf, runWorkflowId } from "./run";

interface EstimateOptions extends WorkerHostingOptions {
  json?: boolean;
  pilot: number;
  fromRun?: string;
  interval: number;
  sampleSeed?: number;
  prices?: string;
  endpoint?: string;
  model?: string;
  dataset?: string;
  limit?: number;
  n?: number;
  r?: number;
  seed?: number;
  adaptive?: boolean;
}

const level = (value: string) => {
  const x = Number(value);
  if (!(x > 0 && x < 1)) throw new UsageError(`--interval must be between 0 and 1, got ${value}`);
  return x;
};

export function registerEstimate(program: Command): void {
  program
    .command("estimate")
    .description(
      "forecast a run's tokens, cost and wall time, with an interval, from a pilot on a random sample of its problems (or from an earlier run)",
    )
    .argument("<config>", "configuration file or preset, as for sstar run")
    .option("--json", "print the forecast as one JSON object")
    .option("--pilot <k>", "problems in the pilot", int("--pilot"), DEFAULT_PILOT_PROBLEMS)
    .option("--from-run <run>", "use an earlier run's per-problem spend instead of running a pilot")
    .option("--interval <level>", "confidence level of the interval", level, 0.9)
    .option(
      "--sample-seed <s>",
      "seed of the pilot's problem sample (default: the run seed)",
      int("--sample-seed"),
    )
    .option("--prices <file>", "price file (default: ledger/default-prices.json)")
    .option("--endpoint <url>", "as for sstar run")
    .option("--model <name>", "as for sstar run")
    .option("--dataset <file-or-url>", "as for sstar run")
    .option("--limit <k>", "as for sstar run", int("--limit"))
    .option("-n, --n <n>", "as for sstar run", int("-n"))
    .option("-r, --r <r>", "as for sstar run", int("-r"))
    .option("--seed <s>", "as for sstar run", int("--seed"))
    .option(
      "--adaptive",
      "as for sstar run: the pilot runs the adaptive budget, the forecast adds the samples drawn",
    )
    .option("--unsafe-no-sandbox", "execute programs without gVisor (dangerous)")
    .option("--no-worker", "do not host a worker in this process (workers run elsewhere)")
    .action(async (configOrPreset: string, options: EstimateOptions) => {
      const forecast = await estimateCommand(program.opts<GlobalOptions>().dataDir, configOrPreset, options);
      console.log(options.json ? JSON.stringify(forecast) : formatForecast(forecast));
    });
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `sstar estimate`: the forecast, also written to forecast.json in the forecast run's folder and the pilot's. */
export async function estimateCommand(
  dataDir: string,
  configOrPreset: string,
  options: EstimateOptions,
): Promise<Forecast> {
  const config = loadRunConfig(configOrPreset, configOverridesOf(options));
  const runId = runIdOf(config);
  const problemIds = (
    await selectProblems(config.dataset, {
      cacheDir: join(dataDir, "cache"),
      skipBad: config.dataset.skipBad,
    })
  ).map((p) => p.id);
  if (problemIds.length === 0) throw new UsageError(`the configuration selects no problems`);

  let pilotRunId: string;
  let pilotRunConfig: RunConfig;
  if (options.fromRun) {
    pilotRunId = options.fromRun;
    pilotRunConfig = loadRunConfigOf(resultsDirOf(dataDir, pilotRunId), pilotRunId);
    if (JSON.stringify(pilotRunConfig.budget) !== JSON.stringify(config.budget))
      log(
        `warning: run ${pilotRunId} had budget ${JSON.stringify(pilotRunConfig.budget)}, this configuration ${JSON.stringify(config.budget)}`,
      );
  } else {
    const k = Math.min(options.pilot, problemIds.length);
    if (k < 2)
      throw new UsageError(`--pilot must be at least 2 (an interval needs a spread), got ${options.pilot}`);
    const ids = samplePilotIds(problemIds, k, options.sampleSeed ?? config.seed);
    pilotRunConfig = pilotConfig(config, ids);
    pilotRunId = runIdOf(pilotRunConfig);
    log(`sstar estimate ${runId}: pilot ${pilotRunId} on ${k} of ${problemIds.length} problems`);
    await runToCompletion(dataDir, pilotRunConfig, options);
  }

  const pilotDir = resultsDirOf(dataDir, pilotRunId);
  const outcomes = readOutcomes(pilotDir);
  if (outcomes.length < 2)
    throw new UsageError(`run ${pilotRunId} has ${outcomes.length} finished problems; a forecast needs 2`);
  const table = selectPriceTable(loadPriceFile(options.prices));
  const spend = pilotSpend(outcomes, pilotRunConfig, table, {
    sandboxCpuSeconds: await readSandboxCpuByProblem(dataDir, pilotRunId),
  });
  const forecast = forecastRun({
    runId,
    configName: config.name,
    problems: problemIds.length,
    window: config.window,
    pilot: {
      source: options.fromRun ? "run" : "pilot",
      runId: pilotRunId,
      problems: spend.problems,
      seconds: readRunSeconds(pilotDir) ?? undefined,
    },
    level: options.interval,
    priceVersion: table.version,
    unpriced: spend.unpriced,
    createdAt: new Date().toISOString(),
  });
  const text = `${JSON.stringify(forecast, null, 2)}\n`;
  const runDir = resultsDirOf(dataDir, runId);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, FORECAST_FILE), text);
  if (pilotDir !== runDir) writeFileSync(join(pilotDir, FORECAST_FILE), text);
  log(`forecast written to ${join(runDir, FORECAST_FILE)}; sstar report ${runId} compares it with the run`);
  return forecast;
}

/** Runs (or resumes, or finds finished) a run, as `sstar run` does, recording its wall time. */
async function runToCompletion(
  dataDir: string,
  config: RunConfig,
  options: WorkerHostingOptions,
): Promise<RunSummary> {
  const runId = runIdOf(config);
  const resultsDir = resultsDirOf(dataDir, runId);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  let startedAt = new Date();
  const summary = await withTemporal(dataDir, (target) =>
    hostWorker(target, dataDir, config, options, async () => {
      // The pipeline's own time: not the server's start or the simulator's pool building.
      startedAt = new Date();
      const client = await connectClient(target);
      try {
        const workflowId = runWorkflowId(runId);
        let handle = client.workflow.getHandle(workflowId);
        let status: string | undefined;
        try {
          status = (await handle.describe()).status.name;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        if (status !== "COMPLETED" && status !== "RUNNING") {
          try {
            handle = await client.workflow.start(runWorkflow, {
              workflowId,
              taskQueue: TASK_QUEUE,
              args: [{ runId, config, resultsDir }],
              workflowTaskTimeout: "1 minute",
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        }
        const ticker = startProgressTicker(
          client.connection,
          () => handle.query<RunProgress>(progressQuery),
          (progress) => log(progressLine(progress)),
        );
        try {
          return (await handle.result()) as RunSummary;
        } finally {
          await ticker.stop();
        }
      } finally {
        await client.connection.close();
      }
    }),
  );
  recordRunEnd(resultsDir, config, summary, startedAt);
  return summary;
}

const usd = (x: number) => `$${x.toFixed(x >= 1 ? 2 : 6)}`;

export function formatForecast(f: Forecast): string {
  const pct = Math.round(f.interval * 100);
  const rows = [
    ["tokens", String(f.tokens.total), String(f.tokens.low), String(f.tokens.high)],
    ["  prompt", String(f.tokens.prompt), "", ""],
    ["  completion", String(f.tokens.completion), "", ""],
    ["cost", usd(f.cost_usd.estimate), usd(f.cost_usd.low), usd(f.cost_usd.high)],
    f.seconds
      ? ["wall time s", f.seconds.estimate.toFixed(0), f.seconds.low.toFixed(0), f.seconds.high.toFixed(0)]
      : ["wall time s", "unknown", "", ""],
    ...(f.adaptive
      ? [
          [
            `samples (of ${f.adaptive.samples_budget})`,
            String(f.adaptive.samples_drawn.estimate),
            String(f.adaptive.samples_drawn.low),
            String(f.adaptive.samples_drawn.high),
          ],
        ]
      : []),
  ];
  return [
    `forecast for ${f.run_id}: ${f.problems} problems, from ${f.source === "pilot" ? "a pilot" : "run"} ${f.pilot_run_id} of ${f.pilot_problems}`,
    "",
    formatTable(["", "estimate", `${pct}% low`, `${pct}% high`], rows),
    "",
    `prices ${f.price_version}; ${f.method}`,
    ...f.unpriced.map((u) => `unpriced (not in the cost): ${u}`),
  ].join("\n");
}
