import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const demoProblems = join(projectRoot, "demo", "demo-problems.jsonl");

// An endpoint that answers 404 for the model asked for: no retry can fix it, so each problem
// fails at once, and none may vanish from the results.
describe("a problem that fails for good ends errored, with its reason, and the run exits nonzero", () => {
  const dir = tempDir("errored");
  let sim: { child: ChildProcess; url: string };
  let result: Awaited<ReturnType<typeof runSstar>>;
  let summary: RunSummary;

  beforeAll(async () => {
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 3 });
    result = await runSstar(
      [
        "--data-dir",
        dir,
        "run",
        "demo",
        "--endpoint",
        sim.url,
        "--model",
        "no-such-model",
        "--limit",
        "3",
        "--json",
      ],
      { TEMPORAL_ADDRESS: undefined },
    );
    summary = jsonOutput<RunSummary>(result);
  }, 300_000);
  afterAll(async () => {
    if (sim) await killHard(sim.child);
  });

  it("exits 1 and says how many errored and why, in one line", () => {
    expect(result.code, result.stderr.slice(-2000)).toBe(1);
    expect(result.stderr).toMatch(
      /sstar run: 3 of 3 problems errored \(first: .+: \w+: BadLlmRequest: .*no-such-model/,
    );
  });

  it("counts every problem, errored ones as not passed", () => {
    expect(summary.problems).toBe(3);
    expect(summary.errored).toBe(3);
    expect(summary.errors).toHaveLength(3);
    for (const e of summary.errors) {
      expect(e.error_class).toBe("BadLlmRequest");
      expect(e.message).toContain("no-such-model");
      expect(e.retry_state).toBe("NON_RETRYABLE_FAILURE");
      expect(e.stage.length).toBeGreaterThan(0);
    }
    for (const m of Object.values(summary.methods)) expect(m).toMatchObject({ pass_at_1: 0, passed: 0 });
  });

  it("writes each errored problem to results.jsonl with status and reason", () => {
    const file = join(dir, "runs", summary.run_id, "results.jsonl");
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProblemOutcome);
    expect(lines).toHaveLength(3);
    for (const o of lines) {
      expect(o.status).toBe("errored");
      expect(o.error?.errorClass).toBe("BadLlmRequest");
      expect(o.methods.every((m) => !m.passed && m.reason.startsWith("errored in "))).toBe(true);
    }
  });
});
