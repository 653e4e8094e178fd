import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runningServerRecord } from "../runtime/temporal-server";
import { killHard, startTsProcess, tempDir, waitFor } from "./helpers/processes";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
  });
}

describe("sstar server killed with SIGKILL", () => {
  it("leaves a Temporal server that the next start finds and stops, then runs its own on the same state", async () => {
    const dataDir = tempDir("server-orphan");
    const start = () =>
      startTsProcess("bin/sstar.js", { TEMPORAL_ADDRESS: "" }, "Ctrl-C stops it", 90_000, [
        "--data-dir",
        dataDir,
        "server",
      ]);
    const first = await start();
    const orphan = runningServerRecord(dataDir);
    expect(orphan?.ownerPid).toBe(first.pid);
    await killHard(first);
    expect(alive(orphan?.pid as number)).toBe(true);

    let output = "";
    const second = await start();
    second.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    try {
      expect(alive(orphan?.pid as number)).toBe(false);
      const record = runningServerRecord(dataDir);
      expect(record?.ownerPid).toBe(second.pid);
      expect(record?.stateFile).toBe(orphan?.stateFile);
      second.kill("SIGTERM");
      expect(await exited(second)).toBe(0);
      await waitFor(() => (alive(record?.pid as number) ? undefined : true), 20_000);
      expect(runningServerRecord(dataDir)).toBeUndefined();
    } finally {
      await killHard(second);
    }
    expect(output).not.toMatch(/Error/);
  }, 180_000);
});
