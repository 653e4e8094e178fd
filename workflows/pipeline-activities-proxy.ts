import { proxyActivities } from "@temporalio/workflow";
import type { createPipelineActivities } from "../activities/pipeline-activities";

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;

/**
 * The pipeline's activities as seen from a workflow. They heartbeat every 10 s, so a killed
 * worker's activity is retried elsewhere within 30 s; errors that a retry cannot fix are not retried.
 */
export function pipelineActivities(startToCloseTimeout: string): PipelineActivities {
  return proxyActivities<PipelineActivities>({
    startToCloseTimeout,
    heartbeatTimeout: "30 seconds",
    retry: {
      initialInterval: "1 second",
      backoffCoefficient: 2,
      maximumInterval: "1 minute",
      maximumAttempts: 8,
      nonRetryableErrorTypes: ["ContextOverflow", "BadLlmRequest"],
    },
  });
}
