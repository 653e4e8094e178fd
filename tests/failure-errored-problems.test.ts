import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const demoProblems = join(projectRoot, "demo", "demo-problems.jsonl");

/** A port free right now, for a simulator that must come back at the same address. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const runArgs = (dir: string, url: string) => [
  "--data-dir",
  dir,
  "run",
  "demo",
  "--endpoint",
  url,
  "--limit",
  "3",
  "--json",
];

// An endpoint whose context is too small for any prompt: no retry can fix it, so each problem
// fails at once, and none may vanish from the results. Then the endpoint is fixed.
describe("a problem that fails for good ends errored, with its reason, and the run exits nonzero", () => {
  const dir = tempDir("errored");
  let sim: { child: ChildProcess; url: string } | undefined;
  let port: number;
  let result: Awaited<ReturnType<typeof runSstar>>;
  let summary: RunSummary;

  beforeAll(async () => {
    port = await freePort();
    const tiny = join(dir, "sim-tiny-context.json");
    writeFileSync(tiny, JSON.stringify({ maxModelLen: 64 }));
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 3, port, config: tiny });
    result = await runSstar(runArgs(dir, sim.url), { TEMPORAL_ADDRESS: undefined });
    summary = jsonOutput<RunSummary>(result);
  }, 300_000);
  afterAll(async () => {
    if (sim) await killHard(sim.child);
  });

  it("exits 1 and says how many errored and why, in one line", () => {
    expect(result.code, result.stderr.slice(-2000)).toBe(1);
    expect(result.stderr).toMatch(/sstar run: 3 of 3 problems errored \(first: .+: \w+: ContextOverflow: /);
  });

  it("counts every problem, errored ones as not passed", () => {
    expect(summary.problems).toBe(3);
    expect(summary.errored).toBe(3);
    expect(summary.errors).toHaveLength(3);
    for (const e of summary.errors) {
      expect(e.error_class).toBe("ContextOverflow");
      expect(e.message).toMatch(/context/i);
      expect(e.retry_state).toBe("NON_RETRYABLE_FAILURE");
      expect(e.stage.length).toBeGreaterThan(0);
    }
    for (const m of Object.values(summary.methods)) expect(m).toMatchObject({ pass_at_1: 0, passed: 0 });
  });

  it("writes each errored problem to results.jsonl with status and reason", () => {
    const lines = resultLines(dir, summary.run_id);
    expect(lines).toHaveLength(3);
    for (const o of lines) {
      expect(o.status).toBe("errored");
      expect(o.error?.errorClass).toBe("ContextOverflow");
      expect(o.methods.every((m) => !m.passed && m.reason.startsWith("errored in "))).toBe(true);
    }
  });

  it("--retry-errored <run>, once the endpoint is fixed, retries the errored problems and finishes them", async () => {
    if (sim) await killHard(sim.child);
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 3, port });
    const edited = await runSstar(["--data-dir", dir, "run", "--retry-errored", summary.run_id, "-n", "3"]);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/--retry-errored .* reruns that run as it was configured; drop --n/);
    const again = await runSstar(["--data-dir", dir, "run", "--retry-errored", summary.run_id, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(again.stderr).toContain("retrying the 3 errored problems of this run");
    const fixed = jsonOutput<RunSummary>(again);
    expect(fixed.run_id).toBe(summary.run_id);
    expect(fixed).toMatchObject({ problems: 3, errored: 0, errors: [] });
    expect(resultLines(dir, fixed.run_id).every((o) => o.status === undefined)).toBe(true);
    // Finished now: the same command as the first shows the results without running anything.
    const third = await runSstar(runArgs(dir, sim.url), { TEMPORAL_ADDRESS: undefined });
    expect(third.code).toBe(0);
    expect(third.stderr).toContain("this run already finished; showing its results");
  }, 300_000);
});

function resultLines(dir: string, runId: string): ProblemOutcome[] {
  const file = join(dir, "runs", runId, "results.jsonl");
  expect(existsSync(file)).toBe(true);
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ProblemOutcome);
}

// What no retry can fix about the endpoint itself is found before any problem starts.
describe("an endpoint the run cannot use stops it at once, in one line naming the endpoint and model", () => {
  const dir = tempDir("preflight");
  let sim: { child: ChildProcess; url: string } | undefined;
  beforeAll(async () => {
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 3 });
  }, 120_000);
  afterAll(async () => {
    if (sim) await killHard(sim.child);
  });

  it("a model the endpoint does not serve: exit 2, no problem started", async () => {
    const url = (sim as { url: string }).url;
    const result = await runSstar([...runArgs(dir, url), "--model", "no-such-model"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-2000)).toBe(2);
    const last = result.stderr.trim().split("\n").at(-1) ?? "";
    expect(last).toMatch(
      /^sstar: endpoint "\w+" \(http:\/\/127\.0\.0\.1:\d+\/v1\) does not serve model "no-such-model" \(it serves: sstar-sim, sstar-sim-coder\)/,
    );
    expect(result.stdout.trim()).toBe("");
  });

  it("an endpoint nobody answers at: exit 3", async () => {
    const port = await freePort();
    const result = await runSstar(runArgs(dir, `http://127.0.0.1:${port}/v1`), {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-2000)).toBe(3);
    expect(result.stderr).toMatch(
      /endpoint "\w+" \(http:\/\/127\.0\.0\.1:\d+\/v1\) is unreachable \(ECONNREFUSED\)/,
    );
  });
});
