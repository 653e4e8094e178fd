import { mkdir } from "node:fs/promises";
import { Context } from "@temporalio/activity";
import type { RunConfig } from "../config/run-config";
import { selectProblems } from "../datasets/select-problems";
import type { ProblemEntry } from "../method/pipeline-records";
import type { ContentRef } from "../store/content-store";
import { writeProblemList } from "../worker/run-progress";
import type { PipelineDeps } from "./activity-support";

const PROBLEM_PAGE = 200;

/** The run's problems: the dataset read, filtered and stored once, then paged through. */
export function problemActivities(deps: PipelineDeps) {
  return {
    /** Reads and filters the dataset once; the run pages through the stored list. */
    async prepareProblems(input: {
      config: RunConfig;
      /** Where `sstar status` finds the run's size (worker/run-progress.ts). */
      resultsDir?: string;
    }): Promise<{ listRef: ContentRef; total: number }> {
      // A release shard is about 1 GB: report download progress as heartbeats.
      const problems = await selectProblems(input.config.dataset, {
        cacheDir: deps.datasetCacheDir,
        skipBad: input.config.dataset.skipBad,
        onProgress: (p) => Context.current().heartbeat(p.received),
      });
      const entries: ProblemEntry[] = [];
      for (const problem of problems) {
        entries.push({
          id: problem.id,
          ref: await deps.store.putJson(problem),
          difficulty: problem.difficulty,
        });
      }
      const listRef = await deps.store.putJson(entries);
      if (input.resultsDir) {
        await mkdir(input.resultsDir, { recursive: true });
        await writeProblemList(input.resultsDir, { total: entries.length, listedAt: Date.now() });
      }
      return { listRef, total: entries.length };
    },

    async problemPage(input: {
      listRef: ContentRef;
      offset: number;
      count?: number;
    }): Promise<ProblemEntry[]> {
      const entries = await deps.store.getJson<ProblemEntry[]>(input.listRef);
      return entries.slice(input.offset, input.offset + (input.count ?? PROBLEM_PAGE));
    },
  };
}
