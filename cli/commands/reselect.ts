import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../config/load-run-config";
import { readNamedJson } from "../../config/read-named-file";
import {
  describeConfigError,
  RunConfigSchema,
  type SelectionConfig,
  SelectionSchema,
} from "../../config/run-config";
import { methodLabel } from "../../method/pipeline-records";
import type { RunSummary } from "../../method/run-summary";
import { connectClient } from "../../runtime/temporal-client";
import { TASK_QUEUE } from "../../worker/task-queue";
import { reselectWorkflow } from "../../workflows/reselect-workflow";
import type { GlobalOptions } from "../global-options";
import { formatSummary } from "../summary-table";
import { withTemporal } from "../with-temporal";
import { hostWorker } from "../worker-hosting";
import { resultsDirOf } from "./run";

/** `sstar`, or with options in the results' label form: `sstar(mode=algorithm1,tieBreak=seeded-random)`. */
export function parseMethod(text: string): SelectionConfig {
  const match = /^([a-z_0-9]+)(?:\((.*)\))?$/.exec(text.trim());
  if (!match) throw new ConfigError(`--method ${text}: expected NAME or NAME(key=value,...)`);
  const raw: Record<string, unknown> = { method: match[1] };
  for (const pair of (match[2] ?? "").split(",").filter(Boolean)) {
    const [key, value = ""] = pair.split("=");
    raw[(key ?? "").trim()] = value === "true" ? true : value === "false" ? false : value.trim();
  }
  const parsed = SelectionSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeConfigError(parsed.error, `--method ${text}`));
  return parsed.data;
}

export function loadRunConfigOf(resultsDir: string, runId: string) {
  const file = join(resultsDir, "config.json");
  if (!existsSync(file)) throw new ConfigError(`no run ${runId}: ${file} does not exist`);
  return RunConfigSchema.parse(readNamedJson(file));
}

export function registerReselect(program: Command): void {
  program
    .command("reselect")
    .description(
      "apply another selection method to a finished run's stored generations (no generation requests)",
    )
    .argument("<run>", "the run id (printed by sstar run; a folder under <data-dir>/runs)")
    .requiredOption(
      "--method <name>",
      "selection method, e.g. sstar, majority_vote, first, sstar(mode=algorithm1)",
    )
    .option("--json", "print the summary as one JSON object")
    .option("--unsafe-no-sandbox", "execute programs without gVisor (dangerous)")
    .action(async (runId: string, options: { method: string; json?: boolean; unsafeNoSandbox?: boolean }) => {
      const { dataDir } = program.opts<GlobalOptions>();
      const resultsDir = resultsDirOf(dataDir, runId);
      const config = loadRunConfigOf(resultsDir, runId);
      const method = parseMethod(options.method);
      const summary = await withTemporal(dataDir, (target) =>
        hostWorker(target, dataDir, config, options, async () => {
          const client = await connectClient(target);
          try {
            const handle = await client.workflow.start(reselectWorkflow, {
              workflowId: `sstar-reselect-${runId}-${methodLabel(method)}-${Date.now()}`,
              taskQueue: TASK_QUEUE,
              args: [{ runId, config, resultsDir, method }],
            });
            return (await handle.result()) as RunSummary;
          } finally {
            await client.connection.close();
          }
        }),
      );
      if (options.json) console.log(JSON.stringify(summary));
      else console.log(formatSummary(summary));
    });
}
