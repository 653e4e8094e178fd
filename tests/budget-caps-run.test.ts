import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime, Worker } from "@temporalio/worker";
import { beforeAll, describe, expect, it } from "vitest";
import type { CapsSummary, NotRunFile } from "../method/budget-caps";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import { WORKFLOWS_PATH } from "../worker/create-worker";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");

const STOP_AT_FIRST = {
  problem: { tokens: 1 },
  run: { tokens: 1 },
  onProblemCap: "skip_tournament",
  onRunCap: "stop_run",
};

/**
 * Caps so small that they are reached by the first generation: each problem then skips refinement
 * and selects by public tests, and the run stops after its first problem (one at a time).
 */
function writeConfig(dir: string, caps: object = STOP_AT_FIRST): string {
  const file = join(dir, "caps.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "caps",
      dataset: { path: dataset, limit: 4 },
      endpoints: { sim: { baseUrl: "sim://builtin/v1", concurrency: 64 } },
      roles: { generator: { endpoint: "sim", model: "sim-coder", sampling: { temperature: 0.7 } } },
      budget: {
        n: 4,
        rounds: 3,
        caps,
      },
      selection: [{ method: "majority_vote" }, { method: "first" }],
      limits: { timeSec: 3 },
      window: 1,
      seed: 11,
    }),
  );
  return file;
}

describe("spend caps in a run on the simulator", () => {
  const dir = tempDir("caps");
  const log = join(dir, "requests.jsonl");
  let summary: RunSummary & { caps: CapsSummary };

  beforeAll(async () => {
    const result = await runSstar(["--data-dir", dir, "run", writeConfig(dir), "--json"], {
      TEMPORAL_ADDRESS: undefined,
      SSTAR_SIM_LOG: log,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary & { caps: CapsSummary }>(result);
  });

  it("stops the run at its cap, saying after how many problems and why, and lists the problems not run", () => {
    expect(summary.problems).toBe(1);
    expect(summary.caps.run).toMatchObject({ scope: "run", cap: "tokens", limit: 1, afterProblems: 1 });
    expect(summary.caps.run?.value).toBeGreaterThan(1);
    expect(summary.caps.not_run).toBe(3);
    const notRun = JSON.parse(
      readFileSync(join(dir, "runs", summary.run_id, "not-run.json"), "utf8"),
    ) as NotRunFile;
    expect(notRun.problems).toHaveLength(3);
    expect(notRun.runCap.action).toBe("stop_run");
  });

  it("records where the problem cap applied, and selects by public tests instead of calling the LLM", () => {
    const [capped] = summary.caps.problems_capped;
    expect(capped).toMatchObject({ scope: "problem", cap: "tokens", limit: 1, action: "skip_tournament" });
    expect(["refine", "select"]).toContain(capped?.stage);
    const results = readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProblemOutcome);
    expect(results[0]?.capped).toMatchObject({ scope: "problem", action: "skip_tournament" });
    const majority = results[0]?.methods.find((m) => m.label.startsWith("majority_vote"));
    expect(majority?.reason).toContain("problem tokens cap reached");
    const roles = existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as RequestLogEntry).role[0])
      : [];
    // One problem's generation, and nothing after it: no debug rounds, no generated tests, no judge.
    expect(roles.length).toBeGreaterThan(0);
    expect(new Set(roles)).toEqual(new Set(["generate"]));
  });

  it("replays the capped run's histories without nondeterminism", async () => {
    const server = await EmbeddedTemporalServer.start({ dataDir: dir });
    Runtime.install({ logger: new DefaultLogger("ERROR") });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      const histories = client.workflow.list({ query: "ExecutionStatus = 'Completed'" }).intoHistories();
      let replayed = 0;
      for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
        expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
        replayed++;
      }
      // The run and its one problem.
      expect(replayed).toBe(2);
    } finally {
      await client.connection.close();
      await server.stop();
    }
  });
});

describe("a run cap whose action applies to the problems started after it", () => {
  const dir = tempDir("caps-later");
  let outcomes: ProblemOutcome[];
  let summary: RunSummary & { caps: CapsSummary };

  beforeAll(async () => {
    const config = writeConfig(dir, { run: { tokens: 1 }, onRunCap: "stop_refining" });
    const result = await runSstar(["--data-dir", dir, "run", config, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary & { caps: CapsSummary }>(result);
    outcomes = readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProblemOutcome);
  });

  it("runs every problem; the first as configured, the rest without debug rounds, each saying why", () => {
    expect(summary.problems).toBe(4);
    expect(summary.caps.not_run).toBe(0);
    expect(summary.caps.run).toMatchObject({ scope: "run", afterProblems: 1, action: "stop_refining" });
    const capped = outcomes.filter((o) => o.capped);
    expect(capped).toHaveLength(3);
    for (const o of capped) {
      expect(o.capped).toMatchObject({ scope: "run", stage: "start", action: "stop_refining" });
      expect(o.usage.refine).toBeUndefined();
    }
  });
});
