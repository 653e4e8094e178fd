import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime, Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ProblemOutcome,
  RefineRoundRecord,
  SampleHistory,
  SampleRound,
  SelectionCandidateRef,
} from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import { LocalContentStore } from "../store/content-store";
import { WORKFLOWS_PATH } from "../worker/create-worker";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 6;

/** Refinement against generated tests (`selfDebugDecision: refine`), N=2, R=3, on six problems. */
function writeConfig(dir: string): string {
  const file = join(dir, "refine.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "refine",
      dataset: { path: dataset, limit: PROBLEMS },
      endpoints: { sim: { baseUrl: "sim://builtin/v1", concurrency: 64 } },
      roles: { generator: { endpoint: "sim", model: "sim-coder", sampling: { temperature: 0.7 } } },
      budget: { n: 2, rounds: 3, selfDebugDecision: "refine" },
      selection: [{ method: "sstar" }, { method: "first" }, { method: "oracle" }],
      limits: { timeSec: 3 },
      window: 6,
      seed: 42,
    }),
  );
  return file;
}

function requests(log: string): RequestLogEntry[] {
  return existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RequestLogEntry)
    : [];
}

interface StoredRecord {
  histories: SampleHistory[];
  finalCandidates: SelectionCandidateRef[];
}

describe("selfDebugDecision: refine, end to end on the embedded server, the sandbox and the simulator", () => {
  const dir = tempDir("refine");
  const config = writeConfig(dir);
  const run = (log: string) =>
    runSstar(["--data-dir", dir, "run", config, "--json"], {
      TEMPORAL_ADDRESS: undefined,
      SSTAR_SIM_LOG: log,
    });
  const ledgerTotals = async (runId: string) => {
    const result = await runSstar(["--data-dir", dir, "ledger", runId, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    return jsonOutput<{ totals: Record<string, unknown> }>(result).totals;
  };
  let summary: RunSummary;
  let records: { outcome: ProblemOutcome; record: StoredRecord }[];

  beforeAll(async () => {
    const result = await run(join(dir, "requests-1.jsonl"));
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary>(result);
    const store = new LocalContentStore(join(dir, "store"));
    const outcomes = readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProblemOutcome);
    records = await Promise.all(
      outcomes.map(async (outcome) => ({
        outcome,
        record: await store.getJson<StoredRecord>(outcome.recordRef),
      })),
    );
  });

  it("runs every problem and pays for one test generation per problem, which selection shares", () => {
    expect(summary.problems).toBe(PROBLEMS);
    expect(summary.tokens.refine?.requests).toBeGreaterThan(0);
    // One request per problem at most (the simulator may take one problem for a similar one, so
    // count requests rather than problems): refinement asks it, selection finds it in the cache.
    const testInputs = requests(join(dir, "requests-1.jsonl")).filter((e) => e.role[0] === "test_inputs");
    const refining = records.filter(({ record }) =>
      record.histories.some((h) => h.rounds.some((r) => r.refine)),
    ).length;
    expect(refining).toBeGreaterThan(0);
    expect(testInputs.length).toBeGreaterThanOrEqual(refining);
    expect(testInputs.length).toBeLessThanOrEqual(PROBLEMS);
    expect(summary.tokens.test_inputs?.requests).toBe(testInputs.length);
  });

  it("records for each refine round the test it targeted and whether it was accepted or rolled back", () => {
    const refineRounds: SampleRound[] = [];
    for (const { record } of records) {
      for (const history of record.histories) {
        let state: RefineRoundRecord | undefined;
        let kept: SampleRound | undefined;
        for (const round of history.rounds) {
          const refine = round.refine;
          if (refine?.target === undefined) {
            // Before refinement, or the round that entered it (which passes every public test).
            expect(state).toBeUndefined();
            if (refine) expect(round.publicPassed).toBe(round.publicTotal);
          } else {
            refineRounds.push(round);
            // The target is the first failing test left, popped either way.
            expect(refine.target).toBe(state?.remaining[0]);
            expect(refine.remaining).not.toContain(refine.target);
            expect(refine.testsRef).toBe(state?.testsRef);
            if (refine.accepted) {
              expect(round.codeRef).toBeDefined();
              expect(round.publicPassed).toBe(round.publicTotal);
              expect(refine.anchors).toEqual(
                expect.arrayContaining([...(state?.anchors ?? []), refine.target]),
              );
            } else {
              expect(round.codeRef).toBeUndefined();
              expect(refine.attemptCodeRef).toBeDefined();
              expect(["public_regressed", "anchor_broken", "target_failed"]).toContain(refine.rollback);
              expect(refine.anchors).toEqual(state?.anchors);
            }
          }
          if (refine) state = refine;
          if (round.codeRef) kept = round;
        }
        // The sample's final program is its last accepted one.
        const final = record.finalCandidates.find((c) => c.index === history.index);
        expect(final?.codeRef).toBe(kept?.codeRef);
      }
    }
    const accepted = refineRounds.filter((r) => r.refine?.accepted);
    const rolledBack = refineRounds.filter((r) => r.refine?.accepted === false);
    expect(accepted.length).toBeGreaterThan(0);
    expect(rolledBack.length).toBeGreaterThan(0);
    // R=3 as usual: a round 0 and at most two more rounds per sample.
    for (const { record } of records)
      for (const h of record.histories) expect(h.rounds.length).toBeLessThanOrEqual(3);
  });

  it("asks the simulator for nothing new when the same command runs again", async () => {
    const log = join(dir, "requests-2.jsonl");
    const again = await run(log);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(jsonOutput<RunSummary>(again).methods).toEqual(summary.methods);
    expect(requests(log)).toEqual([]);
  });

  describe("replay", () => {
    let server: EmbeddedTemporalServer;
    beforeAll(async () => {
      server = await EmbeddedTemporalServer.start({ dataDir: dir });
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
        // The run and its problems.
        expect(replayed).toBeGreaterThanOrEqual(1 + PROBLEMS);
      } finally {
        await client.connection.close();
      }
    });
  });

  describe("every workflow run again from nothing but the caches", () => {
    const log = join(dir, "requests-3.jsonl");
    let before: Record<string, unknown>;
    let rerun: RunSummary;
    beforeAll(async () => {
      before = await ledgerTotals(summary.run_id);
      // Without the server's state the run and every problem start over, every activity included.
      for (const f of readdirSync(dir).filter((f) => f.startsWith("temporal.db"))) rmSync(join(dir, f));
      const result = await run(log);
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      rerun = jsonOutput<RunSummary>(result);
    });

    it("asks the simulator for nothing, pays nothing twice and gives the same results", async () => {
      expect(requests(log)).toEqual([]);
      // The summary's spend is the run's ledger, unchanged; all the rerun used came from the cache.
      expect(rerun.tokens.total).toEqual(summary.tokens.total);
      expect(rerun.cache_saved.total.requests).toBeGreaterThan(0);
      expect(rerun.methods).toEqual(summary.methods);
      expect(rerun.oracle).toEqual(summary.oracle);
      expect(await ledgerTotals(summary.run_id)).toEqual(before);
    });
  });
});
