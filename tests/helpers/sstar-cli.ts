import { spawn } from "node:child_process";
import { projectRoot } from "../../runtime/paths";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sstar …` as a separate process from the project root. */
export function runSstar(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 900_000,
  /** Sees stderr as it comes, for a test that acts while the command runs. */
  onStderr?: (chunk: string) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/sstar.js", ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(d.toString());
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sstar ${args.join(" ")} timed out after ${timeoutMs} ms\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of stdout parsed as JSON (the `--json` contract: one object). */
export function jsonOutput<T>(result: CliResult): T {
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(
      `no JSON on stdout (exit ${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-3000)}`,
    );
  }
}
