import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from "@temporalio/client";
import type { Command } from "commander";
import type { GpuMetering } from "../../cluster/gpu-metering";
import { startPreemptionLog } from "../../cluster/preemption-log";
import { readPreemptions } from "../../cluster/worker-preemptions";
import { type ConfigOverrides, loadRunConfig } from "../../config/load-run-config";
import type { RunConfig } from "../../config/run-config";
import { checkDataset, recordSkippedRows } from "../../datasets/check-dataset";
import { ledgerTarget, openLedger } from "../../ledger/open-ledger";
import type { SpendLedger } from "../../ledger/types";
import { checkEndpoints } from "../../llm/endpoint-preflight";
import { recordRunThroughput, runThroughputSampler } from "../../llm/endpoint-throughput";
import { resolveBaseUrl } from "../../llm/openai-gateway";
import {
  addObservedCompletions,
  recordServerDefaults,
  type ServerDefaultsRecord,
} from "../../llm/server-defaults";
import type { RunSummary } from "../../method/run-summary";
import { parseMetricsPort } from "../../metrics/worker-metrics";
import { recordRunEnd } from "../../report/run-folder";
import { connectClient } from "../../runtime/temporal-client";
import { runBudgetSetting } from "../../spend/budget-setting";
import type { GpuMeterTotals } from "../../spend/gpu-meter";
import { TASK_QUEUE } from "../../worker/task-queue";
import type { RunProgress } from "../../workflows/pipeline-types";
import { progressQuery, runWorkflow } from "../../workflows/run-workflow";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { startProgressTicker } from "../progress-ticker";
import { formatSummary } from "../summary-table";
import { withTemporal } from "../with-temporal";
import { hostWorker, type WorkerHostingOptions } from "../worker-hosting";
import { printPresets } from "./presets";

/** A run's id: its name and a hash of its whole configuration, so the same command resumes the same run. */
export function runIdOf(config: RunConfig): string {
  // The description is prose about the run, not part of it: rewording it must not start a new run.
  const { description: _description, ...settings } = config;
  const hash = createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 10);
  return `${config.name}-${hash}`.replace(/[^\w.-]+/g, "_");
}

import { progressLine, resultsDirOf, runWorkflowId } from "../run-locations";

export { progressLine, resultsDirOf, runWorkflowId };

export interface RunOptions extends WorkerHostingOptions {
  json?: boolean;
  endpoint?: string;
  model?: string;
  dataset?: string;
  limit?: number;
  n?: number;
  r?: number;
  seed?: number;
  alsoGrade?: string[];
  skipBad?: boolean;
  adaptive?: boolean;
  /** --retry-errored: the run the stored configuration must still name. */
  retryRunId?: string;
}

