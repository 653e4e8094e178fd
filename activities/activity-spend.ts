import { Context } from "@temporalio/activity";
import type { ActivitySpend } from "../spend/spend-context";
import type { ProblemScope } from "../spend/spend-recorder";

/** The running activity as the payer of what it asks for on a problem of a run. */
export function activityPayer(scope: ProblemScope, problemId: string): ActivitySpend {
  const { info } = Context.current();
  const workflowId = info.workflowExecution?.workflowId ?? "no-workflow";
  return {
    runId: scope.runId,
    budgetSetting: scope.budgetSetting,
    problemId,
    activity: `${workflowId}/${info.activityId}`,
    attempt: info.attempt,
  };
}
