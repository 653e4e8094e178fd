/**
 * A real Prometheus (Debian's package) scrapes a worker's /metrics and the sandbox service's every
 * second while a small run goes through them, and the worker is killed and replaced mid-run; what
 * Prometheus answers through its HTTP API must still equal the spend ledger the workers wrote. Laid
 * out as on a cluster: the worker, the sandbox service, the simulated endpoint and the CLI are
 * separate processes, and the ledger is a PostgreSQL server (SSTAR_LEDGER_URL).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerTarget, openLedger } from "../ledger/open-ledger";
import { sqliteLedgerPath } from "../ledger/sqlite-ledger";
import type { SpendLedger, Totals } from "../ledger/types";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { dashboardTargets, substituteVariables } from "./helpers/grafana-dashboard";
import { startTestPostgres, type TestPostgres } from "./helpers/postgres";
import {
  eventually,
  killHard,
  startSimulatorProcess,
  startTsProcess,
  tempDir,
  waitFor,
} from "./helpers/processes";
import {
  freeLoopbackPort,
  promtoolCheckMetrics,
  startTestPrometheus,
  type TestPrometheus,
  type VectorSample,
} from "./helpers/prometheus";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const LEETCODE = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 2;
const N = 2;
const WORKER_JOB = "sstar-worker";
const SANDBOX_JOB = "sstar-sandbox";

/** `label=value,...=value` for each series, sorted: two answers compare as text. */
function bySeries(samples: VectorSample[], labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[labels.map((l) => `${l}=${s.metric[l] ?? ""}`).join(",")] = s.value;
  return out;
}

/** The ledger's token totals in the same shape as the Prometheus answer. */
function ledgerTokens(totals: Totals, labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of totals.rows) {
    if (row.requests === 0) continue;
    const key: Record<string, string> = {
      budget_setting: row.key.budgetSetting ?? "",
      stage: row.key.stage ?? "",
      role: row.key.role ?? "",
      model: row.key.model ?? "",
    };
    const byType = {
      input: row.promptTokens,
      output: row.completionTokens,
      cached: row.cachedTokens,
      reasoning: row.reasoningTokens,
    };
    for (const [type, value] of Object.entries(byType)) {
      const series = labels.map((l) => `${l}=${l === "type" ? type : (key[l] ?? "")}`).join(",");
      out[series] = value;
    }
  }
  return out;
}

