import type { RunConfig } from "../config/run-config";
import {
  addStageUsage,
  NO_USAGE,
  type ProblemEntry,
  type SampleRound,
  type StageUsage,
  type UsageByStage,
} from "../method/pipeline-records";
import { generationMessages } from "../method/prompts";
import { splitBatchUsage } from "../method/sweep-spend";
import type { ProblemScope } from "../spend/spend-recorder";
import { activityPayer } from "./activity-spend";
import { type PipelineDeps, permanent, problemLoader } from "./activity-support";
import type { PublicTestRounds } from "./public-test-rounds";
import { callRole } from "./role-calls";

/** Stage 1a of S*: N candidate programs for a problem, each run on the public tests. */
export function generateActivities(deps: PipelineDeps, rounds: PublicTestRounds) {
  const loadProblem = problemLoader(deps.store);
  return {
    /** Round 0: N samples (one request with `n` where the endpoint allows), each tested on the public tests. */
    async generateSamples(input: {
      config: RunConfig;
      problem: ProblemEntry;
      /** The run and budget setting that pay for this problem. */
      scope: ProblemScope;
      /** The adaptive policy's wave: samples first..first+count-1 (default: all N from 0). */
      first?: number;
      count?: number;
    }): Promise<{ rounds: SampleRound[]; usage: UsageByStage; shared: StageUsage }> {
      const { config } = input;
      const problem = await loadProblem(input.problem.ref);
      const role = config.roles.generator;
      const messages = generationMessages(problem, role.layout, {
        systemPrompt: role.systemPrompt,
        showStarterCode: role.showStarterCode,
      });
      // The problem's first activity, on each attempt: a killed worker's gauges died with it, and
      // a failed attempt takes its start back below.
      const first = input.first ?? 0;
      const count = input.count ?? config.budget.n - first;
      if (first === 0) deps.spend.problemStarted(input.scope);
      const payer = activityPayer(input.scope, problem.id);
      const usage: UsageByStage = {};
      const add = (stage: "generate" | "reask", u: StageUsage) => {
        usage[stage] = addStageUsage(usage[stage] ?? NO_USAGE, u);
      };
      try {
        const keys = Array.from({ length: count }, (_, i) => `sample${first + i}:round0`);
        const call = await callRole(
          deps.llm,
          config,
          "generator",
          "generate",
          problem.id,
          messages,
          keys,
          payer,
        );
        add("generate", call.usage);
        // Each sample's own tokens, for a sweep's attribution (method/sweep-spend.ts).
        const split = splitBatchUsage(
          call.usage,
          call.texts.map((t) => t.length),
          config.endpoints[role.endpoint]?.supportsN ?? true,
        );
        const sampleUsage = split.perSample;
        const sampleRounds = await Promise.all(
          call.texts.map((text, i) =>
            rounds.fromAnswer(
              0,
              text,
              role.layout,
              problem,
              config,
              async (attempt) => {
                const again = await callRole(
                  deps.llm,
                  config,
                  "generator",
                  "reask",
                  problem.id,
                  messages,
                  [`sample${first + i}:round0:retry${attempt}`],
                  payer,
                );
                add("reask", again.usage);
                sampleUsage[i] = addStageUsage(sampleUsage[i] ?? NO_USAGE, again.usage);
                return again.texts[0] ?? "";
              },
              role.parseRetries,
              { ...payer, stage: "generate" },
            ),
          ),
        );
        return {
          rounds: sampleRounds.map((round, i) => ({ ...round, usage: sampleUsage[i] ?? NO_USAGE })),
          usage,
          shared: split.shared,
        };
      } catch (err) {
        if (first === 0) deps.spend.problemAbandoned(input.scope);
        permanent(err);
      }
    },
  };
}
