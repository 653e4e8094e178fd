import type { RunConfig } from "../config/run-config";
import { describeSkipped, readProblems, type SkippedRows, skipCollector } from "./load-problems";
import type { Problem } from "./problem";
import { DEMO_PROBLEMS_FILE, type ResolveOptions, resolveDataset } from "./resolve-dataset";

export { DEMO_PROBLEMS_FILE };

/** The dataset part of a run configuration: what to read and which problems of it to keep. */
export type DatasetSelection = Omit<RunConfig["dataset"], "skipBad"> & { skipBad?: boolean };

export interface SelectOptions extends ResolveOptions {
  /** Skip rows that cannot be read instead of failing on the first (the run's `--skip-bad`). */
  skipBad?: boolean;
  /**
   * Told once, at the end, what was skipped (only with skipBad and when rows were skipped); without it,
   * selectProblems writes a one-line summary to stderr.
   */
  onSkipped?: (skipped: SkippedRows) => void;
}

export interface Selection {
  problems: Problem[];
  /** The local files read (downloaded ones in the cache). */
  files: string[];
  skipped: SkippedRows;
}

/** The local dataset file a run's `dataset.path` names when it is one (`demo` is the bundled demo problems). */
export function datasetFile(path: string): string {
  if (path === "demo") return DEMO_PROBLEMS_FILE;
  return path;
}

/**
 * The problems of a run, in dataset order, after the configured filters, offset and limit. The dataset
 * may be a file, a folder, a URL or `lcb:release_vN` (see resolveDataset; downloads go to
 * `options.cacheDir`).
 */
export async function selectProblems(
  dataset: DatasetSelection,
  options: SelectOptions = {},
): Promise<Problem[]> {
  const { problems, skipped } = await selectProblemsReport(dataset, options);
  if (skipped.count > 0) {
    if (options.onSkipped) options.onSkipped(skipped);
    else console.warn(`sstar: ${dataset.path}: ${describeSkipped(skipped)}`);
  }
  return problems;
}

/** selectProblems, also telling which files were read and which rows were skipped. */
export async function selectProblemsReport(
  dataset: DatasetSelection,
  options: SelectOptions = {},
): Promise<Selection> {
  const files = await resolveDataset(dataset.path, options);
  const { skipped, onBadRow } = skipCollector();
  const selected: Problem[] = [];
  let passedOver = 0;
  const problems = readProblems(files, {
    skipBad: options.skipBad,
    onBadRow,
    rowFilter: (row) => rowMayMatch(row, dataset),
  });
  for await (const problem of problems) {
    if (!matches(problem, dataset)) continue;
    if (passedOver < (dataset.offset ?? 0)) {
      passedOver++;
      continue;
    }
    selected.push(problem);
    if (dataset.limit !== undefined && selected.length >= dataset.limit) break;
  }
  return { problems: selected, files, skipped };
}

function matches(problem: Problem, dataset: DatasetSelection): boolean {
  const day = problem.contestDate.slice(0, 10);
  if (dataset.difficulty && !(dataset.difficulty as string[]).includes(problem.difficulty)) return false;
  if (dataset.platform && !dataset.platform.includes(problem.platform)) return false;
  if (dataset.from && day < dataset.from) return false;
  if (dataset.to && day > dataset.to) return false;
  if (dataset.ids && !dataset.ids.includes(problem.id)) return false;
  return true;
}

/**
 * False only when the raw row's own fields already exclude it, so that its hidden tests are never
 * decoded; `matches` still decides on the normalized problem.
 */
function rowMayMatch(row: unknown, dataset: DatasetSelection): boolean {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return true;
  const r = row as Record<string, unknown>;
  const id = r.question_id;
  if (
    dataset.ids &&
    (typeof id === "string" || typeof id === "number") &&
    !dataset.ids.includes(String(id))
  ) {
    return false;
  }
  const difficulty = r.difficulty;
  if (dataset.difficulty && typeof difficulty === "string") {
    if (!(dataset.difficulty as string[]).includes(difficulty)) return false;
  }
  if (dataset.platform && typeof r.platform === "string" && !dataset.platform.includes(r.platform))
    return false;
  if (typeof r.contest_date === "string") {
    const day = r.contest_date.slice(0, 10);
    if (dataset.from && day < dataset.from) return false;
    if (dataset.to && day > dataset.to) return false;
  }
  return true;
}
