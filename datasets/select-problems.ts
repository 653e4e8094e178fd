import { fileURLToPath } from "node:url";
import type { RunConfig } from "../config/run-config";
import { problemFromRow } from "./lcb-row";
import type { Problem } from "./problem";
import { readRows } from "./read-rows";

export const DEMO_PROBLEMS_FILE = fileURLToPath(new URL("../demo/demo-problems.jsonl", import.meta.url));

/** The dataset file a run's `dataset.path` names (`demo` is the bundled demo problems). */
export function datasetFile(path: string): string {
  if (path === "demo") return DEMO_PROBLEMS_FILE;
  return path;
}

/** The problems of a run, in dataset order, after the configured filters, offset and limit. */
export async function selectProblems(dataset: RunConfig["dataset"]): Promise<Problem[]> {
  const selected: Problem[] = [];
  let skipped = 0;
  for await (const { row, where } of readRows(datasetFile(dataset.path))) {
    const problem = problemFromRow(row, where);
    if (dataset.difficulty && !dataset.difficulty.includes(problem.difficulty as "easy")) continue;
    if (dataset.platform && !dataset.platform.includes(problem.platform)) continue;
    if (dataset.from && problem.contestDate.slice(0, 10) < dataset.from) continue;
    if (dataset.to && problem.contestDate.slice(0, 10) > dataset.to) continue;
    if (dataset.ids && !dataset.ids.includes(problem.id)) continue;
    if (skipped < dataset.offset) {
      skipped++;
      continue;
    }
    selected.push(problem);
    if (dataset.limit !== undefined && selected.length >= dataset.limit) break;
  }
  return selected;
}
