import { join } from "node:path";
import type { Command } from "commander";
import { DownloadError, progressPrinter } from "../../datasets/download";
import { formatInspectReport, inspectDataset } from "../../datasets/inspect";
import { BadRowError } from "../../datasets/problem";
import { DatasetError } from "../../datasets/resolve-dataset";
import type { GlobalOptions } from "../global-options";

interface InspectCommandOptions {
  json?: boolean;
  skipBad?: boolean;
}

export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description("datasets: look at what a file, URL or LiveCodeBench release holds");
  data
    .command("inspect")
    .description(
      "read a whole dataset and print its problems by platform, difficulty and test type, its date " +
        "range and its bad rows; exit 0, or 2 on the first bad row (without --skip-bad) or bad input, 3 when the network fails",
    )
    .argument(
      "<dataset>",
      "a file (.jsonl, .json, .parquet, maybe .gz), a folder of them, an http(s) URL (downloaded once " +
        "into <data-dir>/cache/datasets), lcb:release_v1 … lcb:release_v6 / lcb:release_latest, or demo",
    )
    .option(
      "--json",
      "print one JSON object: problems, by_platform, by_difficulty, by_test_type, date_range, bad_rows",
    )
    .option("--skip-bad", "count bad rows and go on instead of stopping at the first")
    .action(async (dataset: string, options: InspectCommandOptions) => {
      const { dataDir } = program.opts<GlobalOptions>();
      try {
        const report = await inspectDataset(dataset, {
          cacheDir: join(dataDir, "cache"),
          onProgress: progressPrinter((line) => process.stderr.write(`${line}\n`)),
          skipBad: options.skipBad,
        });
        console.log(options.json ? JSON.stringify(report) : formatInspectReport(report));
      } catch (err) {
        console.error(`sstar data inspect: ${(err as Error).message}`);
        process.exitCode = exitCodeOf(err);
      }
    });
}

/** 2 when the dataset named is wrong, 3 when the network failed for good, 1 for anything else (the disk). */
function exitCodeOf(err: unknown): number {
  if (err instanceof BadRowError || err instanceof DatasetError) return 2;
  if (err instanceof DownloadError) return err.retryable ? 3 : 2;
  // readRows and the parquet reader name the file when it is not a dataset at all.
  return (err as NodeJS.ErrnoException).code ? 1 : 2;
}
