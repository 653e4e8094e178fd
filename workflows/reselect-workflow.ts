import { mergeUsage, methodLabel, type ProblemOutcome, type UsageByStage } from "../method/pipeline-records";
import { runBudgetSetting } from "../spend/budget-setting";
import { pipelineActivities } from "./pipeline-activities-proxy";
import type { ReselectWorkflowInput } from "./pipeline-types";

const acts = pipelineActivities("1 hour");

/**
 * Applies another selection method to a finished run's stored candidates: no generation, only
 * what the method itself asks of the LLM; grading reuses the execution cache.
 */
export async function reselectWorkflow(input: ReselectWorkflowInput): Promise<unknown> {
  const { config, method, resultsDir, runId } = input;
  // What the method newly asks of the LLM and the sandbox is the run's spend.
  const scope = { runId, budgetSetting: runBudgetSetting(config) };
  const label = methodLabel(method);
  const stored = await acts.storedCandidates({ resultsDir });
  const outcomes: ProblemOutcome[] = [];
  for (let i = 0; i < stored.length; i += config.window) {
    const chunk = stored.slice(i, i + config.window);
    const done = await Promise.all(
      chunk.map(async ({ problem, candidates, oracleByRound, correctByRound }) => {
        const choice = await acts.selectCandidate({ config, problem, method, candidates, scope });
        const selected = candidates.find((c) => c.index === choice.selected);
        const verdicts = selected
          ? await acts.gradePrograms({ config, problem, codeRefs: [selected.codeRef], scope })
          : {};
        const usage: UsageByStage = mergeUsage({}, choice.usage);
        return {
          problemId: problem.id,
          difficulty: problem.difficulty,
          samples: config.budget.n,
          rounds: config.budget.rounds,
          methods: [
            {
              label,
              selected: choice.selected,
              passed: selected ? verdicts[selected.codeRef] === true : false,
              reason: choice.reason,
              recordRef: choice.recordRef,
            },
          ],
          oracleByRound,
          correctByRound,
          usage,
          recordRef: choice.recordRef,
        } satisfies ProblemOutcome;
      }),
    );
    outcomes.push(...done);
  }
  return acts.writeReselectSummary({ runId, config, resultsDir, label, outcomes });
}
