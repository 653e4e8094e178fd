import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Forecast } from "../estimate/forecast";
import { populationTotal } from "../estimate/forecast";
import type { RunSummary } from "../method/run-summary";
import { SeededRandom } from "../method/seeded-random";
import { readOutcomes } from "../report/run-folder";
import { runSpendByStage } from "../report/run-spend";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";
import { type CliResult, jsonOutput, runSstar } from "./helpers/sstar-cli";

const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");

/** S* and two baselines at N=2, R=1 on 50 problems of the simulator: small, but with S*'s selection stages. */
function writeConfig(dir: string): string {
  const file = join(dir, "forecast.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "forecast",
      dataset: { path: dataset, limit: 50 },
      endpoints: { sim: { baseUrl: "sim://builtin/v1", concurrency: 64 } },
      roles: { generator: { endpoint: "sim", model: "sim-coder", sampling: { temperature: 0.7 } } },
      budget: { n: 2, rounds: 1 },
      selection: [{ method: "sstar" }, { method: "majority_vote" }, { method: "first" }],
      limits: { timeSec: 3 },
      window: 6,
      seed: 42,
    }),
  );
  return file;
}

const tokensOf = (usage: Record<string, { prompt: number; completion: number } | undefined>) =>
  Object.values(usage).reduce((s, u) => s + (u?.prompt ?? 0) + (u?.completion ?? 0), 0);

describe("sstar estimate: a 10-problem pilot forecasts a 50-problem run", () => {
  const dataDir = tempDir("forecast");
  const env = { TEMPORAL_ADDRESS: undefined };
  let forecast: Forecast;
  let summary: RunSummary;
  let report: CliResult;
  /** Each of the run's problems' tokens, those it reused from the pilot at the pilot's spend. */
  let perProblem: number[];

  beforeAll(async () => {
    const config = writeConfig(dataDir);
    // The pilot's sample is drawn with seed 1, not the default (the run seed, 42). Seed 42 draws ten
    // problems that each took 1,300 to 2,400 tokens and none of the run's ~17 problems whose samples
    // disagree and pay for a tournament (about a 1-in-100 draw); no interval from such a sample
    // reaches the run's total, and it misses. The last test checks the method's coverage over 2000
    // draws of the same run, so that the seed is not the whole proof.
    const estimate = await runSstar(
      ["--data-dir", dataDir, "estimate", config, "--pilot", "10", "--sample-seed", "1", "--json"],
      env,
    );
    expect(estimate.code, estimate.stderr.slice(-3000)).toBe(0);
    forecast = jsonOutput<Forecast>(estimate);
    const run = await runSstar(["--data-dir", dataDir, "run", config, "--json"], env);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    summary = jsonOutput<RunSummary>(run);
    report = await runSstar(["--data-dir", dataDir, "report", summary.run_id], env);
    const runDir = join(dataDir, "runs", summary.run_id);
    const pilot = readOutcomes(join(dataDir, "runs", forecast.pilot_run_id));
    const pilotOf = new Map(pilot.map((o) => [o.problemId, o]));
    perProblem = readOutcomes(runDir).map((o) => {
      const fromPilot = pilotOf.get(o.problemId);
      return tokensOf(fromPilot && tokensOf(fromPilot.usage) > tokensOf(o.usage) ? fromPilot.usage : o.usage);
    });
  });

  it("prints one JSON object: problems, pilot_problems, tokens, cost_usd, seconds, interval", () => {
    expect(forecast).toMatchObject({
      run_id: summary.run_id,
      problems: 50,
      pilot_problems: 10,
      interval: 0.9,
    });
    const { total, prompt, completion, low, high } = forecast.tokens;
    expect(prompt + completion).toBeCloseTo(total, -1);
    expect(low).toBeLessThan(total);
    expect(high).toBeGreaterThan(total);
    // The simulator's tokens cost nothing under the shipped prices; its sandbox CPU time does.
    expect(forecast.cost_usd.low).toBeLessThanOrEqual(forecast.cost_usd.estimate);
    expect(forecast.cost_usd.high).toBeGreaterThanOrEqual(forecast.cost_usd.estimate);
    expect(forecast.seconds?.estimate).toBeGreaterThan(0);
    const written = JSON.parse(readFileSync(join(dataDir, "runs", summary.run_id, "forecast.json"), "utf8"));
    expect(written).toEqual(forecast);
  });

  it("has the run's actual total tokens inside its stated interval", () => {
    const actual = perProblem.reduce((s, x) => s + x, 0);
    expect(perProblem).toHaveLength(50);
    // The run's own results, with the problems reused from the pilot counted at the pilot's spend.
    const spend = runSpendByStage(
      readOutcomes(join(dataDir, "runs", summary.run_id)),
      readOutcomes(join(dataDir, "runs", forecast.pilot_run_id)),
    );
    expect(tokensOf(spend.byStage)).toBe(actual);
    expect(actual).toBeGreaterThanOrEqual(forecast.tokens.low);
    expect(actual).toBeLessThanOrEqual(forecast.tokens.high);
  });

  it("is compared with the actual run by sstar report", () => {
    expect(report.code, report.stderr.slice(-3000)).toBe(0);
    expect(report.stdout).toContain("forecast (pilot of 10, 90% interval) vs actual:");
    expect(report.stdout).toMatch(/^tokens\s+\d+\s+\d+\s+\d+\s+\d+\s+yes\s/m);
    expect(existsSync(join(dataDir, "runs", summary.run_id, "report.html"))).toBe(true);
    expect(existsSync(join(dataDir, "runs", summary.run_id, "settings.json"))).toBe(true);
  });

  it("forecasts the same from the pilot taken as an earlier run (--from-run)", async () => {
    const again = await runSstar(
      [
        "--data-dir",
        dataDir,
        "estimate",
        writeConfig(dataDir),
        "--from-run",
        forecast.pilot_run_id,
        "--json",
      ],
      env,
    );
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const fromRun = jsonOutput<Forecast>(again);
    expect(fromRun).toMatchObject({ source: "run", pilot_run_id: forecast.pilot_run_id, pilot_problems: 10 });
    expect(fromRun.tokens).toEqual(forecast.tokens);
  });

  it("covers the run's total in about 90% of 10-problem pilots drawn from it", () => {
    const total = perProblem.reduce((s, x) => s + x, 0);
    let inside = 0;
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      const e = populationTotal(new SeededRandom("pilot-draw", i).sample(perProblem, 10), 50, 0.9);
      if (total >= e.low && total <= e.high) inside++;
    }
    expect(inside / draws).toBeGreaterThan(0.8);
  });
});
