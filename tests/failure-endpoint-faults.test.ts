import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSummary } from "../cli/summary-table";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import type { RequestLogEntry } from "../simulator/request-log";
import type { SimStats } from "../simulator/sim-metrics";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { type CliResult, jsonOutput, runSstar } from "./helpers/sstar-cli";

const demoProblems = join(projectRoot, "demo", "demo-problems.jsonl");

/**
 * Demo problems against a simulator that fails one request in five (500s and dropped connections):
 * every problem still ends, the log says one line per retried failure, and the summary's spend is
 * the ledger's, which is what the endpoint served, with what the cache answered shown apart.
 */
describe("a run under 20% endpoint faults", () => {
  const dir = tempDir("endpoint-faults");
  const log = join(dir, "sim-requests.jsonl");
  let sim: { child: ChildProcess; url: string } | undefined;
  let result: CliResult;
  let summary: RunSummary;

  beforeAll(async () => {
    const config = join(dir, "sim.json");
    writeFileSync(
      config,
      JSON.stringify({ faults: { serverError: { rate: 0.1 }, connectionReset: { rate: 0.1 } } }),
    );
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 5, log, config });
    // Five of the ten demo problems: enough faults to count, half the retries' wall time.
    result = await runSstar(
      ["--data-dir", dir, "run", "demo", "--limit", "5", "--endpoint", sim.url, "--json"],
      {
        TEMPORAL_ADDRESS: undefined,
      },
    );
    summary = jsonOutput<RunSummary>(result);
  }, 600_000);
  afterAll(async () => {
    if (sim) await killHard(sim.child);
  });

  const faults = () =>
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as RequestLogEntry)
      .filter((e) => e.fault !== null).length;

  it("finishes every problem and prints fewer than 3 lines per fault", () => {
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(summary.problems).toBe(5);
    expect(summary.errored).toBe(0);
    const count = faults();
    expect(count).toBeGreaterThan(3);
    // Progress lines come every few seconds whatever happens; the rest is what faults cost.
    const lines = result.stderr
      .trim()
      .split("\n")
      .filter((line) => line && !line.startsWith("progress: "));
    expect(lines.length, result.stderr).toBeLessThan(3 * count);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("reports the ledger's spend, which is what the endpoint served, and the cache's part apart", async () => {
    const ledgerCli = await runSstar(["--data-dir", dir, "ledger", summary.run_id, "--json"]);
    expect(ledgerCli.code, ledgerCli.stderr).toBe(0);
    const ledger = jsonOutput<RunLedgerReport>(ledgerCli);
    const stats = (await (await fetch(`${sim?.url.replace(/\/v1$/, "")}/sim/stats`)).json()) as SimStats;
    expect(ledger.totals.requests).toBe(stats.served);
    expect(summary.tokens_source).toBe("ledger");
    expect(summary.tokens.total).toMatchObject({
      requests: ledger.totals.requests,
      prompt: ledger.totals.prompt_tokens,
      completion: ledger.totals.completion_tokens,
    });
    expect(summary.cache_saved.total.requests).toBeGreaterThanOrEqual(0);
    expect(summary.sandbox?.batches).toBeGreaterThan(0);

    const table = formatSummary(summary);
    expect(table).toMatch(/from cache: requests/);
    expect(table).toMatch(/what was paid, from the spend ledger/);
  });
});
