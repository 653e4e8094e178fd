import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { readNamedJson } from "../../config/read-named-file";
import { RunConfigSchema } from "../../config/run-config";
import { loadPriceFile, selectPriceTable } from "../../ledger/prices";
import { readRunThroughput } from "../../llm/endpoint-throughput";
import { renderHtmlReport } from "../../report/html-report";
import { usageOfStages } from "../../report/price-usage";
import { buildReportModel, type ReportInput } from "../../report/report-model";
import { formatReportText } from "../../report/report-text";
import {
  REPORT_FILE,
  readForecast,
  readOutcomes,
  readRunSeconds,
  readSettingsFile,
  readSummary,
} from "../../report/run-folder";
import { readLedgerTotals, readSandboxCpuByProblem } from "../../report/run-ledger";
import { settingsOfRun, withLedgerSandbox } from "../../report/run-settings";
import { runSpendByStage } from "../../report/run-spend";
import { budgetSettingLabel, runBudgetSetting } from "../../spend/budget-setting";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";
import { resultsDirOf } from "./run";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "per-setting table of a run or sweep (pass@1 per difficulty, spend by stage) and one self-contained HTML file with plots",
    )
    .argument("<run>", "the run id (a folder under <data-dir>/runs)")
    .option("--html <file>", "where to write the HTML report (default: <run dir>/report.html)")
    .option("--prices <file>", "price file (default: ledger/default-prices.json)")
    .option(
      "--with <run>",
      "another run or sweep whose settings join the table and plots (e.g. an --adaptive run beside a sweep); repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (runId: string, options: { html?: string; prices?: string; with?: string[] }) => {
      const { dataDir } = program.opts<GlobalOptions>();
      const htmlFile = await reportCommand(dataDir, runId, options);
      process.stderr.write(`report written to ${htmlFile}\n`);
    });
}

/** A run's or sweep's folder as a report reads it: its settings (with the ledger's sandbox time). */
async function readRunForReport(dataDir: string, runId: string) {
  const resultsDir = resultsDirOf(dataDir, runId);
  if (!existsSync(resultsDir)) {
    const runs = existsSync(join(dataDir, "runs")) ? readdirSync(join(dataDir, "runs")) : [];
    throw new UsageError(`no run ${runId} in ${dataDir} (runs: ${runs.join(", ") || "none"})`);
  }
  const configFile = join(resultsDir, "config.json");
  // A folder another command wrote (a sweep) may hold a configuration of its own shape: then the
  // report works from settings.json alone.
  const parsed = existsSync(configFile) ? RunConfigSchema.safeParse(readNamedJson(configFile)) : undefined;
  const config = parsed?.success ? parsed.data : undefined;
  const summary = readSummary(resultsDir);
  const ledger = await readLedgerTotals(dataDir, runId);
  const found =
    readSettingsFile(resultsDir) ?? (summary && config ? settingsOfRun(summary, config) : undefined);
  if (!found) throw new UsageError(`run ${runId} has neither settings.json nor a finished summary.json`);
  const settings = ledger ? withLedgerSandbox(found, ledger) : found;
  const finalOracle = summary?.oracle?.pass_at_n?.at(-1);
  const oracle =
    summary && finalOracle !== undefined
      ? [
          {
            setting: config ? runBudgetSetting(config) : budgetSettingLabel(summary.budget),
            passAtN: finalOracle,
          },
        ]
      : [];
  return { resultsDir, config, summary, ledger, settings, oracle };
}

/** `sstar report`: prints the table and writes the HTML; returns the HTML file's path. */
export async function reportCommand(
  dataDir: string,
  runId: string,
  options: { html?: string; prices?: string; with?: string[] },
): Promise<string> {
  const { resultsDir, config, summary, ledger, settings, oracle } = await readRunForReport(dataDir, runId);
  const compared = [];
  for (const other of options.with ?? []) {
    if (other === runId) throw new UsageError(`--with ${other}: that is the report's own run`);
    compared.push(await readRunForReport(dataDir, other));
  }

  const oracles = [...oracle, ...compared.flatMap((c) => c.oracle)];

  const forecast = readForecast(resultsDir);
  let runSpend: ReportInput["runSpend"];
  if (summary && config && existsSync(join(resultsDir, "results.jsonl"))) {
    const pilotDir = forecast ? resultsDirOf(dataDir, forecast.pilot_run_id) : undefined;
    const pilot =
      pilotDir && pilotDir !== resultsDir && existsSync(join(pilotDir, "results.jsonl"))
        ? readOutcomes(pilotDir)
        : [];
    const spend = runSpendByStage(readOutcomes(resultsDir), pilot);
    // Sandbox time counted like tokens: a problem reused from the pilot at the pilot's.
    const cpu = await readSandboxCpuByProblem(dataDir, runId);
    if (spend.reusedPilot) {
      for (const [problem, seconds] of await readSandboxCpuByProblem(dataDir, forecast?.pilot_run_id ?? "")) {
        if (pilot.some((o) => o.problemId === problem) && seconds > (cpu.get(problem) ?? 0))
          cpu.set(problem, seconds);
      }
    }
    const sandboxCpuSeconds = [...cpu.values()].reduce((s, x) => s + x, 0);
    runSpend = {
      usage: usageOfStages(spend.byStage, config.roles),
      sandboxCpuSeconds,
      seconds: readRunSeconds(resultsDir),
      reusedPilot: spend.reusedPilot,
    };
  }
  const model = buildReportModel({
    settings,
    ...(compared.length ? { compared: compared.map((c) => c.settings) } : {}),
    prices: selectPriceTable(loadPriceFile(options.prices)),
    // GPU time is priced at the throughput the run measured on its endpoints, where it did.
    priceOptions: { throughput: readRunThroughput(resultsDir) },
    ...(ledger ? { ledger } : {}),
    ...(runSpend ? { runSpend } : {}),
    ...(forecast ? { forecast } : {}),
    ...(oracles.length ? { oracle: oracles } : {}),
    ...(summary?.time_breakdown_s ? { timeBreakdown: summary.time_breakdown_s } : {}),
    generatedAt: new Date().toISOString(),
  });
  console.log(formatReportText(model));
  const htmlFile = resolve(options.html ?? join(resultsDir, REPORT_FILE));
  writeFileSync(htmlFile, renderHtmlReport(model));
  return htmlFile;
}
