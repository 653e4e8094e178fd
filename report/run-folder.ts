/**
 * The report's files in a run folder (`<data-dir>/runs/<run id>/`): reading what `sstar run`,
 * `sstar sweep` and `sstar estimate` wrote, and the two small files a finished `sstar run` adds
 * (its wall time and its settings).
 */
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunConfig } from "../config/run-config";
import type { Forecast } from "../estimate/forecast";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { settingsOfRun } from "./run-settings";
import { SETTINGS_FILE, type SettingsFile } from "./setting-results";

export const RUN_TIMES_FILE = "run-times.jsonl";
export const FORECAST_FILE = "forecast.json";
export const REPORT_FILE = "report.html";

export interface RunTime {
  started_at: string;
  finished_at: string;
  seconds: number;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : undefined;
}

/**
 * After `sstar run` returns a summary: when this invocation did the work (the summary was written
 * after it started, not merely shown), append its wall time to run-times.jsonl; and write
 * settings.json (one setting per method) unless a sweep owns that file.
 */
export function recordRunEnd(
  resultsDir: string,
  config: RunConfig,
  summary: RunSummary,
  startedAt: Date,
): void {
  const summaryFile = join(resultsDir, "summary.json");
  const finishedAt = new Date();
  if (existsSync(summaryFile) && statSync(summaryFile).mtimeMs >= startedAt.getTime()) {
    const line: RunTime = {
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    };
    appendFileSync(join(resultsDir, RUN_TIMES_FILE), `${JSON.stringify(line)}\n`);
  }
  const settingsFile = join(resultsDir, SETTINGS_FILE);
  if (readJson<SettingsFile>(settingsFile)?.kind !== "sweep") {
    writeFileSync(settingsFile, `${JSON.stringify(settingsOfRun(summary, config), null, 2)}\n`);
  }
}

/**
 * The run's wall time: the sum of the invocations that worked on it (a run resumed after a kill
 * misses the killed invocation's part); null when none was recorded.
 */
export function readRunSeconds(resultsDir: string): number | null {
  const file = join(resultsDir, RUN_TIMES_FILE);
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  if (lines.length === 0) return null;
  return lines.reduce((s, l) => s + (JSON.parse(l) as RunTime).seconds, 0);
}

export const readSummary = (resultsDir: string) => readJson<RunSummary>(join(resultsDir, "summary.json"));
export const readSettingsFile = (resultsDir: string) =>
  readJson<SettingsFile>(join(resultsDir, SETTINGS_FILE));
export const readForecast = (resultsDir: string) => readJson<Forecast>(join(resultsDir, FORECAST_FILE));

/** Every problem's outcome of a finished run (results.jsonl). */
export function readOutcomes(resultsDir: string): ProblemOutcome[] {
  const file = join(resultsDir, "results.jsonl");
  if (!existsSync(file)) throw new Error(`${file} does not exist: the run has not finished`);
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProblemOutcome);
}
