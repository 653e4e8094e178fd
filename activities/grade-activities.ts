import type { RunConfig } from "../config/run-config";
import type { ProblemEntry } from "../method/pipeline-records";
import type { GraderName } from "../sandbox/types";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef } from "../store/content-store";
import { activityPayer } from "./activity-spend";
import { type PipelineDeps, problemLoader } from "./activity-support";
import type { CachedExecutor } from "./cached-executor";
import { programExecution } from "./program-execution";

/** The final check: pass@1 of selected programs (and oracle pass@N) on the hidden tests. */
export function gradeActivities(deps: PipelineDeps, executor: CachedExecutor) {
  const loadProblem = problemLoader(deps.store);
  return {
    /**
     * Grades programs on the hidden tests: with the `lcb` grader public then private tests, stopping
     * at the first failure (LiveCodeBench); with `ref`, private tests only (the reference).
     */
    async gradePrograms(input: {
      config: RunConfig;
      problem: ProblemEntry;
      codeRefs: ContentRef[];
      scope: ProblemScope;
      /** Another grader than the run's (`alsoGrade`); default the run's. */
      grader?: GraderName;
    }): Promise<Record<string, boolean>> {
      const { config } = input;
      const grader = input.grader ?? config.grader;
      const problem = await loadProblem(input.problem.ref);
      const tests =
        grader === "lcb" ? [...problem.publicTests, ...problem.privateTests] : problem.privateTests;
      const unique = [...new Set(input.codeRefs)];
      const payer = { ...activityPayer(input.scope, problem.id), stage: "grade" };
      const results = await Promise.all(
        unique.map(async (ref) => {
          const program = await deps.store.getText(ref);
          const result = await executor.execute(
            programExecution(problem, program, tests, config, { mode: "grade", grader, stopOnFailure: true }),
            payer,
          );
          const passed =
            !result.compileError &&
            result.tests.length === tests.length &&
            result.tests.every((t) => t.outcome === "passed");
          return [ref, passed] as const;
        }),
      );
      return Object.fromEntries(results);
    },
  };
}
