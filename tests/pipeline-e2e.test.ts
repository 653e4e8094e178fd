import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime, Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import { WORKFLOWS_PATH } from "../worker/create-worker";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");

/** S* (N=4, R=2) and its baselines on 20 problems, with the simulator's default behaviour. */
function writeConfig(dir: string): string {
  const file = join(dir, "e2e.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "e2e",
      dataset: { path: dataset, limit: 20 },
      endpoints: { sim: { baseUrl: "sim://builtin/v1", concurrency: 64 } },
      roles: { generator: { endpoint: "sim", model: "sim-coder", sampling: { temperature: 0.7 } } },
      budget: { n: 4, rounds: 2 },
      selection: [
        { method: "sstar" },
        { method: "majority_vote" },
        { method: "random" },
        { method: "oracle" },
      ],
      limits: { timeSec: 3 },
      window: 6,
      seed: 42,
    }),
  );
  return file;
}

const SSTAR = "sstar(mode=ref,tieBreak=lowest-index,hidePredictedOutputs=false)";
const MAJORITY = "majority_vote(score=agreement,publicFilter=false)";

describe("sstar run, end to end on the embedded server, the local sandbox and the simulator", () => {
  const first = tempDir("e2e-a");
  const second = tempDir("e2e-b");
  let summary: RunSummary;
  let repeat: RunSummary;

  beforeAll(async () => {
    const config = writeConfig(first);
    const result = await runSstar(["--data-dir", first, "run", config, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary>(result);
    // The second run regenerates and reselects everything; it reuses the first run's execution
    // verdicts so that a program near its time limit on a loaded machine cannot tell the runs apart.
    cpSync(join(first, "cache", "exec"), join(second, "cache", "exec"), { recursive: true });
    const again = await runSstar(["--data-dir", second, "run", writeConfig(second), "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    repeat = jsonOutput<RunSummary>(again);
  });

  it("prints the summary contract: run_id, problems, methods, oracle, tokens", () => {
    expect(summary.problems).toBe(20);
    expect(Object.keys(summary.methods).sort()).toEqual([MAJORITY, "random", SSTAR].sort());
    for (const m of Object.values(summary.methods)) {
      expect(m.pass_at_1).toBeGreaterThanOrEqual(0);
      expect(Object.keys(m.by_difficulty).length).toBeGreaterThan(0);
    }
    expect(summary.oracle.pass_at_n).toHaveLength(2);
    expect(summary.tokens.generate?.prompt).toBeGreaterThan(0);
    expect(summary.tokens.generate?.completion).toBeGreaterThan(0);
    const written = JSON.parse(readFileSync(join(first, "runs", summary.run_id, "summary.json"), "utf8"));
    expect(written).toEqual(summary);
  });

  it("ranks S* at or above majority vote, majority vote at or above random, and the oracle above all", () => {
    const pass = (label: string) => summary.methods[label]?.pass_at_1 ?? -1;
    expect(pass(SSTAR)).toBeGreaterThanOrEqual(pass(MAJORITY));
    expect(pass(MAJORITY)).toBeGreaterThanOrEqual(pass("random"));
    const oracle = summary.oracle.pass_at_n.at(-1) ?? 0;
    for (const label of Object.keys(summary.methods)) expect(oracle).toBeGreaterThanOrEqual(pass(label));
  });

  it("gives identical results for two runs with the same seed", () => {
    expect(repeat).toEqual(summary);
    const results = (dir: string) => readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8");
    expect(results(second)).toBe(results(first));
  });

  it("exports LiveCodeBench generation files", () => {
    const file = join(first, "runs", summary.run_id, "lcb-generations", "all-candidates.json");
    const generations = JSON.parse(readFileSync(file, "utf8")) as {
      question_id: string;
      code_list: string[];
    }[];
    expect(generations).toHaveLength(20);
    expect(generations.every((g) => g.code_list.length > 0)).toBe(true);
  });

  it("reselects a finished run with another method without any generation request", async () => {
    const log = join(first, "reselect-requests.jsonl");
    const result = await runSstar(
      ["--data-dir", first, "reselect", summary.run_id, "--method", "sstar(mode=algorithm1)", "--json"],
      {
        TEMPORAL_ADDRESS: undefined,
        SSTAR_SIM_LOG: log,
      },
    );
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const reselected = jsonOutput<RunSummary>(result);
    expect(Object.keys(reselected.methods)).toEqual([
      "sstar(mode=algorithm1,tieBreak=lowest-index,hidePredictedOutputs=false)",
    ]);
    expect(reselected.problems).toBe(20);
    expect(reselected.oracle).toEqual(summary.oracle);
    const entries = existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as RequestLogEntry)
      : [];
    const roles = entries.flatMap((e) => e.role);
    expect(roles.filter((r) => r === "generate" || r === "refine")).toEqual([]);
  });

  describe("replay", () => {
    let server: EmbeddedTemporalServer;
    beforeAll(async () => {
      server = await EmbeddedTemporalServer.start({ dataDir: first });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("replays every recorded workflow history without nondeterminism", async () => {
      Runtime.install({ logger: new DefaultLogger("ERROR") });
      const client = new Client({ connection: await Connection.connect({ address: server.address }) });
      try {
        const histories = client.workflow.list({ query: "ExecutionStatus = 'Completed'" }).intoHistories();
        const results = Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories);
        let replayed = 0;
        for await (const result of results) {
          expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
          replayed++;
        }
        // The run, its 20 problems and the reselection.
        expect(replayed).toBeGreaterThanOrEqual(22);
      } finally {
        await client.connection.close();
      }
    });
  });
});
