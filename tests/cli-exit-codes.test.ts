import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";
import { runSstar } from "./helpers/sstar-cli";

// Every command: 0 done, 1 some problems errored (or an unexpected failure), 2 bad usage or input,
// 3 infrastructure unavailable; the reason is one line on stderr.
const dir = tempDir("exit-codes");
const sstar = (args: string[], env: Record<string, string | undefined> = {}) =>
  runSstar(["--data-dir", dir, ...args], env, 60_000);
const demo = join(projectRoot, "demo", "demo-problems.jsonl");
const lastLine = (stderr: string) => stderr.trim().split("\n").at(-1) ?? "";

describe("exit codes", () => {
  let squatter: Server | undefined;
  afterAll(() => squatter?.close());

  it("2 for a usage error in any command (unknown flag, missing argument, bad value)", async () => {
    const [flag, missing, badValue] = await Promise.all([
      sstar(["ledger", "--bogus"]),
      sstar(["data", "inspect"]),
      sstar(["sandbox", "serve", "--port", "-3"]),
    ]);
    expect([flag.code, missing.code, badValue.code]).toEqual([2, 2, 2]);
    expect(flag.stderr).toMatch(/unknown option '--bogus'/);
  });

  it("2 for a run that does not exist (ledger, status, report)", async () => {
    const ran = await Promise.all(["ledger", "status", "report"].map((c) => sstar([c, "no-such-run"])));
    for (const r of ran) {
      expect(r.code).toBe(2);
      expect(lastLine(r.stderr)).toMatch(/^sstar: no run no-such-run in /);
    }
  });

  it("2 for bad input to exec (no such problem, unreadable program)", async () => {
    const program = join(dir, "prog.py");
    writeFileSync(program, "print(1)\n");
    const [noProblem, noProgram] = await Promise.all([
      sstar(["exec", "--dataset", demo, "--problem", "nope", "--program", program]),
      sstar(["exec", "--dataset", demo, "--problem", "nope", "--program", join(dir, "missing.py")]),
    ]);
    expect(noProblem.code).toBe(2);
    expect(lastLine(noProblem.stderr)).toMatch(/^sstar exec: no problem "nope" in /);
    expect(noProgram.code).toBe(2);
    expect(lastLine(noProgram.stderr)).toMatch(/cannot read the program file .*missing\.py/);
  });

  it("2 for sandbox serve with a token variable that is unset", async () => {
    const ran = await sstar(["sandbox", "serve", "--token-env", "SSTAR_TEST_UNSET_TOKEN"], {
      SSTAR_TEST_UNSET_TOKEN: undefined,
    });
    expect(ran.code).toBe(2);
    expect(lastLine(ran.stderr)).toMatch(/--token-env SSTAR_TEST_UNSET_TOKEN: .*unset/);
  });

  it("3 when the sandbox cannot be had (no runsc) or its port is taken", async () => {
    const program = join(dir, "prog.py");
    writeFileSync(program, "print(1)\n");
    const demoId = "sstar_demo_01";
    const noRunsc = await sstar(
      ["exec", "--dataset", demo, "--problem", demoId, "--program", program, "--isolation", "gvisor"],
      { SSTAR_RUNSC: join(dir, "no-runsc") },
    );
    expect(noRunsc.code, noRunsc.stderr).toBe(3);
    expect(lastLine(noRunsc.stderr)).toMatch(/gVisor isolation needs runsc/);

    squatter = createServer();
    await new Promise<void>((resolve) => squatter?.listen(0, "127.0.0.1", () => resolve()));
    const port = (squatter.address() as { port: number }).port;
    const taken = await sstar([
      "sandbox",
      "serve",
      "--port",
      String(port),
      "--unsafe-no-sandbox",
      "--isolation",
      "process",
    ]);
    expect(taken.code, taken.stderr).toBe(3);
    expect(lastLine(taken.stderr)).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
  });

  it("3 for a worker with no Temporal server to join", async () => {
    const ran = await sstar(["worker"], { TEMPORAL_ADDRESS: "" });
    expect(ran.code).toBe(3);
    expect(lastLine(ran.stderr)).toMatch(/no Temporal server/);
  });
});
