import type { RunConfig } from "../config/run-config";
import {
  addStageUsage,
  NO_USAGE,
  type ProblemEntry,
  type SampleRound,
  type StageUsage,
  type UsageByStage,
} from "../method/pipeline-records";
import { debugTrace, questionText, selfDebugMessages } from "../method/prompts";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef } from "../store/content-store";
import { activityPayer } from "./activity-spend";
import { type PipelineDeps, permanent, problemLoader } from "./activity-support";
import type { PublicTestRounds } from "./public-test-rounds";
import { callRole } from "./role-calls";

/** Stage 1b of S*: self-debugging, one round of one sample at a time, against the public tests. */
export function refineActivities(deps: PipelineDeps, rounds: PublicTestRounds) {
  const loadProblem = problemLoader(deps.store);
  return {
    /** One debug round of one sample, given its history; tested on the public tests. */
    async refineSample(input: {
      config: RunConfig;
      problem: ProblemEntry;
      sampleIndex: number;
      history: SampleRound[];
      scope: ProblemScope;
    }): Promise<{ round: SampleRound; usage: UsageByStage }> {
      const { config, history } = input;
      const problem = await loadProblem(input.problem.ref);
      const traced = await Promise.all(
        history
          .filter((r) => r.codeRef)
          .map(async (r) => ({
            code: await deps.store.getText(r.codeRef as ContentRef),
            reasoning: r.reasoningRef ? await deps.store.getText(r.reasoningRef) : "",
            feedback: r.feedbackRef ? await deps.store.getText(r.feedbackRef) : "",
          })),
      );
      // The trace starts from the question the generator was shown.
      const question = questionText(problem, config.roles.generator.showStarterCode);
      const trace = debugTrace(question, traced, {
        context: config.budget.context,
        includeReasoning: config.budget.includeReasoning,
      });
      const messages = selfDebugMessages(trace);
      const round = history.length;
      const key = `sample${input.sampleIndex}:round${round}`;
      const payer = activityPayer(input.scope, problem.id);
      const usage: UsageByStage = {};
      let roundUsage: StageUsage = NO_USAGE;
      const add = (stage: "refine" | "reask", u: StageUsage) => {
        usage[stage] = addStageUsage(usage[stage] ?? NO_USAGE, u);
        roundUsage = addStageUsage(roundUsage, u);
      };
      try {
        const call = await callRole(
          deps.llm,
          config,
          "debugger",
          "refine",
          problem.id,
          messages,
          [key],
          payer,
        );
        add("refine", call.usage);
        // Debug answers always use the DSPy layout: the reference debugged through DSPy on every path.
        const result = await rounds.fromAnswer(
          round,
          call.texts[0] ?? "",
          "dspy",
          problem,
          config,
          async (attempt) => {
            const again = await callRole(
              deps.llm,
              config,
              "debugger",
              "reask",
              problem.id,
              messages,
              [`${key}:retry${attempt}`],
              payer,
            );
            add("reask", again.usage);
            return again.texts[0] ?? "";
          },
          (config.roles.debugger ?? config.roles.generator).parseRetries,
          { ...payer, stage: "refine" },
        );
        return { round: { ...result, usage: roundUsage }, usage };
      } catch (err) {
        permanent(err);
      }
    },
  };
}
