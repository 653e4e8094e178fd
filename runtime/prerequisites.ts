import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { Connection } from "@temporalio/client";
import { pythonExecutable, runscExecutable } from "../sandbox/host-tools";
import { runInGvisorOnce } from "../sandbox/runsc-once";
import { temporalCliPath } from "./paths";

const run = promisify(execFile);

export interface Finding {
  /** What was looked for. */
  name: string;
  ok: boolean;
  /** Where or what was found (a path, a version). */
  found: string;
  /** Why it is not usable, or a note when it is. */
  detail: string;
}

export async function checkNode(): Promise<Finding> {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const ok = major > 20 || (major === 20 && minor >= 3);
  return {
    name: "node",
    ok,
    found: `v${process.versions.node} (${process.execPath})`,
    detail: ok ? "" : "Node.js 20.3 or later is required",
  };
}

export async function checkTemporal(): Promise<Finding> {
  if (process.env.TEMPORAL_ADDRESS) {
    const address = process.env.TEMPORAL_ADDRESS;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 5_000 });
      await connection.close();
      return {
        name: "temporal server",
        ok: true,
        found: address,
        detail: "TEMPORAL_ADDRESS is set; nothing embedded",
      };
    } catch (err) {
      return {
        name: "temporal server",
        ok: false,
        found: address,
        detail: `TEMPORAL_ADDRESS=${address} does not answer: ${(err as Error).message}`,
      };
    }
  }
  const cli = temporalCliPath();
  const name = "temporal CLI";
  if (cli.path.includes("/") && !existsSync(cli.path)) {
    return {
      name,
      ok: false,
      found: cli.path,
      detail:
        cli.source === "TEMPORAL_CLI"
          ? `TEMPORAL_CLI=${cli.path} does not exist`
          : `${cli.path} does not exist; run scripts/bootstrap.sh`,
    };
  }
  try {
    const { stdout } = await run(cli.path, ["--version"], { timeout: 15_000 });
    return { name, ok: true, found: `${stdout.trim()} (${cli.path}, from ${cli.source})`, detail: "" };
  } catch (err) {
    return {
      name,
      ok: false,
      found: cli.path,
      detail: `${cli.path} --version failed: ${(err as Error).message.split("\n")[0]}; run scripts/bootstrap.sh or set TEMPORAL_CLI`,
    };
  }
}

export async function checkRunsc(): Promise<Finding> {
  const name = "runsc (gVisor)";
  let version: string;
  try {
    const { stdout } = await run(runscExecutable(), ["--version"], { timeout: 15_000 });
    version = stdout.split("\n")[0]?.trim() ?? "";
  } catch {
    return {
      name,
      ok: false,
      found: "not found",
      detail: "runsc is not on PATH; as root run: apt-get install runsc",
    };
  }
  try {
    const probe = await runInGvisorOnce(["/bin/true"], { timeoutMs: 30_000 });
    if (probe.exitCode === 0)
      return { name, ok: true, found: version, detail: "started a sandbox with --network=none" };
    const reason = probe.timedOut
      ? "timed out"
      : (probe.stderr.trim().split("\n").pop() ?? `exit ${probe.exitCode}`);
    const hint = process.getuid?.() === 0 ? "" : " (runsc needs root here)";
    return { name, ok: false, found: version, detail: `cannot start a sandbox: ${reason}${hint}` };
  } catch (err) {
    return { name, ok: false, found: version, detail: `cannot start a sandbox: ${(err as Error).message}` };
  }
}

export async function checkPython(): Promise<Finding> {
  const name = "python3";
  try {
    const exe = pythonExecutable();
    const { stdout } = await run(exe, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
      timeout: 15_000,
    });
    const [major = 0, minor = 0] = stdout.trim().split(".").map(Number);
    const ok = major === 3 && minor >= 8;
    return {
      name,
      ok,
      found: `${stdout.trim()} (${exe})`,
      detail: ok ? "" : "python 3.8 or later is required",
    };
  } catch (err) {
    return {
      name,
      ok: false,
      found: "not found",
      detail: `python3 is not usable: ${(err as Error).message}`,
    };
  }
}

export async function checkAll(): Promise<Finding[]> {
  return Promise.all([checkNode(), checkTemporal(), checkRunsc(), checkPython()]);
}
