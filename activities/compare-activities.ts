import type { RunConfig, SelectionConfig } from "../config/run-config";
import { clusterBySignature } from "../method/clustering";
import {
  methodLabel,
  type ProblemEntry,
  type SelectionCandidateRef,
  type UsageByStage,
} from "../method/pipeline-records";
import { SeededRandom } from "../method/seeded-random";
import {
  type SelectionCandidate,
  type SelectionOutcome,
  selectByCodeOnlyJudgeOverPassing,
  selectByGeneratedTests,
  selectByMajorityVote,
  selectByTestAwareJudge,
  selectByTestResultVote,
  selectByTimeoutTests,
  selectFirst,
  selectRandom,
  selectSstarAlgorithm1,
  selectSstarRef,
} from "../method/selection";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef } from "../store/content-store";
import { activityPayer } from "./activity-spend";
import { type PipelineDeps, permanent, problemLoader } from "./activity-support";
import type { CachedExecutor } from "./cached-executor";
import { RunSelectionTools } from "./pairwise-judging";

/**
 * Stages 2 and 3 of S*: every selection method over a problem's final candidates. Test inputs are
 * synthesized and run (test-synthesis.ts), candidates clustered by output and compared pairwise by
 * the judge (pairwise-judging.ts); the methods themselves are pure (method/selection.ts).
 */
export function compareActivities(deps: PipelineDeps, executor: CachedExecutor) {
  const loadProblem = problemLoader(deps.store);
  /** The execution and judging tools over the candidates' programs, paid under the problem's scope. */
  const selectionTools = async (
    config: RunConfig,
    problem: Awaited<ReturnType<typeof loadProblem>>,
    candidates: SelectionCandidateRef[],
    scope: ProblemScope,
    options: { rng: SeededRandom; hidePredictedOutputs: boolean },
  ) => {
    const codes = new Map(
      await Promise.all(candidates.map(async (c) => [c.index, await deps.store.getText(c.codeRef)] as const)),
    );
    const payer = activityPayer(scope, problem.id);
    return new RunSelectionTools({ problem, config, codes, llm: deps.llm, executor, payer, ...options });
  };
  return {
    /**
     * The adaptive policy's evidence after a wave: the sizes of the execution clusters the
     * public-passing candidates form on the synthesized inputs. The inputs are the ones selection asks for later,
     * so the response and execution caches make this free for selection.
     */
    async waveClusters(input: {
      config: RunConfig;
      problem: ProblemEntry;
      candidates: SelectionCandidateRef[];
      scope: ProblemScope;
    }): Promise<{ passingClusters: number[]; usage: UsageByStage }> {
      const { config } = input;
      const passing = input.candidates.filter((c) => c.publicScore === 1);
      if (passing.length < 2) return { passingClusters: [], usage: {} };
      const problem = await loadProblem(input.problem.ref);
      const tools = await selectionTools(config, problem, passing, input.scope, {
        rng: new SeededRandom(config.seed, problem.id, "adaptive-evidence"),
        hidePredictedOutputs: false,
      });
      try {
        const pool = passing.map((c) => c.index);
        const outputs = await tools.outputsOnGeneratedTests(pool);
        const clusters = clusterBySignature(pool, (c) => outputs.get(c) ?? []);
        return { passingClusters: clusters.map((c) => c.length), usage: tools.usage };
      } catch (err) {
        permanent(err);
      }
    },

    /** One selection method over the final candidates. */
    async selectCandidate(input: {
      config: RunConfig;
      problem: ProblemEntry;
      method: SelectionConfig;
      candidates: SelectionCandidateRef[];
      scope: ProblemScope;
    }): Promise<{
      selected: number | null;
      reason: string;
      recordRef: ContentRef;
      usage: UsageByStage;
      /** The calls' price counting those the response cache answered: the method's cost run alone. */
      standaloneUsage: UsageByStage;
    }> {
      const { config, method } = input;
      const problem = await loadProblem(input.problem.ref);
      if (input.candidates.length === 0) {
        const recordRef = await deps.store.putJson({
          method: methodLabel(method),
          selected: null,
          reason: "no parsable sample",
        });
        return { selected: null, reason: "no parsable sample", recordRef, usage: {}, standaloneUsage: {} };
      }
      const rng = new SeededRandom(config.seed, problem.id, "selection", methodLabel(method));
      const tools = await selectionTools(config, problem, input.candidates, input.scope, {
        rng,
        hidePredictedOutputs: method.method === "sstar" ? method.hidePredictedOutputs : false,
      });
      const candidates: SelectionCandidate[] = input.candidates.map((c) => ({
        index: c.index,
        publicScore: c.publicScore,
      }));
      let outcome: SelectionOutcome;
      try {
        switch (method.method) {
          case "sstar":
            outcome =
              method.mode === "ref"
                ? await selectSstarRef(candidates, tools, method.tieBreak)
                : await selectSstarAlgorithm1(candidates, tools, method.tieBreak);
            break;
          case "majority_vote":
            outcome = await selectByMajorityVote(candidates, tools, method);
            break;
          case "llm_judge":
            outcome =
              method.grounding === "generated_tests"
                ? await selectByTestAwareJudge(candidates, tools, "lowest-index")
                : await selectByCodeOnlyJudgeOverPassing(candidates, tools, method.orders ?? "both");
            break;
          case "generated_tests_majority_llm":
            outcome = await selectByTestResultVote(candidates, tools);
            break;
          case "generated_tests":
            outcome = await selectByGeneratedTests(candidates, tools);
            break;
          case "timeout_tests":
            outcome = await selectByTimeoutTests(candidates, tools);
            break;
          case "random":
            outcome = selectRandom(candidates, rng);
            break;
          case "self_debug":
            outcome = { selected: candidates[0]?.index ?? 0, reason: "the single self-debugged sample" };
            break;
          default:
            // `first`; `oracle` is graded over every candidate rather than selected.
            outcome = selectFirst(candidates);
        }
      } catch (err) {
        permanent(err);
      }
      const recordRef = await deps.store.putJson({
        method: methodLabel(method),
        ...outcome,
        tests: tools.record(),
      });
      return {
        selected: outcome.selected,
        reason: outcome.reason,
        recordRef,
        usage: tools.usage,
        standaloneUsage: tools.standaloneUsage,
      };
    },
  };
}
