import { spawn } from "node:child_process";
import { runscExecutable } from "./host-tools";

export interface OnceResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
}

/** The only variables a sandboxed process sees: the host's environment never crosses over. */
export const SANDBOX_ENV = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  LANG: "C.UTF-8",
  HOME: "/tmp",
  PYTHONDONTWRITEBYTECODE: "1",
};

/**
 * Runs one command in a fresh gVisor sandbox with no network. Writes land in the sandbox's own
 * overlay and vanish with it. Each call pays the sandbox start (about a second); repeated
 * executions belong in a long-lived sandbox instead.
 */
export function runInGvisorOnce(
  command: string[],
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<OnceResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(runscExecutable(), ["--network=none", "do", ...command], {
      env: SANDBOX_ENV,
      stdio: ["pipe", "pipe", "pipe"],
      cwd: "/tmp",
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 30_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start runsc (${runscExecutable()}): ${err.message}`));
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr, timedOut, wallMs: Date.now() - started });
    });
    child.stdin.end(options.stdin ?? "");
  });
}