describe("Prometheus scraping a worker (killed and replaced mid-run) and the sandbox service", () => {
  const base = tempDir("prom-spend");
  const dataDir = join(base, "data");
  const problemsFile = join(base, "problems.jsonl");
  const processes: ChildProcess[] = [];
  let temporal: EmbeddedTemporalServer | undefined;
  let prometheus: TestPrometheus | undefined;
  let postgres: TestPostgres | undefined;
  let ledgerUrl: string;
  let ledger: SpendLedger | undefined;
  let workerMetricsUrl: string;
  let sandboxUrl: string;
  let summary: RunSummary;

  const prom = () => {
    if (!prometheus) throw new Error("prometheus did not start");
    return prometheus;
  };

  beforeAll(async () => {
    writeFileSync(
      problemsFile,
      `${readFileSync(LEETCODE, "utf8").trim().split("\n").slice(0, PROBLEMS).join("\n")}\n`,
    );
    const simulator = await startSimulatorProcess(join(base, "sim-data"), problemsFile, { seed: 7 });
    processes.push(simulator.child);
    const workerPort = await freeLoopbackPort();
    const sandboxPort = await freeLoopbackPort();
    workerMetricsUrl = `http://127.0.0.1:${workerPort}`;
    sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    prometheus = await startTestPrometheus([
      { job: WORKER_JOB, address: `127.0.0.1:${workerPort}` },
      { job: SANDBOX_JOB, address: `127.0.0.1:${sandboxPort}` },
    ]);

    postgres = await startTestPostgres();
    ledgerUrl = await postgres.createDatabase("sstar_spend");
    temporal = await EmbeddedTemporalServer.start({ dataDir });
    const env = { TEMPORAL_ADDRESS: temporal.address, SSTAR_DATA_DIR: dataDir, SSTAR_LEDGER_URL: ledgerUrl };
    processes.push(
      await startTsProcess("bin/sstar.js", env, sandboxUrl, 120_000, [
        "--data-dir",
        dataDir,
        "sandbox",
        "serve",
        "--port",
        String(sandboxPort),
      ]),
    );
    const startWorker = () =>
      startTsProcess("bin/sstar.js", { ...env, SSTAR_SANDBOX_URL: sandboxUrl }, "worker polling", 120_000, [
        "--data-dir",
        dataDir,
        "worker",
        "--metrics-port",
        String(workerPort),
      ]);
    let worker = await startWorker();

    const configFile = join(base, "run.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        name: "prom-spend",
        dataset: { path: problemsFile },
        endpoints: { sim: { baseUrl: simulator.url, concurrency: 16 } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim", sampling: { temperature: 0.7 } } },
        budget: { n: N, rounds: 2 },
        selection: [{ method: "sstar" }],
        limits: { timeSec: 3 },
        window: PROBLEMS,
        seed: 7,
      }),
    );
    const running = runSstar(["--data-dir", dataDir, "run", configFile, "--no-worker", "--json"], env);
    try {
      // Once Prometheus has scraped some paid responses, the worker dies and another takes its place
      // on the same port: its live counters start from zero, the ledger's totals do not.
      await waitFor(async () => {
        const [paid] = await prom().query(`sum(sstar_llm_requests_total{job="${WORKER_JOB}"})`);
        return (paid?.value ?? 0) > 0 ? true : undefined;
      }, 600_000);
      await killHard(worker);
      worker = await startWorker();
    } finally {
      processes.push(worker);
    }
    const result = await running;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary>(result);
    ledger = await openLedger(ledgerTarget(dataDir, ledgerUrl));
  });

  afterAll(async () => {
    await ledger?.close();
    for (const child of processes.reverse()) await killHard(child);
    await temporal?.stop();
    await prometheus?.stop();
    await postgres?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const spendLedger = () => {
    if (!ledger) throw new Error("no ledger");
    return ledger;
  };
  const run = () => `run="${summary.run_id}"`;

  it("keeps the ledger in PostgreSQL: no SQLite ledger in the data folder, and sstar ledger reads the server", async () => {
    expect(existsSync(sqliteLedgerPath(dataDir))).toBe(false);
    const cli = await runSstar(["--data-dir", dataDir, "ledger", summary.run_id, "--json"], {
      SSTAR_LEDGER_URL: ledgerUrl,
    });
    expect(cli.code, cli.stderr.slice(-2000)).toBe(0);
    const report = jsonOutput<RunLedgerReport>(cli);
    const [total] = (await spendLedger().totals(summary.run_id)).rows;
    expect(report.totals.prompt_tokens).toBe(total?.promptTokens);
    expect(report.totals.completion_tokens).toBe(total?.completionTokens);
    expect(report.totals.completion_tokens).toBeGreaterThan(0);
  });

  it("scrapes both targets", async () => {
    await eventually(async () => {
      expect(await prom().targetHealth()).toEqual({ [WORKER_JOB]: "up", [SANDBOX_JOB]: "up" });
    });
  });

  it("holds the ledger's token totals per budget setting, stage, role, model and type", async () => {
    const totals = await spendLedger().totals(summary.run_id, {
      groupBy: ["budgetSetting", "stage", "role", "model"],
    });
    expect(
      totals.rows.some((r) => r.requests > 0),
      "the ledger has no LLM entries for the run",
    ).toBe(true);
    const labels = ["budget_setting", "stage", "role", "model", "type"];
    const expected = ledgerTokens(totals, labels);
    await eventually(async () => {
      const answer = await prom().query(
        `max without (instance, job) (sstar_ledger_llm_tokens_total{${run()}})`,
      );
      expect(bySeries(answer, labels)).toEqual(expected);
    });
  });

  it("shows why totals come from the ledger: the restarted worker's live counters fall short of it", async () => {
    const [total] = (await spendLedger().totals(summary.run_id)).rows;
    expect(total?.requests).toBeGreaterThan(0);
    await eventually(async () => {
      const [requests] = await prom().query(`sum(sstar_llm_requests_total{${run()}})`);
      expect(requests?.value).toBeLessThan(total?.requests ?? 0);
      const [input] = await prom().query(`sum(sstar_llm_tokens_total{${run()},type="input"})`);
      expect(input?.value).toBeLessThan(total?.promptTokens ?? 0);
      // The OpenTelemetry histogram counts the same responses as the live counter.
      const [usage] = await prom().query(
        `sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input",job="${WORKER_JOB}"})`,
      );
      expect(usage?.value).toBe(input?.value);
    });
  });

  it("holds the ledger's sandbox spend, and the service's own runs, verdicts, CPU and wall seconds", async () => {
    const [total] = (await spendLedger().totals(summary.run_id)).rows;
    expect(total?.sandboxBatches).toBeGreaterThan(0);
    await eventually(async () => {
      const [batches] = await prom().query(
        `sum(max without (instance, job) (sstar_ledger_sandbox_batches_total{${run()}}))`,
      );
      expect(batches?.value).toBe(total?.sandboxBatches);
      const [tests] = await prom().query(
        `sum(max without (instance, job) (sstar_ledger_sandbox_tests_total{${run()}}))`,
      );
      expect(tests?.value).toBe(total?.tests);
      const [cpu] = await prom().query(
        `sum(max without (instance, job) (sstar_ledger_sandbox_cpu_seconds_total{${run()}}))`,
      );
      expect(cpu?.value).toBeCloseTo(total?.cpuSeconds ?? -1, 6);
    });
    const service = async (expr: string) => (await prom().query(expr))[0]?.value ?? 0;
    expect(await service(`sum(sstar_sandbox_runs_total{job="${SANDBOX_JOB}"})`)).toBeGreaterThan(0);
    expect(await service(`sum(sstar_sandbox_verdicts_total{job="${SANDBOX_JOB}"})`)).toBeGreaterThan(0);
    expect(await service(`sum(sstar_sandbox_wall_seconds_total{job="${SANDBOX_JOB}"})`)).toBeGreaterThan(0);
    expect(await prom().query(`sstar_sandbox_cpu_seconds_total{job="${SANDBOX_JOB}"}`)).toHaveLength(1);
    expect(await prom().query(`sstar_sandbox_queue_depth{job="${SANDBOX_JOB}"}`)).toHaveLength(1);
  });

  it("counts every problem done, on the worker that finished them", async () => {
    await eventually(async () => {
      const [done] = await prom().query(`sum(sstar_problems_done_total{${run()}})`);
      expect(done?.value).toBe(summary.problems);
      // The killed worker's starts died with it, so the survivor may have finished more than it started.
      const [inFlight] = await prom().query(`sum(sstar_problems_in_flight{${run()}})`);
      expect(inFlight?.value).toBeLessThanOrEqual(0);
    });
  });

  it("labels no series by problem, sample or request", async () => {
    const names = await prom().labelNames();
    expect(names).toContain("budget_setting");
    for (const forbidden of ["problem", "problem_id", "sample", "sample_index", "request_id"]) {
      expect(names).not.toContain(forbidden);
    }
  });

  it("passes promtool's lint of metric names, units and help on both endpoints", async () => {
    for (const url of [workerMetricsUrl, sandboxUrl]) {
      const exposition = await (await fetch(`${url}/metrics`)).text();
      // prom-client's default Node.js gauges (nodejs_active_handles_total, ...) are not sstar's to rename.
      const problems = promtoolCheckMetrics(exposition).filter((p) => !p.startsWith("nodejs_"));
      expect(problems, url).toEqual([]);
    }
  });

  it("answers every query of the Grafana dashboard, with data for the ledger panels", async () => {
    for (const target of dashboardTargets()) {
      const expr = substituteVariables(target.expr, { run: summary.run_id, __range: "10m" });
      const answer = await prom().query(expr);
      if (/sstar_ledger_(llm|sandbox)/.test(expr)) {
        expect(answer.length, `${target.panel} ${target.refId}: ${expr}`).toBeGreaterThan(0);
      }
    }
  });
});
