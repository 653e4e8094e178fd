import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime, Worker } from "@temporalio/worker";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import type { SweepSummary } from "../method/sweep-results";
import type { SettingSpend, SettingsFile } from "../report/setting-results";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import { WORKFLOWS_PATH } from "../worker/create-worker";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const SSTAR = { method: "sstar", mode: "algorithm1" };
const MAJORITY = { method: "majority_vote" };

/** A few problems on the built-in simulator (zero latency); the sweep's grid or one standalone setting. */
function writeConfig(dir: string, variant: "sweep" | "standalone"): string {
  const file = join(dir, `${variant}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: `shared-samples-${variant}`,
      dataset: { path: dataset, limit: 4 },
      endpoints: { sim: { baseUrl: "sim://builtin/v1", concurrency: 64 } },
      roles: { generator: { endpoint: "sim", model: "sim-coder", sampling: { temperature: 0.7 } } },
      budget: { n: 8, rounds: 2 },
      selection: [SSTAR, MAJORITY],
      limits: { timeSec: 3 },
      window: 4,
      seed: 7,
      ...(variant === "sweep" ? { sweep: { n: [1, 2, 4, 8], rounds: [1, 2] } } : {}),
    }),
  );
  return file;
}

function generationRequests(log: string): { generate: number; refine: number } {
  const entries = existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RequestLogEntry)
    : [];
  const count = (role: string) => entries.filter((e) => e.status === 200 && e.role[0] === role).length;
  return { generate: count("generate"), refine: count("refine") };
}

const stageRequests = (spend: SettingSpend, stage: string) => spend.byStage[stage]?.requests ?? 0;

describe("sstar sweep: the grid reuses one run's samples", () => {
  const sweepDir = tempDir("sweep-grid");
  const aloneDir = tempDir("sweep-alone");
  let sweep: SweepSummary;
  let alone: RunSummary;

  beforeAll(async () => {
    const sweepLog = join(sweepDir, "requests.jsonl");
    const result = await runSstar(
      ["--data-dir", sweepDir, "sweep", writeConfig(sweepDir, "sweep"), "--json"],
      {
        TEMPORAL_ADDRESS: undefined,
        SSTAR_SIM_LOG: sweepLog,
      },
    );
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    sweep = jsonOutput<SweepSummary>(result);
    // The standalone run starts with no response cache; the execution verdicts are shared so that a
    // program near its time limit on a loaded machine cannot tell the two apart.
    cpSync(join(sweepDir, "cache", "exec"), join(aloneDir, "cache", "exec"), { recursive: true });
    const again = await runSstar(
      ["--data-dir", aloneDir, "run", writeConfig(aloneDir, "standalone"), "--json"],
      { TEMPORAL_ADDRESS: undefined, SSTAR_SIM_LOG: join(aloneDir, "requests.jsonl") },
    );
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    alone = jsonOutput<RunSummary>(again);
  });

  it("costs, in generation requests, what N=8, R=2 costs alone", () => {
    const swept = generationRequests(join(sweepDir, "requests.jsonl"));
    const standalone = generationRequests(join(aloneDir, "requests.jsonl"));
    expect(swept.generate).toBeGreaterThan(0);
    expect(swept.refine).toBeGreaterThan(0);
    expect(swept).toEqual(standalone);
  });

  it("reports pass@1 for all eight (N, R) settings, with each method", () => {
    expect(sweep.problems).toBe(4);
    const points = new Set(sweep.settings.map((s) => `${s.n},${s.rounds}`));
    expect([...points].sort()).toEqual(["1,1", "1,2", "2,1", "2,2", "4,1", "4,2", "8,1", "8,2"]);
    expect(sweep.settings).toHaveLength(16);
    for (const s of sweep.settings) {
      expect(s.pass_at_1).toBeGreaterThanOrEqual(0);
      expect(s.pass_at_1).toBeLessThanOrEqual(1);
      expect(Object.keys(s.by_difficulty).length).toBeGreaterThan(0);
    }
    // N=8, R=2 is the standalone run: the same samples, the same selections.
    for (const label of Object.keys(alone.methods)) {
      const swept = sweep.settings.find((s) => s.n === 8 && s.rounds === 2 && s.method === label);
      expect(swept?.pass_at_1, label).toBe(alone.methods[label]?.pass_at_1);
    }
  });

  it("pays each generation once (the paid column sums to the log) and prices N=8, R=2 as the run alone", () => {
    const swept = generationRequests(join(sweepDir, "requests.jsonl"));
    const paid = (stage: string) => sweep.settings.reduce((sum, s) => sum + stageRequests(s.paid, stage), 0);
    expect({ generate: paid("generate"), refine: paid("refine") }).toEqual(swept);
    const largest = sweep.settings.find((s) => s.n === 8 && s.rounds === 2);
    expect(largest && stageRequests(largest.standalone, "generate")).toBe(alone.tokens.generate?.requests);
    expect(largest && stageRequests(largest.standalone, "refine")).toBe(alone.tokens.refine?.requests ?? 0);
    const smallest = sweep.settings.find((s) => s.n === 1 && s.rounds === 1);
    expect(smallest && stageRequests(smallest.standalone, "refine")).toBe(0);
  });

  it("replays every recorded workflow history (run, problems, sweep, sweep problems) without nondeterminism", async () => {
    const server = await EmbeddedTemporalServer.start({ dataDir: sweepDir });
    Runtime.install({ logger: new DefaultLogger("ERROR") });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      const histories = client.workflow.list({ query: "ExecutionStatus = 'Completed'" }).intoHistories();
      const types = new Set<string>();
      for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
        expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
        types.add(result.workflowId.replace(sweep.run_id, "RUN").replace(/--.*$/, "--problem"));
      }
      expect([...types].sort()).toEqual([
        "sstar-run-RUN",
        "sstar-run-RUN--problem",
        "sstar-sweep-RUN",
        "sstar-sweep-RUN--problem",
      ]);
    } finally {
      await client.connection.close();
      await server.stop();
    }
  });

  it("writes settings.json in the shape sstar report reads", () => {
    const file = JSON.parse(
      readFileSync(join(sweepDir, "runs", sweep.run_id, "settings.json"), "utf8"),
    ) as SettingsFile;
    expect(file.kind).toBe("sweep");
    expect(file.settings.map((s) => s.setting)).toContain("n=4,r=2");
    expect(file.settings).toHaveLength(16);
  });
});
