import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../runtime/paths";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sstar-${prefix}-`));
}

/** Starts `node --import tsx script` from the project root and resolves once `readyLine` is printed. */
export async function startTsProcess(
  script: string,
  env: Record<string, string>,
  readyLine: string,
  timeoutMs = 60_000,
  args: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} not ready in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before ready:\n${output}`));
    });
  });
  return child;
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retries `check` (assertions) until it passes, then returns; past the timeout its last failure is thrown. */
export async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Starts `sstar sim` as its own process (as an endpoint elsewhere would be) and resolves with its
 * base URL, the first line it prints.
 */
export async function startSimulatorProcess(
  dataDir: string,
  problems: string,
  options: { seed: number; log?: string; config?: string; port?: number; profile?: "kind" | "realistic" },
): Promise<{ child: ChildProcess; url: string }> {
  const port = String(options.port ?? 0);
  const args = ["bin/sstar.js", "--data-dir", dataDir, "sim", "--port", port, "--problems", problems];
  args.push("--seed", String(options.seed), ...(options.log ? ["--log", options.log] : []));
  if (options.config) args.push("--config", options.config);
  if (options.profile) args.push("--profile", options.profile);
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && line.startsWith("http")) resolve(line.trim());
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`sstar sim exited with ${code}: ${err.slice(-2000)}`)));
  });
  return { child, url };
}
