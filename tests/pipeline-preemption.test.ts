import type { ChildProcess } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { SeededRandom } from "../method/seeded-random";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { SimStats } from "../simulator/sim-metrics";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { readRequestLog, repeatedRequests, resultsWithoutUsage } from "./helpers/preempted-run";
import { eventually, killHard, startSimulatorProcess, startTsProcess, tempDir } from "./helpers/processes";
import { freeLoopbackPort, startTestPrometheus, type TestPrometheus } from "./helpers/prometheus";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const LEETCODE = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 6;
const WINDOW = 3;
const N = 4;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a run whose worker is killed three times", () => {
  const base = tempDir("preempt");
  const problemsFile = join(base, "problems.jsonl");
  const simLog = join(base, "sim-requests.jsonl");
  let simulator: { child: ChildProcess; url: string };
  let configFile: string;

  beforeAll(async () => {
    writeFileSync(
      problemsFile,
      `${readFileSync(LEETCODE, "utf8").trim().split("\n").slice(0, PROBLEMS).join("\n")}\n`,
    );
    simulator = await startSimulatorProcess(join(base, "sim-data"), problemsFile, { seed: 7, log: simLog });
    configFile = join(base, "run.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        name: "preempt",
        dataset: { path: problemsFile },
        endpoints: { sim: { baseUrl: simulator.url, concurrency: 32 } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim", sampling: { temperature: 0.7 } } },
        budget: { n: N, rounds: 2 },
        selection: [{ method: "sstar" }, { method: "first" }],
        limits: { timeSec: 3 },
        window: WINDOW,
        seed: 7,
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

  it("completes with the results of an uninterrupted run, asking again only for what was in flight; its ledger holds exactly what the endpoint served, and so does Prometheus", async () => {
    const reference = await runSstar(["--data-dir", join(base, "reference"), "run", configFile, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(reference.code, reference.stderr.slice(-3000)).toBe(0);
    const expected = jsonOutput<RunSummary>(reference);
    const requestsBefore = readRequestLog(simLog).length;
    const statsBefore = await simStats();

    const dataDir = join(base, "preempted");
    // Same execution verdicts as the reference: only preemption may differ between the two runs.
    cpSync(join(base, "reference", "cache", "exec"), join(dataDir, "cache", "exec"), { recursive: true });
    const server = await EmbeddedTemporalServer.start({ dataDir });
    const env = { TEMPORAL_ADDRESS: server.address, SSTAR_DATA_DIR: dataDir };
    // Every worker, the killed ones and their replacements, serves /metrics on this port.
    const metricsPort = await freeLoopbackPort();
    let prometheus: TestPrometheus | undefined;
    const startWorker = () =>
      startTsProcess("bin/sstar.js", env, "worker polling", 120_000, [
        "--data-dir",
        dataDir,
        "worker",
        "--metrics-port",
        String(metricsPort),
      ]);
    let worker: ChildProcess | undefined;
    try {
      prometheus = await startTestPrometheus([{ job: "sstar-worker", address: `127.0.0.1:${metricsPort}` }]);
      worker = await startWorker();
      let finished = false;
      const running = runSstar(
        ["--data-dir", dataDir, "run", configFile, "--no-worker", "--json"],
        env,
      ).finally(() => {
        finished = true;
      });
      const rng = new SeededRandom("preemption");
      let kills = 0;
      for (; kills < 3 && !finished; kills++) {
        await pause(3_000 + rng.int(6_000));
        // The kill lands while requests are in flight, never between a response's last byte and its
        // ledger write (milliseconds no test can aim at): the endpoint is frozen, the worker records
        // what it already received, then dies; the endpoint sees its requests' connections closed.
        simulator.child.kill("SIGSTOP");
        await pause(1_500);
        await killHard(worker);
        simulator.child.kill("SIGCONT");
        worker = await startWorker();
      }
      const result = await running;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(kills).toBe(3);
      const actual = jsonOutput<RunSummary>(result);
      expect(actual.methods).toEqual(expected.methods);
      expect(actual.oracle).toEqual(expected.oracle);
      expect(resultsWithoutUsage(dataDir, expected.run_id)).toEqual(
        resultsWithoutUsage(join(base, "reference"), expected.run_id),
      );

      // Only requests in flight at a kill may be asked again: at most the window's problems' worth each time.
      const entries = readRequestLog(simLog).slice(requestsBefore);
      const repeated = repeatedRequests(entries);
      expect(repeated).toBeLessThanOrEqual(kills * WINDOW * N);

      // Exactly once: the ledger holds every response the endpoint served to this run (killed
      // attempts' included, retried ones once), no more and no less.
      const stats = await simStats();
      const served = {
        requests: stats.served - statsBefore.served,
        prompt: stats.promptTokens - statsBefore.promptTokens,
        completion: stats.completionTokens - statsBefore.completionTokens,
      };
      const ledgerCli = await runSstar(["--data-dir", dataDir, "ledger", expected.run_id, "--json"], env);
      expect(ledgerCli.code, ledgerCli.stderr.slice(-3000)).toBe(0);
      const ledger = jsonOutput<RunLedgerReport>(ledgerCli);
      expect(ledger.totals.requests).toBe(served.requests);
      expect(ledger.totals.prompt_tokens).toBe(served.prompt);
      expect(ledger.totals.completion_tokens).toBe(served.completion);
      const sum = (key: "requests" | "completion_tokens") => ledger.rows.reduce((n, r) => n + r[key], 0);
      expect(sum("requests")).toBe(ledger.totals.requests);
      expect(sum("completion_tokens")).toBe(ledger.totals.completion_tokens);
      // The summary's tokens are the ledger's (killed attempts' spend included), per stage too;
      // what the resumed attempts found in the response cache is shown apart.
      expect(actual.tokens_source).toBe("ledger");
      expect(actual.tokens.total).toMatchObject({
        requests: ledger.totals.requests,
        prompt: ledger.totals.prompt_tokens,
        completion: ledger.totals.completion_tokens,
      });
      for (const row of ledger.rows.filter((r) => r.requests > 0))
        expect(actual.tokens[row.stage]?.completion, row.stage).toBe(
          ledger.rows.filter((r) => r.stage === row.stage).reduce((n, r) => n + r.completion_tokens, 0),
        );
      expect(actual.cache_saved.total.requests).toBeGreaterThan(0);
      const perProblem = readFileSync(join(dataDir, "runs", expected.run_id, "results.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { usage: Record<string, { completion: number }> })
        .reduce((n, o) => n + Object.values(o.usage).reduce((m, u) => m + u.completion, 0), 0);
      expect(perProblem).toBe(ledger.totals.completion_tokens);

      // Prometheus, scraping the workers through all three kills, holds the same totals: the
      // ledger-derived series, which no restart resets (max: every worker exports the same totals).
      const prom = prometheus;
      const promTotal = async (expr: string) => (await prom.query(expr))[0]?.value;
      const run = `run="${expected.run_id}"`;
      await eventually(async () => {
        expect(
          await promTotal(`sum(max without (instance, job) (sstar_ledger_llm_requests_total{${run}}))`),
        ).toBe(served.requests);
        expect(
          await promTotal(
            `sum(max without (instance, job) (sstar_ledger_llm_tokens_total{${run},type="input"}))`,
          ),
        ).toBe(served.prompt);
        expect(
          await promTotal(
            `sum(max without (instance, job) (sstar_ledger_llm_tokens_total{${run},type="output"}))`,
          ),
        ).toBe(served.completion);
      });
      console.log(
        `preemption: ${kills} kills, ${served.requests} responses served, ${stats.aborted - statsBefore.aborted} aborted by kills, ${repeated} requests asked again`,
      );
    } finally {
      if (worker) await killHard(worker);
      await server.stop();
      await prometheus?.stop();
    }
  }, 900_000);
});
