import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";

describe("sstar smoke", () => {
  it("runs a workflow on a fresh embedded server that executes Python in gVisor, then stops the server", () => {
    const dataDir = tempDir("smoke");
    const result = spawnSync(process.execPath, ["bin/sstar.js", "--data-dir", dataDir, "smoke"], {
      cwd: projectRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: undefined },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/inside gVisor, kernel .* \| network: blocked/);
    expect(result.stdout).toMatch(/Web UI: http:\/\/127\.0\.0\.1:\d+/);
    expect(existsSync(join(dataDir, "temporal.db"))).toBe(true);
    // The server record is removed on a clean stop, so nothing claims to be running.
    expect(existsSync(join(dataDir, "temporal-server.json"))).toBe(false);
  });
});
