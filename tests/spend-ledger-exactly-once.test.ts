import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteSpendLedger, sqliteLedgerPath } from "../ledger/sqlite-ledger";
import type { RunSummary } from "../method/run-summary";
import { SeededRandom } from "../method/seeded-random";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { SimStats } from "../simulator/sim-metrics";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { killHard, startTsProcess, tempDir } from "./helpers/processes";
import { freeLoopbackPort, startTestPrometheus, type TestPrometheus } from "./helpers/prometheus";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const LEETCODE = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 5;
const WINDOW = 2;
const N = 3;
const KILLS = 3;

/** Starts `sstar sim` and resolves with its base URL (the first line it prints). */
async function startSimulator(
  dataDir: string,
  problems: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["bin/sstar.js", "--data-dir", dataDir, "sim", "--port", "0", "--problems", problems, "--seed", "11"],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && line.startsWith("http")) resolve(line.trim());
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`sstar sim exited with ${code}: ${err.slice(-2000)}`)));
  });
  return { child, url };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` (assertions) until it passes: Prometheus scrapes once a second. */
async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await pause(500);
    }
  }
}

describe("the spend ledger of a run whose worker is killed three times", () => {
  const base = tempDir("ledger-exact");
  const problemsFile = join(base, "problems.jsonl");
  let simulator: { child: ChildProcess; url: string };
  let configFile: string;

  beforeAll(async () => {
    writeFileSync(
      problemsFile,
      `${readFileSync(LEETCODE, "utf8").trim().split("\n").slice(0, PROBLEMS).join("\n")}\n`,
    );
    simulator = await startSimulator(join(base, "sim-data"), problemsFile);
    configFile = join(base, "run.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        name: "ledger-exact",
        dataset: { path: problemsFile },
        endpoints: { sim: { baseUrl: simulator.url, concurrency: 32 } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim", sampling: { temperature: 0.7 } } },
        budget: { n: N, rounds: 2 },
        selection: [{ method: "sstar" }],
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

  it("holds exactly what the endpoint served: every response recorded once, killed attempts' included; Prometheus agrees", async () => {
    const dataDir = join(base, "data");
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
      const rng = new SeededRandom("ledger-exact");
      let kills = 0;
      for (; kills < KILLS && !finished; kills++) {
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
      expect(kills).toBe(KILLS);
      const summary = jsonOutput<RunSummary>(result);

      const ledgerCli = await runSstar(["--data-dir", dataDir, "ledger", summary.run_id, "--json"], env);
      expect(ledgerCli.code, ledgerCli.stderr.slice(-3000)).toBe(0);
      const ledger = jsonOutput<RunLedgerReport>(ledgerCli);
      const stats = (await (
        await fetch(`${simulator.url.replace(/\/v1$/, "")}/sim/stats`)
      ).json()) as SimStats;

      expect(ledger.totals.requests).toBe(stats.served);
      expect(ledger.totals.prompt_tokens).toBe(stats.promptTokens);
      expect(ledger.totals.completion_tokens).toBe(stats.completionTokens);
      expect(ledger.totals.reasoning_tokens).toBe(stats.reasoningTokens);
      // The rows add up to the totals, and sandbox time was recorded too.
      const sum = (key: "requests" | "prompt_tokens" | "completion_tokens") =>
        ledger.rows.reduce((s, r) => s + r[key], 0);
      expect(sum("requests")).toBe(ledger.totals.requests);
      expect(sum("completion_tokens")).toBe(ledger.totals.completion_tokens);
      expect(ledger.totals.sandbox_batches).toBeGreaterThan(0);
      expect(ledger.rows.find((r) => r.stage === "generate" && r.role === "generator")).toBeDefined();

      // What workflow history counts (completed activities only) is at most what was paid.
      const summed = summary.tokens.total.completion;
      expect(ledger.totals.completion_tokens).toBeGreaterThanOrEqual(summed);

      const entries = await SqliteSpendLedger.open(sqliteLedgerPath(dataDir));
      let retried = 0;
      try {
        for await (const e of entries.entries(summary.run_id))
          if (e.kind === "llm" && e.attempt > 1) retried++;
      } finally {
        await entries.close();
      }
      // Prometheus, scraping the workers through all three kills, holds the same totals: the
      // ledger-derived series, which no restart resets (max: every worker exports the same totals).
      const prom = prometheus;
      const promTotal = async (expr: string) => (await prom.query(expr))[0]?.value;
      const run = `run="${summary.run_id}"`;
      await eventually(async () => {
        expect(
          await promTotal(`sum(max without (instance, job) (sstar_ledger_llm_requests_total{${run}}))`),
        ).toBe(stats.served);
        expect(
          await promTotal(
            `sum(max without (instance, job) (sstar_ledger_llm_tokens_total{${run},type="input"}))`,
          ),
        ).toBe(stats.promptTokens);
        expect(
          await promTotal(
            `sum(max without (instance, job) (sstar_ledger_llm_tokens_total{${run},type="output"}))`,
          ),
        ).toBe(stats.completionTokens);
      });

      console.log(
        `ledger-exact: ${stats.served} served, ${stats.aborted} aborted by kills, ${retried} entries from retried attempts, ledger completion ${ledger.totals.completion_tokens} vs history ${summed}`,
      );
    } finally {
      if (worker) await killHard(worker);
      await server.stop();
      await prometheus?.stop();
    }
  }, 900_000);
});
