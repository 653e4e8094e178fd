import { fileURLToPath } from "node:url";
import { DefaultLogger, type LogLevel, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import * as activities from "../activities";
import type { TemporalTarget } from "../runtime/temporal-target";
import { TASK_QUEUE } from "./task-queue";

export const WORKFLOWS_PATH = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));

let runtimeInstalled = false;

/** The SDK logs at INFO by default, which buries a CLI's own output; SSTAR_LOG_LEVEL raises it. */
function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.SSTAR_LOG_LEVEL ?? "WARN").toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}

/** A worker serving sstar's workflows and activities on the target's namespace. */
export async function createWorker(
  target: TemporalTarget,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntimeOnce();
  const connection = await NativeConnection.connect({
    address: target.address,
    tls: target.tls,
    apiKey: target.apiKey,
  });
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    // Kubernetes sends SIGTERM then waits terminationGracePeriodSeconds; finish what we hold first.
    shutdownGraceTime: "20s",
  });
  return { worker, connection };
}
