import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pythonExecutable } from "../sandbox/host-tools";
import { runInGvisorOnce } from "../sandbox/runsc-once";

const py = (code: string) => runInGvisorOnce([pythonExecutable(), "-I", "-c", code]);

describe("a fresh gVisor sandbox (runsc --network=none)", () => {
  it("runs a Python program and returns its output", async () => {
    const result = await py("print(sum(range(10)))");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("45\n");
  });

  it("has no network: opening a connection fails inside", async () => {
    const result = await py(`
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    print("connected")
except OSError as e:
    print("refused", type(e).__name__)
`);
    expect(result.stdout).toMatch(/^refused /);
  });

  it("keeps files written inside away from the host", async () => {
    const path = `/tmp/sstar-gvisor-escape-${process.pid}-${Date.now()}`;
    const result = await py(
      `open(${JSON.stringify(path)}, "w").write("x"); print(open(${JSON.stringify(path)}).read())`,
    );
    expect(result.stdout).toBe("x\n");
    expect(existsSync(path)).toBe(false);
  });

  it("does not see the host's environment", async () => {
    process.env.SSTAR_SECRET_PROBE = "host-secret";
    const result = await py(`import os; print(os.environ.get("SSTAR_SECRET_PROBE", "absent"))`);
    expect(result.stdout).toBe("absent\n");
  });
});
