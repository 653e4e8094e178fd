import { execFileSync } from "node:child_process";

let cachedPython: string | undefined;

/**
 * The real python3 executable (not a pyenv or asdf shim, which would need the host's environment
 * inside the sandbox). SSTAR_PYTHON overrides.
 */
export function pythonExecutable(): string {
  if (process.env.SSTAR_PYTHON) return process.env.SSTAR_PYTHON;
  cachedPython ??= execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  }).trim();
  return cachedPython;
}

/** runsc, as found on PATH or named by SSTAR_RUNSC. */
export function runscExecutable(): string {
  return process.env.SSTAR_RUNSC ?? "runsc";
}
