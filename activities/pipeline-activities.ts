import { Context } from "@temporalio/activity";
import { ArrivalOrder, withWorkPriority } from "../runtime/work-priority";
import { heartbeating, type PipelineDeps } from "./activity-support";
import { admissionActivities } from "./admission-activities";
import { budgetCapActivities } from "./budget-cap-activities";
import { CachedExecutor } from "./cached-executor";
import { compareActivities } from "./compare-activities";
import { generateActivities } from "./generate-activities";
import { gradeActivities } from "./grade-activities";
import { problemActivities } from "./problem-activities";
import { PublicTestRounds } from "./public-test-rounds";
import { refineActivities } from "./refine-activities";
import { resultsActivities } from "./results-activities";
import { sweepActivities } from "./sweep-activities";

export type { PipelineDeps } from "./activity-support";

/**
 * Every activity a worker serves, by the method's stages: generate, refine, synthesize tests and
 * compare (selection), grade; then the results folder, sweeps and spend caps. Each heartbeats.
 */
export function createPipelineActivities(untimed: PipelineDeps) {
  const { timeline } = untimed;
  // Every LLM request and sandbox batch counts in its run's time breakdown (worker/run-timeline.ts).
  const deps: PipelineDeps = timeline
    ? {
        ...untimed,
        llm: timeline.llm(untimed.llm),
        executor: async () => timeline.executor(await untimed.executor()),
      }
    : untimed;
  const executor = new CachedExecutor(deps.executor, deps.executionCache, deps.spend);
  const rounds = new PublicTestRounds(deps.store, executor);
  const activities = {
    ...problemActivities(deps),
    ...generateActivities(deps, rounds),
    ...refineActivities(deps, rounds),
    ...compareActivities(deps, executor),
    ...gradeActivities(deps, executor),
    ...resultsActivities(deps),
    ...sweepActivities(deps),
    ...budgetCapActivities(deps),
    ...admissionActivities(deps.llm),
  };
  // The endpoint's and the sandboxes' queues serve the oldest problem first (runtime/work-priority.ts).
  const problemAge = new ArrivalOrder();
  const prioritized =
    (fn: (...args: unknown[]) => Promise<unknown>) =>
    (...args: unknown[]) => {
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      return workflowId ? withWorkPriority(problemAge.of(workflowId), () => fn(...args)) : fn(...args);
    };
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => {
      const plain = fn as (...args: unknown[]) => Promise<unknown>;
      return [name, heartbeating(prioritized(timeline ? timeline.activity(plain) : plain))];
    }),
  ) as typeof activities;
}
