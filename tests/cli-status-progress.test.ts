import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteSpendLedger, sqliteLedgerPath } from "../ledger/sqlite-ledger";
import type { RunSummary } from "../method/run-summary";
import { countDoneProblems, ledgerUsageByStage, readProblemList } from "../worker/run-progress";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

interface RunningStatus {
  status: string;
  runId: string;
  total: number | null;
  done: number;
  inFlight: number;
  usage: Record<string, { prompt: number; completion: number; requests: number }>;
  startedAt: number;
  ui: string;
}

describe("sstar status while a run goes on", () => {
  it("answers from the run's files, the ledger and visibility, with the same JSON keys", async () => {
    const dataDir = tempDir("status-progress");
    const config = join(dataDir, "run.json");
    writeFileSync(
      config,
      JSON.stringify({
        name: "status-progress",
        dataset: { path: "demo", limit: 4 },
        endpoints: { sim: { baseUrl: "sim://builtin/v1" } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim-coder" } },
        budget: { n: 2, rounds: 1 },
        selection: [{ method: "sstar" }],
        limits: { timeSec: 2 },
        window: 1,
      }),
    );
    const polls: RunningStatus[] = [];
    let polling: Promise<void> | undefined;
    let stop = false;
    const run = runSstar(
      ["--data-dir", dataDir, "run", config, "--json"],
      { TEMPORAL_ADDRESS: undefined },
      900_000,
      (chunk) => {
        const runId = /^sstar run (\S+):/m.exec(chunk)?.[1];
        if (!runId || polling) return;
        polling = (async () => {
          while (!stop) {
            const status = await runSstar(["--data-dir", dataDir, "status", runId, "--json"]);
            if (status.code === 0) {
              const answer = jsonOutput<RunningStatus>(status);
              if (answer.status === "RUNNING") polls.push(answer);
            }
            await new Promise((r) => setTimeout(r, 1000));
          }
        })();
      },
    );
    const result = await run;
    stop = true;
    await polling;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const summary = jsonOutput<RunSummary>(result);
    const withList = polls.filter((p) => p.total !== null);
    expect(withList.length, "status never saw the run running").toBeGreaterThan(0);
    for (const p of withList) {
      expect(Object.keys(p).sort()).toEqual(
        expect.arrayContaining(["done", "inFlight", "runId", "startedAt", "status", "total", "ui", "usage"]),
      );
      expect(p.runId).toBe(summary.run_id);
      expect(p.total).toBe(4);
      expect(p.done).toBeGreaterThanOrEqual(0);
      expect(p.done).toBeLessThanOrEqual(4);
      expect(p.inFlight).toBeLessThanOrEqual(1);
    }
    // Tokens come from the ledger while the run goes: by the last poll some were paid.
    const last = withList.at(-1) as RunningStatus;
    const tokens = Object.values(last.usage).reduce((s, u) => s + u.prompt + u.completion, 0);
    expect(tokens).toBeGreaterThan(0);

    // The same figures, read directly once the run has finished.
    const resultsDir = join(dataDir, "runs", summary.run_id);
    expect(readProblemList(resultsDir)?.total).toBe(4);
    expect(countDoneProblems(resultsDir)).toBe(4);
    const ledger = await SqliteSpendLedger.open(sqliteLedgerPath(dataDir));
    try {
      const usage = await ledgerUsageByStage(ledger, summary.run_id);
      expect(usage.generate?.completion).toBe(summary.tokens.generate?.completion);
    } finally {
      await ledger.close();
    }
  }, 900_000);
});
