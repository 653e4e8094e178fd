import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Forecast } from "../estimate/forecast";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import type { RunLedgerReport } from "../spend/run-ledger-report";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

/**
 * The adaptive budget policy end to end, on the simulator's realistic profile: the same problems
 * under the fixed budget and under `--adaptive`, compared problem by problem.
 */
const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 6;

interface PolicyRun {
  dir: string;
  summary: RunSummary;
  outcomes: Map<string, ProblemOutcome>;
  ledger: RunLedgerReport;
}

async function runWith(url: string, adaptive: boolean): Promise<PolicyRun> {
  const dir = tempDir(adaptive ? "adaptive" : "fixed");
  const args = ["--data-dir", dir, "run", "demo", "--endpoint", url, "--dataset", dataset];
  const result = await runSstar(
    [
      ...args,
      "--limit",
      String(PROBLEMS),
      "-n",
      "8",
      "-r",
      "2",
      "--json",
      ...(adaptive ? ["--adaptive"] : []),
    ],
    { TEMPORAL_ADDRESS: undefined },
  );
  expect(result.code, result.stderr.slice(-3000)).toBe(0);
  const summary = jsonOutput<RunSummary>(result);
  const outcomes = readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ProblemOutcome);
  const ledger = await runSstar(["--data-dir", dir, "ledger", summary.run_id, "--json"]);
  expect(ledger.code, ledger.stderr).toBe(0);
  return {
    dir,
    summary,
    outcomes: new Map(outcomes.map((o) => [o.problemId, o] as const)),
    ledger: jsonOutput<RunLedgerReport>(ledger),
  };
}

describe("the adaptive budget policy", () => {
  let fixed: PolicyRun;
  let adaptive: PolicyRun;

  beforeAll(async () => {
    const dir = tempDir("adaptive-sim");
    const sim = await startSimulatorProcess(dir, dataset, { seed: 13, profile: "realistic" });
    try {
      fixed = await runWith(sim.url, false);
      adaptive = await runWith(sim.url, true);
    } finally {
      await killHard(sim.child);
    }
  }, 900_000);

  it("keeps the summary's shape and adds what it drew against the fixed budget", () => {
    expect(Object.keys(adaptive.summary.methods)).toEqual(Object.keys(fixed.summary.methods));
    expect(fixed.summary.adaptive).toBeUndefined();
    const a = adaptive.summary.adaptive;
    expect(a?.samples_budget).toBe(PROBLEMS * 8);
    expect(a?.samples_drawn).toBeLessThanOrEqual(PROBLEMS * 8);
    expect(a?.samples_saved).toBe((a?.samples_budget ?? 0) - (a?.samples_drawn ?? 0));
    const stopped = a?.stopped ?? { settled: 0, hopeless: 0, budget: 0 };
    expect(stopped.settled + stopped.hopeless + stopped.budget).toBe(PROBLEMS);
  });

  it("records per problem why it stopped, after how many samples and waves", () => {
    for (const [id, o] of adaptive.outcomes) {
      expect(o.adaptive, id).toBeDefined();
      expect(o.samples, id).toBe(o.adaptive?.samplesDrawn);
      expect(o.adaptive?.waves, id).toBe(Math.ceil((o.adaptive?.samplesDrawn ?? 0) / 4));
      if (o.adaptive?.stop !== "budget") expect(o.adaptive?.samplesDrawn, id).toBeLessThan(8);
      expect(o.adaptive?.detail, id).toBeTruthy();
    }
  });

  it("draws the same samples the fixed budget draws at those indices (the oracle can only lose samples)", () => {
    for (const [id, f] of fixed.outcomes) {
      const a = adaptive.outcomes.get(id);
      // A prefix of the fixed samples: if some adaptive sample passes, some fixed one does.
      if (a?.oracleByRound.at(-1)) expect(f.oracleByRound.at(-1), id).toBe(true);
    }
  });

  it("pays fewer completion tokens (from the ledger) when problems settle early", () => {
    if ((adaptive.summary.adaptive?.samples_saved ?? 0) > 0)
      expect(adaptive.summary.tokens.total.completion).toBeLessThan(fixed.summary.tokens.total.completion);
  });

  it("keeps the samples not drawn in the ledger, apart from the spend", () => {
    expect(fixed.ledger.samples_saved).toBeUndefined();
    const [row, ...others] = adaptive.ledger.samples_saved ?? [];
    expect(others).toEqual([]);
    const a = adaptive.summary.adaptive;
    expect(row).toMatchObject({
      problems: PROBLEMS,
      samples_budget: a?.samples_budget,
      samples_drawn: a?.samples_drawn,
      samples_saved: a?.samples_saved,
    });
    if ((a?.samples_saved ?? 0) > 0) expect(row?.est_completion_tokens_saved).toBeGreaterThan(0);
    expect(adaptive.ledger.totals.completion_tokens).toBe(adaptive.summary.tokens.total.completion);
  });

  it("forecasts an adaptive run's samples from an adaptive pilot (sstar estimate --adaptive --from-run)", async () => {
    const args = ["--data-dir", adaptive.dir, "estimate", "demo", "--dataset", dataset, "-n", "8", "-r", "2"];
    const result = await runSstar([...args, "--adaptive", "--from-run", adaptive.summary.run_id, "--json"]);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const forecast = jsonOutput<Forecast>(result);
    const drawn = adaptive.summary.adaptive?.samples_drawn ?? 0;
    expect(forecast.adaptive?.samples_budget).toBe(forecast.problems * 8);
    expect(forecast.adaptive?.samples_drawn.estimate).toBe(
      Math.round((forecast.problems * drawn) / PROBLEMS),
    );
  });

  it("plots the adaptive run beside the fixed one (sstar report --with)", async () => {
    const runId = adaptive.summary.run_id;
    cpSync(join(adaptive.dir, "runs", runId), join(fixed.dir, "runs", runId), { recursive: true });
    const html = join(fixed.dir, "compare.html");
    const args = ["--data-dir", fixed.dir, "report", fixed.summary.run_id, "--with", runId, "--html", html];
    const result = await runSstar(args);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toContain("n=8,r=2,adaptive");
    expect(readFileSync(html, "utf8")).toContain("(adaptive)");
  });
});
