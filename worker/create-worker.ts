import { fileURLToPath } from "node:url";
import { type LogLevel, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import * as smokeActivities from "../activities";
import { createPipelineActivities } from "../activities/pipeline-activities";
import type { TemporalTarget } from "../runtime/temporal-target";
import { ConciseLogger } from "./concise-logger";
import { WORKER_DRAIN_SECONDS } from "./drain";
import { createPipelineDeps, type PipelineDepsOptions } from "./pipeline-deps";
import { TASK_QUEUE } from "./task-queue";

export const WORKFLOWS_PATH = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));

let runtimeInstalled = false;

/** The SDK logs at INFO by default, which buries a CLI's own output; SSTAR_LOG_LEVEL raises it. */
function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.SSTAR_LOG_LEVEL ?? "WARN").toUpperCase() as LogLevel;
  // The core's own warnings (e.g. slow workflow tasks on a loaded 2-core machine) follow the same level.
  Runtime.install({
    logger: new ConciseLogger(level),
    telemetryOptions: { logging: { filter: { core: level === "WARN" ? "ERROR" : level, other: "ERROR" } } },
  });
}

export interface SstarWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Closes the connection and the sandboxes, after the worker has stopped. */
  close(): Promise<void>;
}

/** A worker serving sstar's workflows and activities on the target's namespace. */
export async function createWorker(target: TemporalTarget, deps: PipelineDepsOptions): Promise<SstarWorker> {
  installRuntimeOnce();
  const connection = await NativeConnection.connect({
    address: target.address,
    tls: target.tls,
    apiKey: target.apiKey,
  });
  const pipelineDeps = await createPipelineDeps(deps);
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: { ...smokeActivities, ...createPipelineActivities(pipelineDeps) },
    // Kubernetes sends SIGTERM then waits terminationGracePeriodSeconds; finish what we hold first.
    shutdownGraceTime: `${WORKER_DRAIN_SECONDS}s`,
    // Activities mostly wait on the endpoint: Temporal's default of 100 slots starved a vLLM batch
    // (N=16 samples of many problems refine at once), so the limit is the endpoint's, not the worker's.
    maxConcurrentActivityTaskExecutions: activitySlots(),
  });
  return {
    worker,
    connection,
    close: async () => {
      await pipelineDeps.close();
      await connection.close();
    },
  };
}

/** SSTAR_WORKER_ACTIVITY_SLOTS: activities one worker runs at once (default 1000). */
export function activitySlots(): number {
  const value = Number(process.env.SSTAR_WORKER_ACTIVITY_SLOTS);
  return Number.isInteger(value) && value > 0 ? value : 1000;
}
