import { executeChild } from "@temporalio/workflow";
import { methodLabel, type SweepProblemOutcome, type SweepSettingOutcome } from "../method/pipeline-records";
import { budgetSettingLabel } from "../method/sweep-grid";
import { pipelineActivities } from "./pipeline-activities-proxy";
import type { SweepProblemWorkflowInput, SweepWorkflowInput } from "./pipeline-types";
import { runWorkflow } from "./run-workflow";

const acts = pipelineActivities("1 hour");

/** The sweep's run is an ordinary run, under the id `sstar run` would give it. */
export const sweepRunWorkflowId = (runId: string) => `sstar-run-${runId}`;

/**
 * A sweep: one run at the grid's largest N and R (a child workflow, so generation and refinement
 * are paid once), then for every problem (a child workflow each, `window` at a time) and every
 * (N, R, method) a selection among the first N samples' programs as of round R. Grading is already done: the run graded every sample's program
 * of every round. Settings go smallest first, so a selection call shared with a larger setting
 * (the same prompt, answered by the response cache) is paid by the smaller one.
 */
export async function sweepWorkflow(input: SweepWorkflowInput): Promise<unknown> {
  const { config, grid, resultsDir, runId } = input;
  await executeChild(runWorkflow, {
    workflowId: sweepRunWorkflowId(runId),
    args: [
      {
        runId,
        config,
        resultsDir,
        childrenPerHistory: input.childrenPerHistory,
        sweepGrid: { n: grid.n, rounds: grid.rounds },
      },
    ],
    workflowTaskTimeout: "1 minute",
  });
  const problems = await acts.sweepProblemList({ resultsDir });
  // One child per problem keeps each history small: a problem's selections are its own history.
  for (let i = 0; i < problems.length; i += config.window) {
    await Promise.all(
      problems.slice(i, i + config.window).map(({ problemId, recordRef }) =>
        executeChild(sweepProblemWorkflow, {
          workflowId: `sstar-sweep-${runId}--${problemId}`,
          args: [{ runId, config, resultsDir, grid, recordRef }],
          workflowTaskTimeout: "1 minute",
        }),
      ),
    );
  }
  return acts.writeSweepSettings({ runId, config, resultsDir, grid });
}

/** One problem of a sweep: every (N, R, method) setting's selection, written to the sweep's results. */
export async function sweepProblemWorkflow(input: SweepProblemWorkflowInput): Promise<void> {
  const { config, grid, recordRef, resultsDir, runId } = input;
  const sets = await acts.sweepCandidateSets({ recordRef, grid: { n: grid.n, rounds: grid.rounds } });
  const settings: SweepSettingOutcome[] = [];
  // The same method on the same candidates (e.g. N=1 whose sample passed in round 0) decides the same.
  const decided = new Map<string, SweepSettingOutcome>();
  for (const set of sets.sets) {
    for (const method of grid.methods) {
      const label = methodLabel(method);
      const key = `${label}\u0000${set.candidates.map((c) => `${c.index}:${c.codeRef}`).join(",")}`;
      const point = { n: set.n, rounds: set.rounds, method: label };
      const earlier = decided.get(key);
      if (earlier) {
        settings.push({ ...earlier, ...point, paid: {} });
        continue;
      }
      let outcome: SweepSettingOutcome;
      if (method.method === "oracle") {
        // The oracle picks a passing program when there is one: its pass@1 is the setting's pass@N.
        const passing = set.candidates.find((c) => sets.verdicts[c.codeRef] === true);
        outcome = {
          ...point,
          selected: passing?.index ?? null,
          passed: passing !== undefined,
          reason: passing ? "a candidate passes the hidden tests" : "no candidate passes",
          paid: {},
          standalone: {},
        };
      } else {
        const choice = await acts.selectCandidate({
          config,
          problem: sets.problem,
          method,
          candidates: set.candidates,
          // Paid under the setting's own budget-setting label.
          scope: { runId, budgetSetting: budgetSettingLabel(set) },
        });
        const selected = set.candidates.find((c) => c.index === choice.selected);
        outcome = {
          ...point,
          selected: choice.selected,
          passed: selected ? sets.verdicts[selected.codeRef] === true : false,
          reason: choice.reason,
          paid: choice.usage,
          standalone: choice.standaloneUsage,
        };
      }
      decided.set(key, outcome);
      settings.push(outcome);
    }
  }
  const outcome: SweepProblemOutcome = {
    problemId: sets.problem.id,
    difficulty: sets.problem.difficulty,
    settings,
  };
  await acts.writeSweepProblem({ resultsDir, outcome });
}
