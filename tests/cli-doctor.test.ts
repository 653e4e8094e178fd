import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";

function sstar(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, ["bin/sstar.js", ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("sstar doctor", () => {
  it("exits 0 after the bootstrap, listing every component as ok", () => {
    const result = sstar(["doctor", "--json"], { TEMPORAL_ADDRESS: undefined, TEMPORAL_CLI: undefined });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: { name: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => f.name)).toEqual(["node", "temporal CLI", "runsc (gVisor)", "python3"]);
  });

  it("exits non-zero with a one-line reason when TEMPORAL_CLI points at a missing file", () => {
    const result = sstar(["doctor"], { TEMPORAL_CLI: "/nonexistent/temporal", TEMPORAL_ADDRESS: undefined });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toEqual([
      "sstar doctor: temporal CLI: TEMPORAL_CLI=/nonexistent/temporal does not exist",
    ]);
  });
});

describe("sstar --help", () => {
  it.each([
    [[]],
    ...[
      "cluster",
      "demo",
      "doctor",
      "exec",
      "reselect",
      "run",
      "sandbox",
      "server",
      "sim",
      "smoke",
      "status",
      "worker",
    ].map((c) => [[c]]),
  ])("answers for %j", (args) => {
    const result = sstar([...args, "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: sstar/);
  });
});
