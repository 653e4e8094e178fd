import { pythonExecutable } from "../sandbox/host-tools";
import { runInGvisorOnce } from "../sandbox/runsc-once";

export interface SandboxedPythonResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  wallMs: number;
}

/** Runs a Python snippet inside a fresh gVisor sandbox with no network. */
export async function runPythonInSandbox(code: string): Promise<SandboxedPythonResult> {
  const result = await runInGvisorOnce([pythonExecutable(), "-I", "-c", code], { timeoutMs: 30_000 });
  if (result.timedOut)
    throw new Error(`sandboxed python did not finish within 30 s (stderr: ${result.stderr})`);
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode, wallMs: result.wallMs };
}
