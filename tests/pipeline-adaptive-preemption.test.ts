import type { ChildProcess } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import type { SimStats } from "../simulator/sim-metrics";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { readRequestLog, repeatedRequests, resultsWithoutUsage } from "./helpers/preempted-run";
import { killHard, startSimulatorProcess, startTsProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

/**
 * The adaptive budget under preemption: the worker is killed while a problem is inside its second
 * wave (its second generation request has reached the endpoint). The run must end as an
 * uninterrupted one does, sample for sample and stop for stop, asking again only for what was in
 * flight, and its ledger must hold exactly what the endpoint served.
 */
const LEETCODE = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 4;
const WINDOW = 2;
const N = 8;
const WAVE = 2;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Problems with at least two generation requests since `from`: their second wave has started. */
function problemsInLaterWave(entries: RequestLogEntry[]): string[] {
  const generations = new Map<string, number>();
  for (const e of entries) {
    const problem = e.problem[0];
    if (e.role[0] === "generate" && problem) generations.set(problem, (generations.get(problem) ?? 0) + 1);
  }
  return [...generations].filter(([, count]) => count >= 2).map(([p]) => p);
}

describe("an adaptive run whose worker is killed inside a later wave", () => {
  const base = tempDir("adaptive-preempt");
  const problemsFile = join(base, "problems.jsonl");
  const simLog = join(base, "sim-requests.jsonl");
  let simulator: { child: ChildProcess; url: string };
  let configFile: string;

  beforeAll(async () => {
    writeFileSync(
      problemsFile,
      `${readFileSync(LEETCODE, "utf8").trim().split("\n").slice(0, PROBLEMS).join("\n")}\n`,
    );
    simulator = await startSimulatorProcess(join(base, "sim-data"), problemsFile, { seed: 11, log: simLog });
    configFile = join(base, "run.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        name: "adaptive-preempt",
        dataset: { path: problemsFile },
        endpoints: { sim: { baseUrl: simulator.url, concurrency: 32 } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim", sampling: { temperature: 0.7 } } },
        budget: { n: N, rounds: 2, policy: "adaptive", wave: WAVE },
        selection: [{ method: "sstar" }, { method: "first" }],
        limits: { timeSec: 3 },
        window: WINDOW,
        seed: 11,
      }),
    );
  });
  afterAll(async () => {
    if (simulator) {
      simulator.child.kill("SIGCONT");
      await killHard(simulator.child);
    }
  });

  const simStats = async (): Promise<SimStats> =>
    (await (await fetch(`${simulator.url.replace(/\/v1$/, "")}/sim/stats`)).json()) as SimStats;

  it("resumes from its last finished step: the same samples, stops and selections, nothing paid twice", async () => {
    const reference = await runSstar(["--data-dir", join(base, "reference"), "run", configFile, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(reference.code, reference.stderr.slice(-3000)).toBe(0);
    const expected = jsonOutput<RunSummary>(reference);
    // The kill must land in a later wave: some problem of the reference drew more than one wave.
    expect(expected.adaptive?.samples_drawn).toBeGreaterThan(PROBLEMS * WAVE);
    const requestsBefore = readRequestLog(simLog).length;
    const statsBefore = await simStats();

    const dataDir = join(base, "preempted");
    // Same execution verdicts as the reference: only the preemption may differ between the two runs.
    cpSync(join(base, "reference", "cache", "exec"), join(dataDir, "cache", "exec"), { recursive: true });
    const server = await EmbeddedTemporalServer.start({ dataDir });
    const env = { TEMPORAL_ADDRESS: server.address, SSTAR_DATA_DIR: dataDir };
    const startWorker = () =>
      startTsProcess("bin/sstar.js", env, "worker polling", 120_000, ["--data-dir", dataDir, "worker"]);
    let worker: ChildProcess | undefined;
    try {
      worker = await startWorker();
      let finished = false;
      const running = runSstar(
        ["--data-dir", dataDir, "run", configFile, "--no-worker", "--json"],
        env,
      ).finally(() => {
        finished = true;
      });
      let killedIn: string | undefined;
      while (!finished && !killedIn) {
        killedIn = problemsInLaterWave(readRequestLog(simLog).slice(requestsBefore))[0];
        if (!killedIn) await pause(50);
      }
      expect(killedIn, "no problem reached a second wave before the run ended").toBeDefined();
      // Freeze the endpoint so requests are in flight at the kill, then kill the worker mid-wave.
      simulator.child.kill("SIGSTOP");
      await pause(1_000);
      await killHard(worker);
      simulator.child.kill("SIGCONT");
      worker = await startWorker();

      const result = await running;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const actual = jsonOutput<RunSummary>(result);
      expect(actual.methods).toEqual(expected.methods);
      expect(actual.adaptive).toEqual(expected.adaptive);
      // Per problem: the same samples drawn, waves, stop reason, selections and verdicts.
      expect(resultsWithoutUsage(dataDir, expected.run_id)).toEqual(
        resultsWithoutUsage(join(base, "reference"), expected.run_id),
      );

      // Only what was in flight at the kill is asked again: at most the window's samples.
      const entries = readRequestLog(simLog).slice(requestsBefore);
      const repeated = repeatedRequests(entries);
      expect(repeated).toBeLessThanOrEqual(WINDOW * N);

      // The ledger holds every response the endpoint served, and the samples not drawn once per problem.
      const stats = await simStats();
      const ledgerCli = await runSstar(["--data-dir", dataDir, "ledger", expected.run_id, "--json"], env);
      expect(ledgerCli.code, ledgerCli.stderr.slice(-3000)).toBe(0);
      const ledger = jsonOutput<RunLedgerReport>(ledgerCli);
      expect(ledger.totals.requests).toBe(stats.served - statsBefore.served);
      expect(ledger.totals.completion_tokens).toBe(stats.completionTokens - statsBefore.completionTokens);
      expect(ledger.samples_saved?.[0]).toMatchObject({
        problems: PROBLEMS,
        samples_drawn: expected.adaptive?.samples_drawn,
        samples_saved: expected.adaptive?.samples_saved,
      });
      console.log(
        `adaptive preemption: killed inside ${killedIn}'s second wave; ${repeated} requests asked again`,
      );
    } finally {
      if (worker) await killHard(worker);
      await server.stop();
    }
  }, 600_000);
});
