import { problemFromRow } from "./lcb-row";
import { BadRowError, NoHiddenTestsError, type Problem } from "./problem";
import { readRows } from "./read-rows";

/** What `--skip-bad` left out: how many rows, and the first few errors (each `where: field: detail`). */
export interface SkippedRows {
  count: number;
  first: string[];
}

/** Where a run's folder keeps what --skip-bad left out, for its summary. */
export const SKIPPED_ROWS_FILE = "skipped-rows.json";

/** How many skipped rows' errors are kept for the report. */
export const SKIPPED_SHOWN = 5;

export interface ReadProblemsOptions {
  /**
   * Skip a row that cannot be read or normalized (told through `onBadRow`) instead of throwing its
   * BadRowError. A file that cannot be read at all still throws.
   */
  skipBad?: boolean;
  /** Each skipped row's error, in order (only with skipBad). */
  onBadRow?: (error: BadRowError) => void;
  /**
   * A cheap look at the raw row before it is normalized: false drops it unread (so that a filter on
   * date or difficulty does not inflate the hidden tests of every problem of a release). Rows dropped
   * here are not checked.
   */
  rowFilter?: (row: unknown) => boolean;
  /**
   * Accept problems with no hidden test (only for reading a file's structure, as its own tests do):
   * by default such a row is a NoHiddenTestsError, since grading it would pass any program.
   */
  allowNoHiddenTests?: boolean;
}

/** The problems of the files, in order, streamed (a release shard of a gigabyte is never held whole). */
export async function* readProblems(
  files: readonly string[],
  options: ReadProblemsOptions = {},
): AsyncGenerator<Problem> {
  const onBad = (error: BadRowError) => options.onBadRow?.(error);
  // Results, caches and workflows are keyed by problem id: a second row with one is an error.
  const firstSeen = new Map<string, string>();
  for (const file of files) {
    for await (const { row, where } of readRows(file, options.skipBad ? { onUnparsable: onBad } : {})) {
      if (options.rowFilter && !options.rowFilter(row)) continue;
      let problem: Problem;
      try {
        problem = problemFromRow(row, where);
        const first = firstSeen.get(problem.id);
        if (first !== undefined)
          throw new BadRowError(
            where,
            "question_id",
            `duplicate problem id "${problem.id}" (first at ${first})`,
          );
        firstSeen.set(problem.id, where);
        if (problem.privateTests.length === 0 && !options.allowNoHiddenTests)
          throw new NoHiddenTestsError(where, problem);
      } catch (err) {
        if (!(options.skipBad && err instanceof BadRowError)) throw err;
        onBad(err);
        continue;
      }
      yield problem;
    }
  }
}

/** Collects skipped rows for a SkippedRows report. */
export function skipCollector(): { onBadRow: (error: BadRowError) => void; skipped: SkippedRows } {
  const skipped: SkippedRows = { count: 0, first: [] };
  return {
    skipped,
    onBadRow: (error) => {
      skipped.count++;
      if (skipped.first.length < SKIPPED_SHOWN) skipped.first.push(error.message);
    },
  };
}

/** `skipped 3 bad rows: a.jsonl:4: difficulty: …; …` (one line). */
export function describeSkipped(skipped: SkippedRows): string {
  const more = skipped.count > skipped.first.length ? "; …" : "";
  const s = skipped.count === 1 ? "" : "s";
  return `skipped ${skipped.count} bad row${s}: ${skipped.first.join("; ")}${more}`;
}