/** Commander's parser for an integer option; the error names the flag. */
export const int = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got ${value}`);
  return n;
};

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run (or resume) S* on a dataset: a preset name or a YAML/JSON configuration file")
    .argument(
      "[config-or-preset]",
      "configuration file, or a preset (demo, sstar-qwen2.5-coder-7b, ...; see --list-presets)",
    )
    .option("--list-presets", "list the presets (model, N, R, grader) and exit; with --json, as JSON")
    .option(
      "--retry-errored <run>",
      "retry exactly the errored problems of this run (its stored configuration; finished problems are kept, not paid again)",
    )
    .option("--json", "print the run summary as one JSON object on stdout")
    .option("--endpoint <url>", "OpenAI-compatible base URL for every role")
    .option("--model <name>", "model name for every role")
    .option("--dataset <file-or-url>", "dataset to run on")
    .option("--limit <k>", "only the first K problems", int("--limit"))
    .option("--skip-bad", "skip bad dataset rows (counted and reported) instead of refusing the dataset")
    .option("-n, --n <n>", "samples per problem (N)", int("-n"))
    .option("-r, --r <r>", "generation rounds (R: 1 generation + R-1 debug rounds)", int("-r"))
    .option("--seed <s>", "run seed", int("--seed"))
    .option("--adaptive", "adaptive budget: samples in waves, a problem stops once its evidence is settled")
    .option(
      "--also-grade <grader>",
      "also grade every selected and oracle program with this grader (lcb or ref; repeatable); the summary gains also_graded.<grader>",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--unsafe-no-sandbox", "execute programs without gVisor (dangerous; warns on every run)")
    .option("--no-worker", "do not host a worker in this process (workers run elsewhere)")
    .option(
      "--metrics-port <port>",
      "serve the hosted worker's Prometheus metrics on this port (default SSTAR_METRICS_PORT; see docs/metrics.md)",
      (text: string) => parseMetricsPort(text, "--metrics-port"),
    )
    .action(
      async (
        configOrPreset: string | undefined,
        options: RunOptions & { listPresets?: boolean; retryErrored?: string },
      ) => {
        if (options.listPresets) return printPresets(!!options.json);
        const { dataDir } = program.opts<GlobalOptions>();
        if (options.retryErrored !== undefined) {
          return runCommand(
            dataDir,
            storedRunConfig(dataDir, options.retryErrored, configOrPreset, options),
            {
              ...options,
              retryRunId: options.retryErrored,
            },
          );
        }
        if (!configOrPreset)
          throw new UsageError(
            "sstar run: name a configuration file or a preset (sstar run --list-presets lists them)",
          );
        await runCommand(dataDir, configOrPreset, options);
      },
    );
}

/** The configuration file a finished run stored, for --retry-errored; the run must be exactly that one. */
function storedRunConfig(
  dataDir: string,
  runId: string,
  configOrPreset: string | undefined,
  options: RunOptions,
): string {
  const changes = Object.entries(configOverridesOf(options)).filter(([, v]) => v !== undefined);
  if (configOrPreset !== undefined || changes.length > 0)
    throw new UsageError(
      `--retry-errored ${runId} reruns that run as it was configured; drop ${configOrPreset ?? `--${changes[0]?.[0]}`} (a changed configuration is another run)`,
    );
  const file = join(resultsDirOf(dataDir, runId), "config.json");
  if (!existsSync(file)) {
    const runs = existsSync(join(dataDir, "runs")) ? readdirSync(join(dataDir, "runs")) : [];
    throw new UsageError(`no run ${runId} in ${dataDir} (runs: ${runs.join(", ") || "none"})`);
  }
  return file;
}

/** The configuration overrides that `sstar run`'s flags (shared by `sstar estimate`) ask for. */
export function configOverridesOf(
  options: Pick<
    RunOptions,
    "endpoint" | "model" | "dataset" | "limit" | "n" | "r" | "seed" | "alsoGrade" | "skipBad" | "adaptive"
  >,
): ConfigOverrides {
  return {
    endpoint: options.endpoint,
    model: options.model,
    dataset: options.dataset,
    limit: options.limit,
    n: options.n,
    rounds: options.r,
    seed: options.seed,
    alsoGrade: options.alsoGrade,
    skipBad: options.skipBad,
    adaptive: options.adaptive,
  };
}

/** `sstar run`: loads the configuration, starts or resumes the run, prints its summary. */
export async function runCommand(
  dataDir: string,
  configOrPreset: string,
  options: RunOptions,
): Promise<void> {
  const config = loadRunConfig(configOrPreset, configOverridesOf(options));
  const runId = runIdOf(config);
  if (options.retryRunId !== undefined && runId !== options.retryRunId)
    throw new UsageError(
      `${configOrPreset} names run ${runId}, not ${options.retryRunId}: its configuration was edited, so this sstar cannot retry that run`,
    );
  const resultsDir = resultsDirOf(dataDir, runId);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Before any server, worker or workflow: a bad row is one line, not a retried activity's stacks.
  const { skipped } = await checkDataset(config.dataset, join(dataDir, "cache"), log);
  mkdirSync(resultsDir, { recursive: true });
  recordSkippedRows(resultsDir, skipped);
  writeFileSync(join(resultsDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  let startedAt = new Date();
  let serverDefaults: ServerDefaultsRecord[] = [];
  let gpuTime: GpuMeterTotals | undefined;
  log(
    `sstar run ${runId}: ${config.name}, N=${config.budget.n}, R=${config.budget.rounds}, results in ${resultsDir}`,
  );

  const summary = await withTemporal(dataDir, async (target) =>
    hostWorker(target, dataDir, config, options, async () => {
      // The pipeline's own time: not the server's start or the simulator's pool building.
      startedAt = new Date();
      // GPU time is priced from what the endpoints delivered (their vLLM /metrics) during the run.
      const throughput = runThroughputSampler(config.endpoints, resolveBaseUrl);
      throughput.start();
      // What the run leaves to the server's defaults (the reference's raw path sends no temperature or max_tokens).
      // A wrong model or key fails here, in one line, before any problem starts.
      await checkEndpoints(config, resolveBaseUrl);
      serverDefaults = await recordServerDefaults(config, resultsDir, resolveBaseUrl);
      const client = await connectClient(target);
      try {
        const workflowId = runWorkflowId(runId);
        log(
          `workflow ${workflowId}; Web UI: ${target.uiUrl ? `${target.uiUrl}/namespaces/${target.namespace}/workflows/${workflowId}` : "(unknown)"}`,
        );
        let handle = client.workflow.getHandle(workflowId);
        let status: string | undefined;
        try {
          status = (await handle.describe()).status.name;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        let reuseFinished = false;
        if (status === "COMPLETED") {
          const previous = (await handle.result()) as Partial<RunSummary>;
          if ((previous.errored ?? 0) > 0) {
            log(
              `retrying the ${previous.errored} errored problems of this run; the ${(previous.problems ?? 0) - (previous.errored ?? 0)} finished ones are kept`,
            );
            status = undefined;
            reuseFinished = true;
          } else log("this run already finished; showing its results");
        }
        if (status !== "COMPLETED" && status !== "RUNNING") {
          try {
            handle = await client.workflow.start(runWorkflow, {
              workflowId,
              taskQueue: TASK_QUEUE,
              args: [{ runId, config, resultsDir, childrenPerHistory: childrenPerHistory(), reuseFinished }],
              // Sandboxes and the LLM share a small machine with the worker; a slow task is not a dead worker.
              workflowTaskTimeout: "1 minute",
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        } else if (status === "RUNNING") {
          log("resuming the run in progress");
        }
        const stopPreemptionLog = await preemptionLogInCluster(resultsDir, log);
        const gpuMetering = await gpuMeteringInCluster(dataDir, config, runId, log);
        const ticker = startProgressTicker(
          client.connection,
          () => handle.query<RunProgress>(progressQuery),
          (progress) => log(progressLine(progress)),
        );
        try {
          return (await handle.result()) as RunSummary;
        } finally {
          await ticker.stop();
          stopPreemptionLog();
          gpuTime = await gpuMetering?.finish(Date.now());
        }
      } finally {
        await client.connection.close();
        recordRunThroughput(resultsDir, await throughput.stop());
      }
    }),
  );
  // Preemptions recorded after the run wrote its summary, up to the run's end, count too.
  const preemptions = readPreemptions(resultsDir);
  if (preemptions.length > (summary.worker_preemptions?.count ?? 0)) {
    summary.worker_preemptions = { count: preemptions.length, events: preemptions };
    writeFileSync(join(resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (gpuTime && gpuTime.gpuSeconds > 0) {
    summary.gpu_time = {
      gpu_seconds: gpuTime.chargedGpuSeconds,
      idle_gpu_seconds: gpuTime.idleGpuSeconds,
      other_runs_gpu_seconds: gpuTime.othersGpuSeconds,
      unattributed_gpu_seconds: gpuTime.unattributedGpuSeconds,
    };
    writeFileSync(join(resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  }
  // Wall time and settings.json, for `sstar report` and `sstar estimate --from-run`.
  recordRunEnd(resultsDir, config, summary, startedAt);
  addObservedCompletions(resultsDir, serverDefaults, summary.tokens_by_role);
  if (options.json) console.log(JSON.stringify(summary));
  else console.log(formatSummary(summary));
  log(`spend: sstar ledger ${runId}; plots and per-setting table: sstar report ${runId}`);
  if (summary.errored > 0) {
    const first = summary.errors[0];
    log(
      `sstar run: ${summary.errored} of ${summary.problems} problems errored (first: ${first?.problem}: ${first?.stage}: ${first?.error_class}: ${first?.message}); see errors in summary.json`,
    );
    process.exitCode = 1;
  }
}

/** Inside the chart's launcher Job (SSTAR_CLUSTER_RELEASE): the release's worker preemptions, recorded. */
async function preemptionLogInCluster(resultsDir: string, log: (line: string) => void): Promise<() => void> {
  const release = process.env.SSTAR_CLUSTER_RELEASE;
  if (!release) return () => {};
  try {
    const { KubernetesCluster } = await import("../../cluster/kubernetes-cluster");
    const api = new KubernetesCluster({ namespace: process.env.POD_NAMESPACE || undefined });
    return await startPreemptionLog(api, release, resultsDir, log);
  } catch (err) {
    log(`sstar run: not recording worker preemptions: ${(err as Error).message}`);
    return () => {};
  }
}

/**
 * Inside the chart's launcher Job: the release's vLLM pods' GPU time, metered into the ledger
 * (GPU entries per slice and stage; SSTAR_GPU_SLICE_SECONDS and SSTAR_GPU_LAG_SECONDS tune it).
 */
async function gpuMeteringInCluster(
  dataDir: string,
  config: RunConfig,
  runId: string,
  log: (line: string) => void,
): Promise<GpuMetering | undefined> {
  const release = process.env.SSTAR_CLUSTER_RELEASE;
  if (!release) return undefined;
  let ledger: SpendLedger | undefined;
  try {
    ledger = await openLedger(ledgerTarget(dataDir, process.env.SSTAR_LEDGER_URL || undefined));
    const { KubernetesCluster } = await import("../../cluster/kubernetes-cluster");
    const { startGpuMetering } = await import("../../cluster/gpu-metering");
    const api = new KubernetesCluster({ namespace: process.env.POD_NAMESPACE || undefined });
    // A resumed run began when its first spend was recorded, not when this launcher started.
    let runStart = Date.now();
    for await (const first of ledger.entries(runId, { pageSize: 1 })) {
      runStart = Math.min(runStart, Date.parse(first.at));
      break;
    }
    const seconds = (name: string, fallback: number) => {
      const value = Number(process.env[name]);
      return (Number.isFinite(value) && value > 0 ? value : fallback) * 1000;
    };
    const metering = await startGpuMetering(api, release, {
      ledger,
      runId,
      idle: { budgetSetting: runBudgetSetting(config), endpoint: config.roles.generator.endpoint },
      runStart,
      sliceMs: seconds("SSTAR_GPU_SLICE_SECONDS", 30),
      lagMs: seconds("SSTAR_GPU_LAG_SECONDS", 120),
      log,
    });
    const opened = ledger;
    return {
      async finish(end) {
        try {
          const totals = await metering.finish(end);
          if (totals.gpuSeconds > 0)
            log(
              `GPU time: ${totals.chargedGpuSeconds.toFixed(1)} GPU-s charged to this run (${totals.idleGpuSeconds.toFixed(1)} idle) of ${totals.gpuSeconds.toFixed(1)} on the vLLM pods; ${totals.othersGpuSeconds.toFixed(1)} to other runs, ${totals.unattributedGpuSeconds.toFixed(1)} unattributed`,
            );
          return totals;
        } finally {
          await opened.close();
        }
      },
    };
  } catch (err) {
    await ledger?.close();
    log(`sstar run: not metering GPU time: ${(err as Error).message}`);
    return undefined;
  }
}

/** SSTAR_CHILDREN_PER_HISTORY: how many problems a run's workflow history holds before continuing as new. */
function childrenPerHistory(): number | undefined {
  const value = Number(process.env.SSTAR_CHILDREN_PER_HISTORY);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
