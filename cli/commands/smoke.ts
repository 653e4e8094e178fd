import type { Command } from "commander";
import { connectClient } from "../../runtime/temporal-client";
import { createWorker } from "../../worker/create-worker";
import { TASK_QUEUE } from "../../worker/task-queue";
import { smokeWorkflow } from "../../workflows";
import type { GlobalOptions } from "../global-options";
import { withTemporal } from "../with-temporal";

// Shows the sandbox boundary from inside: the emulated kernel, and a network that is not there.
const PROBE = `
import platform, socket, sys
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2); net = "reachable (unexpected!)"
except OSError as e:
    net = "blocked (" + type(e).__name__ + ")"
print("python", sys.version.split()[0], "inside gVisor, kernel", platform.release(), "| network:", net)
`;

export function registerSmoke(program: Command): void {
  program
    .command("smoke")
    .description("prove the stack: a workflow on the embedded Temporal server runs Python inside gVisor")
    .action(async () => {
      const { dataDir } = program.opts<GlobalOptions>();
      await withTemporal(dataDir, async (target) => {
        console.log(`Temporal: ${target.kind} at ${target.address}; Web UI: ${target.uiUrl ?? "(unknown)"}`);
        const { worker, close } = await createWorker(target, { dataDir });
        const client = await connectClient(target);
        const workflowId = `smoke-${Date.now()}`;
        try {
          const result = await worker.runUntil(
            client.workflow.execute(smokeWorkflow, { args: [PROBE], taskQueue: TASK_QUEUE, workflowId }),
          );
          console.log(result.stdout.trim());
          console.log(
            `workflow ${workflowId} completed; see ${target.uiUrl ?? ""}/namespaces/${target.namespace}/workflows/${workflowId}`,
          );
        } finally {
          await client.connection.close();
          await close();
        }
      });
    });
}
