import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DownloadError, progressPrinter } from "./download";
import { describeSkipped, SKIPPED_ROWS_FILE, type SkippedRows } from "./load-problems";
import { BadRowError } from "./problem";
import { DatasetError } from "./resolve-dataset";
import { type DatasetSelection, selectProblemsReport } from "./select-problems";

/** A dataset that cannot be run, in one line; `exitCode` is 2 (bad input) or 3 (the network failed). */
export class DatasetCheckError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
    this.name = "DatasetCheckError";
  }
}

/** `line 4` for a JSONL row (`file:4`), `row 4` for a JSON array's fourth item (`file[3]`). */
export function rowPosition(where: string): string | undefined {
  const line = /:(\d+)$/.exec(where);
  if (line) return `line ${line[1]}`;
  const item = /\[(\d+)\]$/.exec(where);
  return item ? `row ${Number(item[1]) + 1}` : undefined;
}

/**
 * Reads the run's whole selection once, before any workflow starts, so a bad row is one line naming
 * file, row and field instead of a retried activity's stack traces. Returns how many problems the run
 * has and what skipBad left out (also told through `warn`).
 */
export async function checkDataset(
  dataset: DatasetSelection,
  cacheDir: string,
  warn: (line: string) => void,
): Promise<{ problems: number; skipped: SkippedRows }> {
  try {
    const { problems, skipped } = await selectProblemsReport(dataset, {
      cacheDir,
      skipBad: dataset.skipBad,
      onProgress: progressPrinter(warn),
    });
    if (skipped.count > 0) warn(`sstar run: ${dataset.path}: ${describeSkipped(skipped)}`);
    const noPublic = problems.filter((p) => p.publicTests.length === 0).map((p) => p.id);
    if (noPublic.length > 0)
      warn(
        `sstar run: ${noPublic.length} problem(s) have no public tests (${noPublic.slice(0, 3).join(", ")}${noPublic.length > 3 ? ", …" : ""}): ` +
          "as in the reference, their public accuracy is 0, so every debug round runs and no sample counts as public-passing",
      );
    if (problems.length === 0)
      throw new DatasetCheckError(`the dataset ${dataset.path} selects no problems to run`, 2);
    return { problems: problems.length, skipped };
  } catch (err) {
    if (err instanceof DatasetCheckError) throw err;
    if (err instanceof BadRowError) {
      const position = rowPosition(err.where);
      throw new DatasetCheckError(
        `bad dataset row${position ? ` (${position})` : ""}: ${err.message}; fix it, or pass --skip-bad to skip and count bad rows`,
        2,
      );
    }
    if (err instanceof DownloadError)
      throw new DatasetCheckError(`cannot download the dataset: ${err.message}`, err.retryable ? 3 : 2);
    if (err instanceof DatasetError) throw new DatasetCheckError(err.message, 2);
    // The readers name the file when it is not a dataset at all; an errno is the disk's.
    if (!(err as NodeJS.ErrnoException).code) throw new DatasetCheckError((err as Error).message, 2);
    throw err;
  }
}

/** Leaves what --skip-bad left out in the run's folder, for its summary; a clean dataset leaves nothing. */
export function recordSkippedRows(resultsDir: string, skipped: SkippedRows): void {
  const file = join(resultsDir, SKIPPED_ROWS_FILE);
  if (skipped.count === 0) rmSync(file, { force: true });
  else writeFileSync(file, `${JSON.stringify(skipped)}\n`);
}
