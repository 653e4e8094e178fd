import { proxyActivities } from "@temporalio/workflow";
import type * as activities from "../activities";

const { runPythonInSandbox } = proxyActivities<typeof activities>({
  startToCloseTimeout: "2 minutes",
  retry: { maximumAttempts: 3 },
});

/** The foundation's proof of life: one durable step that runs Python inside gVisor. */
export async function smokeWorkflow(code: string): Promise<{ stdout: string; exitCode: number | null }> {
  const result = await runPythonInSandbox(code);
  return { stdout: result.stdout, exitCode: result.exitCode };
}
