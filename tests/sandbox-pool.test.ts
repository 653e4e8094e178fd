import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createExecutor } from "../sandbox/create-executor";
import type { RunnerPool } from "../sandbox/runner-pool";
import { ExecutorUnavailableError } from "../sandbox/types";
import { tempDir } from "./helpers/processes";

/** Kills every runsc process serving this data folder: what a crashed sandbox looks like from outside. */
function killSandboxes(dataDir: string): number {
  const bundle = join(dataDir, "sandbox", "bundle");
  let pids: string[] = [];
  try {
    pids = execFileSync("pgrep", ["-f", `bundle ${bundle}`], { encoding: "utf8" })
      .trim()
      .split("\n");
  } catch {
    return 0;
  }
  for (const pid of pids.filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}

const sleepy = (seconds: number) => ({
  program: `import time\ntime.sleep(${seconds})\nprint("woke")`,
  kind: "stdin" as const,
  tests: [{ input: "", expected: "woke" }],
});

describe("the gVisor runner pool", () => {
  let dataDir: string;
  let pool: RunnerPool;
  beforeAll(async () => {
    dataDir = tempDir("pool");
    pool = await createExecutor({ isolation: "gvisor", poolSize: 1, dataDir });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it("runs programs in gVisor and reports the isolation", async () => {
    const result = await pool.execute({
      program: "print(6*7)",
      kind: "stdin",
      tests: [{ input: "", expected: "42" }],
    });
    expect(result).toMatchObject({ isolation: "gvisor", grader: "lcb", tests: [{ outcome: "passed" }] });
  });

  it("queues requests beyond its size and answers each in turn", async () => {
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        pool.execute({
          program: "print(int(input())*2)",
          kind: "stdin",
          tests: [{ input: `${n}`, expected: `${n * 2}` }],
        }),
      ),
    );
    expect(results.map((r) => r.tests[0]?.outcome)).toEqual(["passed", "passed", "passed"]);
  });

  it("replaces a sandbox that dies and retries the run it held once", async () => {
    const running = pool.execute(sleepy(2));
    await new Promise((r) => setTimeout(r, 700));
    expect(killSandboxes(dataDir)).toBeGreaterThan(0);
    const result = await running;
    expect(result.tests[0]?.outcome).toBe("passed");
  });

  it("reports a run whose sandbox dies twice", async () => {
    const running = pool.execute(sleepy(3));
    const killer = setInterval(() => killSandboxes(dataDir), 1_200);
    try {
      await expect(running).rejects.toBeInstanceOf(ExecutorUnavailableError);
    } finally {
      clearInterval(killer);
    }
    const after = await pool.execute({
      program: "print(1)",
      kind: "stdin",
      tests: [{ input: "", expected: "1" }],
    });
    expect(after.tests[0]?.outcome).toBe("passed");
  });
});

describe("without gVisor", () => {
  it("refuses to run unsandboxed unless told to", async () => {
    await expect(createExecutor({ isolation: "process", dataDir: tempDir("refuse") })).rejects.toThrow(
      /refusing to execute model-written programs without a sandbox.*--unsafe-no-sandbox/,
    );
  });

  it("with the unsafe option, runs but warns on every run", async () => {
    const warn = vi.spyOn(console, "error").mockImplementation(() => {});
    const pool = await createExecutor({
      isolation: "process",
      unsafe: true,
      poolSize: 1,
      dataDir: tempDir("unsafe"),
    });
    try {
      for (let i = 0; i < 2; i++) {
        const result = await pool.execute({
          program: "print(1)",
          kind: "stdin",
          tests: [{ input: "", expected: "1" }],
        });
        expect(result).toMatchObject({ isolation: "process", tests: [{ outcome: "passed" }] });
      }
      const warnings = warn.mock.calls.filter(([m]) => String(m).includes("WITHOUT a sandbox"));
      expect(warnings).toHaveLength(2);
    } finally {
      warn.mockRestore();
      await pool.close();
    }
  });
});
